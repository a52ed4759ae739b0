/**
 * client-node 1.x `makeInformer` (list + watch from the last resourceVersion, re-list on 410 Gone,
 * bookmarks) kept alive: its ListWatch stops for good on any error other than 410 (connection refused,
 * a failed list, a cut TCP stream reported as an error), so we restart it with capped exponential
 * backoff. A cleanly closed watch is resumed by client-node itself from the last resourceVersion.
 * One informer per watched path (one per namespace, or one cluster-wide).
 */
import {
  makeInformer,
  type KubeConfig,
  type KubernetesListObject,
  type KubernetesObject,
} from '@kubernetes/client-node';
import type { ObjectWatch, WatchHandlers } from './kube-client.js';
import type { KubeRest } from './kube-rest.js';

export interface InformerBackoff {
  readonly initialMs: number;
  readonly maxMs: number;
}

const DEFAULT_BACKOFF: InformerBackoff = { initialMs: 200, maxMs: 30_000 };

interface Member {
  readonly informer: ReturnType<typeof makeInformer<KubernetesObject>>;
  listed: boolean;
  failures: number;
  timer: NodeJS.Timeout | undefined;
}

/** T is the plain JSON shape the caller reads (objects are passed through as the API sent them). */
export class ResilientInformer<T> implements ObjectWatch<T> {
  private readonly members: Member[] = [];
  private running = false;

  constructor(
    private readonly kc: KubeConfig,
    private readonly rest: KubeRest,
    private readonly paths: readonly string[],
    private readonly labelSelector: string | undefined,
    private readonly handlers: WatchHandlers<T>,
    private readonly backoff: InformerBackoff = DEFAULT_BACKOFF,
  ) {}

  get synced(): boolean {
    return this.running && this.members.length === this.paths.length && this.members.every((m) => m.listed);
  }

  async start(): Promise<void> {
    this.running = true;
    for (const path of this.paths) this.members.push(this.member(path));
    await Promise.all(this.members.map((m) => m.informer.start()));
  }

  async stop(): Promise<void> {
    this.running = false;
    for (const m of this.members) clearTimeout(m.timer);
    await Promise.all(this.members.splice(0).map((m) => m.informer.stop()));
  }

  list(): readonly T[] {
    return this.members.flatMap((m) => m.informer.list() as unknown as T[]);
  }

  get(namespace: string, name: string): T | undefined {
    for (const m of this.members) {
      const found = m.informer.get(name, namespace);
      if (found) return found as unknown as T;
    }
    return undefined;
  }

  private member(path: string): Member {
    const listFn = async (): Promise<KubernetesListObject<KubernetesObject>> => {
      const query =
        this.labelSelector === undefined ? '' : `?labelSelector=${encodeURIComponent(this.labelSelector)}`;
      const res = await this.rest.expect('GET', path + query);
      member.listed = true;
      member.failures = 0;
      return res.body as KubernetesListObject<KubernetesObject>;
    };
    const informer = makeInformer<KubernetesObject>(this.kc, path, listFn, this.labelSelector);
    const member: Member = { informer, listed: false, failures: 0, timer: undefined };
    informer.on('add', (obj) => this.handlers.onChange(obj as unknown as T, false));
    informer.on('update', (obj) => this.handlers.onChange(obj as unknown as T, false));
    informer.on('delete', (obj) => this.handlers.onChange(obj as unknown as T, true));
    informer.on('error', (err: unknown) => this.restartLater(member, err));
    return member;
  }

  private restartLater(member: Member, err: unknown): void {
    if (!this.running) return;
    member.failures += 1;
    const delay = Math.min(
      this.backoff.initialMs * 2 ** Math.min(member.failures - 1, 20),
      this.backoff.maxMs,
    );
    this.handlers.onError(err, delay);
    clearTimeout(member.timer);
    member.timer = setTimeout(() => {
      member.timer = undefined;
      if (this.running) void member.informer.start().catch((e: unknown) => this.restartLater(member, e));
    }, delay);
  }
}
