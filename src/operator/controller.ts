/**
 * The controller while this replica leads: informers for IndexMigrations and the Jobs the operator
 * owns feed a work queue keyed by namespace/name; N workers reconcile, never two on one key. Unknown
 * errors are logged with stack, counted and retried with backoff: the controller never crash-loops.
 */
import { isAppError } from '../errors.js';
import type { KubeJob, ObjectWatch } from '../kube/kube-client.js';
import { JOB_SELECTOR, LABEL_MIGRATION } from './owned-job.js';
import { Reconciler, type OperatorMetrics, type ReconcilerDeps } from './reconciler.js';
import type { IndexMigration } from './types.js';
import { WorkQueue, type WorkQueueOptions } from './work-queue.js';

export interface ControllerOptions {
  readonly namespaces: readonly string[] | 'all';
  readonly workers: number;
  readonly queue: WorkQueueOptions;
}

export type ControllerDeps = Omit<ReconcilerDeps, 'jobs'> & { readonly metrics?: OperatorMetrics };

export class Controller {
  private readonly queue: WorkQueue;
  private readonly migrations: ObjectWatch<IndexMigration>;
  private readonly jobs: ObjectWatch<KubeJob>;
  private readonly reconciler: Reconciler;
  private readonly abort = new AbortController();
  private workers: Promise<void>[] = [];

  constructor(
    private readonly deps: ControllerDeps,
    private readonly options: ControllerOptions,
  ) {
    this.queue = new WorkQueue(options.queue);
    const log = deps.log;
    this.migrations = deps.kube.watchMigrations(options.namespaces, {
      onChange: (m) => this.queue.add(keyOf(m.metadata.namespace, m.metadata.name)),
      onError: (err, retryInMs) => log.warn({ err, retryInMs }, 'IndexMigration watch failed; restarting'),
    });
    this.jobs = deps.kube.watchJobs(options.namespaces, JOB_SELECTOR, {
      onChange: (j) => this.onJob(j),
      onError: (err, retryInMs) => log.warn({ err, retryInMs }, 'Job watch failed; restarting'),
    });
    this.reconciler = new Reconciler({ ...deps, jobs: () => this.jobs.list() });
  }

  get synced(): boolean {
    return this.migrations.synced && this.jobs.synced;
  }

  async start(): Promise<void> {
    await Promise.all([this.jobs.start(), this.migrations.start()]);
    this.workers = Array.from({ length: this.options.workers }, () => this.work());
  }

  /** Stops at once: no new keys; in-flight reconciles see the abort before their next write. */
  async stop(): Promise<void> {
    this.abort.abort(new Error('controller stopped'));
    this.queue.shutdown();
    await Promise.all([this.migrations.stop(), this.jobs.stop()]);
    await Promise.all(this.workers);
  }

  private onJob(job: KubeJob): void {
    const migration = job.metadata.labels?.[LABEL_MIGRATION];
    if (migration !== undefined) this.queue.add(keyOf(job.metadata.namespace, migration));
  }

  private async work(): Promise<void> {
    for (;;) {
      const key = await this.queue.get();
      if (key === undefined) return;
      try {
        await this.process(key);
      } finally {
        this.queue.done(key);
      }
    }
  }

  private async process(key: string): Promise<void> {
    const [namespace = '', name = ''] = key.split('/');
    const started = performance.now();
    const seconds = (): number => (performance.now() - started) / 1000;
    try {
      const result = await this.reconciler.reconcile(namespace, name, this.abort.signal);
      if (result.backoff) this.queue.addRateLimited(key);
      else this.queue.forget(key);
      if (result.requeueAfterMs !== undefined) this.queue.addAfter(key, result.requeueAfterMs);
      this.deps.metrics?.reconciled?.({ result: result.backoff ? 'requeue' : 'ok', seconds: seconds() });
    } catch (e) {
      const delayMs = this.queue.addRateLimited(key);
      const log = { err: e, migration: name, namespace, retryInMs: delayMs };
      const reason = isAppError(e) ? (e.errorClass === 'transient' ? 'transient' : 'permanent') : 'bug';
      if (reason === 'transient') this.deps.log.warn(log, 'reconcile failed; retrying');
      else this.deps.log.error(log, 'reconcile failed unexpectedly; retrying');
      this.deps.metrics?.reconcileError?.(reason);
      this.deps.metrics?.reconciled?.({ result: 'error', seconds: seconds() });
    }
  }
}

export function keyOf(namespace: string | undefined, name: string | undefined): string {
  return `${namespace ?? ''}/${name ?? ''}`;
}
