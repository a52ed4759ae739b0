/**
 * The operator process: leader election on a Lease; while leading, the controller (informers, queue,
 * workers); always the probe server. Returns when `signal` aborts, after stopping the controller,
 * finishing in-flight status writes and releasing the lease.
 */
import type { Logger } from '../log.js';
import type { KubeClient, ObjectWatch } from '../kube/kube-client.js';
import { Controller, type ControllerDeps, type ControllerOptions } from './controller.js';
import { LeaderElector, type LeaderElectionOptions } from './leader-elector.js';
import { startProbeServer } from './probe-server.js';
import type { IndexMigration } from './types.js';

export interface OperatorOptions {
  readonly controller: ControllerOptions;
  readonly lease: LeaderElectionOptions;
  /** undefined: no probe server (tests). */
  readonly probes?: { readonly host: string; readonly port: number };
}

export type OperatorDeps = ControllerDeps & { readonly kube: KubeClient; readonly log: Logger };

export class Operator {
  private controller: Controller | undefined;
  private stopping: Promise<void> = Promise.resolve();
  private readonly elector: LeaderElector;

  constructor(
    private readonly deps: OperatorDeps,
    private readonly options: OperatorOptions,
  ) {
    this.elector = new LeaderElector(
      deps.kube,
      options.lease,
      { onStartedLeading: () => this.lead(), onStoppedLeading: () => this.standDown() },
      deps.log,
    );
  }

  get isLeader(): boolean {
    return this.elector.isLeader;
  }

  /** Leading with synced informers, or standing by as a candidate. */
  ready(): { readonly ok: boolean; readonly detail: string } {
    if (!this.elector.isLeader) return { ok: true, detail: 'standby' };
    const synced = this.controller?.synced ?? false;
    return { ok: synced, detail: synced ? 'leader, informers synced' : 'leader, informers syncing' };
  }

  async run(signal: AbortSignal): Promise<void> {
    const probes = this.options.probes
      ? await startProbeServer(this.options.probes.host, this.options.probes.port, this)
      : undefined;
    this.deps.log.info(
      { server: this.deps.kube.server, identity: this.options.lease.identity },
      'operator started',
    );
    const states = this.watchStates();
    try {
      await this.elector.run(signal);
      await this.stopping;
    } finally {
      await states?.stop();
      await probes?.close();
      this.deps.log.info('operator stopped');
    }
  }

  /**
   * Every replica, leading or standing by, watches the resources' status.phase for `migration_state`,
   * so the state series exist on each replica from its start (the leader's controller keeps the rest).
   */
  private watchStates(): ObjectWatch<IndexMigration> | undefined {
    const metrics = this.deps.metrics;
    if (!metrics?.stateObserved) return undefined;
    const log = this.deps.log;
    const watch = this.deps.kube.watchMigrations(this.options.controller.namespaces, {
      onChange: (m, deleted) =>
        metrics.stateObserved?.({
          namespace: m.metadata.namespace ?? '',
          migration: m.metadata.name ?? '',
          phase: m.status?.phase,
          deleted,
        }),
      onError: (err, retryInMs) =>
        log.warn({ err, retryInMs }, 'IndexMigration state watch failed; restarting'),
    });
    watch.start().catch((e: unknown) => log.error({ err: e }, 'IndexMigration state watch failed to start'));
    return watch;
  }

  private lead(): void {
    this.deps.metrics?.leader?.(true);
    const controller = new Controller(this.deps, this.options.controller);
    this.controller = controller;
    this.stopping = this.stopping.then(() =>
      controller.start().catch((e: unknown) => this.deps.log.error({ err: e }, 'controller failed to start')),
    );
  }

  private async standDown(): Promise<void> {
    this.deps.metrics?.leader?.(false);
    const controller = this.controller;
    this.controller = undefined;
    // Once the controller stopped (no reconcile writes a metric after this), drop the leader's series.
    this.stopping = this.stopping.then(async () => {
      await controller?.stop();
      await this.deps.metrics?.stoodDown?.();
    });
    await this.stopping;
  }
}
