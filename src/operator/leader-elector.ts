/**
 * Leader election over a coordination.k8s.io/v1 Lease, after client-go's leaderelection: acquire when
 * the lease is free or expired, renew every retryPeriod, and stop leading at once when a renewal has
 * not succeeded within renewDeadline. Expiry is judged on the local clock from when this replica last
 * saw the lease record change (never by comparing clocks between nodes).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../log.js';
import type { KubeClient, KubeLease } from '../kube/kube-client.js';

export interface LeaderElectionOptions {
  readonly namespace: string;
  readonly name: string;
  /** This replica (pod name). */
  readonly identity: string;
  readonly leaseDurationMs: number;
  readonly renewDeadlineMs: number;
  readonly retryPeriodMs: number;
}

export interface LeaderCallbacks {
  /** Called when this replica becomes leader; `signal` aborts when it stops leading. */
  onStartedLeading(signal: AbortSignal): void;
  /** Called when leadership is lost or released; must stop all work immediately. */
  onStoppedLeading(): void | Promise<void>;
}

/** RFC 3339 with microseconds, as MicroTime fields require. */
export function microTime(d: Date): string {
  return d.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

export class LeaderElector {
  private leading = false;
  private lease: KubeLease | undefined;
  private observed = { record: '', at: 0 };
  private leaderSignal: AbortController | undefined;

  constructor(
    private readonly kube: KubeClient,
    private readonly options: LeaderElectionOptions,
    private readonly callbacks: LeaderCallbacks,
    private readonly log: Logger,
    private readonly now: () => Date = () => new Date(),
  ) {}

  get isLeader(): boolean {
    return this.leading;
  }

  /** Campaigns and leads until `signal` aborts; then releases the lease if held. */
  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      if (await this.tryAcquireOrRenew()) {
        await this.lead(signal);
      } else {
        await pause(this.options.retryPeriodMs, signal);
      }
    }
    await this.release();
  }

  private async lead(signal: AbortSignal): Promise<void> {
    this.leading = true;
    this.leaderSignal = new AbortController();
    this.log.info({ lease: this.options.name, identity: this.options.identity }, 'became leader');
    this.callbacks.onStartedLeading(this.leaderSignal.signal);
    let lastRenew = this.now().getTime();
    while (!signal.aborted) {
      await pause(this.options.retryPeriodMs, signal);
      if (signal.aborted) break;
      if (await this.tryAcquireOrRenew()) {
        lastRenew = this.now().getTime();
      } else if (this.now().getTime() - lastRenew >= this.options.renewDeadlineMs || this.heldByOther()) {
        this.log.warn({ lease: this.options.name }, 'lost leadership: stopping all work');
        await this.stopLeading();
        return;
      }
    }
    await this.stopLeading();
  }

  private async stopLeading(): Promise<void> {
    if (!this.leading) return;
    this.leading = false;
    this.leaderSignal?.abort(new Error('leadership lost'));
    await this.callbacks.onStoppedLeading();
  }

  private heldByOther(): boolean {
    const holder = this.lease?.spec?.holderIdentity;
    return holder !== undefined && holder !== '' && holder !== this.options.identity;
  }

  /** One attempt; true when this replica holds the lease afterwards. Errors count as "not renewed". */
  private async tryAcquireOrRenew(): Promise<boolean> {
    try {
      return await this.attempt();
    } catch (e) {
      this.log.warn({ err: e, lease: this.options.name }, 'lease request failed');
      return false;
    }
  }

  private async attempt(): Promise<boolean> {
    const { namespace, name, identity } = this.options;
    const current = await this.kube.getLease(namespace, name);
    const now = this.now();
    if (!current) {
      const created = await this.kube.createLease(namespace, {
        metadata: { name, namespace },
        spec: this.spec(now, now, 0),
      });
      return this.accept(created, now);
    }
    this.lease = current;
    this.observe(current, now);
    const spec = current.spec ?? {};
    const mine = spec.holderIdentity === identity;
    if (!mine && this.heldByOther() && !this.expired(now)) return false;
    const transitions = (spec.leaseTransitions ?? 0) + (mine ? 0 : 1);
    const acquired = mine && spec.acquireTime !== undefined ? spec.acquireTime : microTime(now);
    const next: KubeLease = {
      metadata: current.metadata,
      spec: { ...this.spec(now, now, transitions), acquireTime: acquired },
    };
    return this.accept(await this.kube.replaceLease(namespace, next), now);
  }

  private accept(result: KubeLease | 'conflict', now: Date): boolean {
    if (result === 'conflict') return false;
    this.lease = result;
    this.observe(result, now);
    return true;
  }

  private spec(acquire: Date, renew: Date, transitions: number): NonNullable<KubeLease['spec']> {
    return {
      holderIdentity: this.options.identity,
      leaseDurationSeconds: Math.ceil(this.options.leaseDurationMs / 1000),
      acquireTime: microTime(acquire),
      renewTime: microTime(renew),
      leaseTransitions: transitions,
    };
  }

  private observe(lease: KubeLease, now: Date): void {
    const record = JSON.stringify(lease.spec ?? {});
    if (record !== this.observed.record) this.observed = { record, at: now.getTime() };
  }

  private expired(now: Date): boolean {
    const seconds = this.lease?.spec?.leaseDurationSeconds ?? Math.ceil(this.options.leaseDurationMs / 1000);
    return now.getTime() > this.observed.at + seconds * 1000;
  }

  /** Gives the lease up (holder cleared, 1s duration) so another replica takes over at once. */
  async release(): Promise<void> {
    await this.stopLeading();
    const lease = this.lease;
    if (lease?.spec?.holderIdentity !== this.options.identity) return;
    const spec = {
      ...lease.spec,
      holderIdentity: '',
      leaseDurationSeconds: 1,
      renewTime: microTime(this.now()),
    };
    try {
      await this.kube.replaceLease(this.options.namespace, { metadata: lease.metadata, spec });
      this.log.info({ lease: this.options.name }, 'released leadership');
    } catch (e) {
      this.log.warn(
        { err: e, lease: this.options.name },
        'could not release the lease; it expires on its own',
      );
    }
  }
}

async function pause(ms: number, signal: AbortSignal): Promise<void> {
  try {
    await sleep(ms, undefined, { signal });
  } catch {
    // aborted: the caller checks signal.aborted
  }
}
