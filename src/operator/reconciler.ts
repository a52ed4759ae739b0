/**
 * Level-based reconcile of one IndexMigration: read the resource, the Jobs it owns and the database's
 * bookkeeping; decide ONE action (decide-run.ts); do it; write status with observedGeneration.
 * `reconcile()` reads top to bottom as guard clauses.
 */
import type { Catalogue } from '../catalogue/catalogue.js';
import type { Logger } from '../log.js';
import { errorMessage } from '../errors.js';
import type { KubeClient, KubeJob } from '../kube/kube-client.js';
import type { BookkeepingReader } from './bookkeeping-reader.js';
import { buildStatus, findCondition, sameStatus, type StatusInput } from './conditions.js';
import { databaseUrlFromSecret } from './database-target.js';
import {
  decideRun,
  isTerminalFailure,
  type AppliedPhase,
  type RunDecision,
  type RunObservation,
} from './decide-run.js';
import { orderedPhases } from './run-status.js';
import type { EventRecorder } from './event-recorder.js';
import { buildJob, type JobSettings } from './job-builder.js';
import { ownedJobs, type OwnedJob } from './owned-job.js';
import { phaseEvents } from './phase-events.js';
import type { IndexMigration, IndexMigrationStatus, MigrationPhase } from './types.js';
import { validateSpec, type CatalogueLookup } from './validate-spec.js';

export const FINALIZER = 'index-operator.io/finalizer';

/** Optional metric hooks (src/metrics wires them); every method must not throw. */
export interface OperatorMetrics {
  reconciled?(e: { readonly result: 'ok' | 'requeue' | 'error'; readonly seconds: number }): void;
  reconcileError?(reason: 'permanent' | 'transient' | 'bug'): void;
  leader?(isLeader: boolean): void;
  statusWritten?(e: {
    readonly namespace: string;
    readonly migration: string;
    readonly previous: IndexMigrationStatus | undefined;
    readonly status: IndexMigrationStatus;
  }): void;
  migrationDeleted?(e: { readonly namespace: string; readonly migration: string }): void;
  /**
   * The leader's view of a resource's status on every reconcile, written or unchanged (the first
   * reconcile after a start or a hand-over included): state, progress and the current phase.
   */
  statusObserved?(e: {
    readonly namespace: string;
    readonly migration: string;
    readonly status: IndexMigrationStatus | undefined;
  }): void;
  /**
   * Any replica, leading or not: a watched resource's status.phase as the API server has it (from a
   * watch of its own), or its deletion. Standbys export the state only.
   */
  stateObserved?(e: {
    readonly namespace: string;
    readonly migration: string;
    readonly phase: MigrationPhase | undefined;
    readonly deleted: boolean;
  }): void;
  /** Leadership ended and the controller stopped: drop what only the leader keeps up to date. */
  stoodDown?(): Promise<void>;
  /** The database was read: keep its health, build metrics and (while running) build progress on /metrics. */
  databaseSeen?(e: {
    readonly namespace: string;
    readonly migration: string;
    readonly url: string;
    readonly catalogue: Catalogue;
    readonly running: boolean;
    /** The bookkeeping as just read (build rows tallied per phase). */
    readonly applied: ReadonlyMap<string, AppliedPhase>;
  }): void;
}

export interface ReconcilerDeps {
  readonly kube: KubeClient;
  /** Jobs from the informer cache (all watched namespaces). */
  readonly jobs: () => readonly KubeJob[];
  readonly catalogues: CatalogueLookup & { load(name: string): Catalogue };
  readonly readBookkeeping: BookkeepingReader;
  readonly jobSettings: JobSettings;
  readonly events: EventRecorder;
  readonly log: Logger;
  readonly now: () => Date;
  /** How often to look again while a Job runs (progress, completion safety net). */
  readonly pollMs: number;
  /** How often to look again at a settled resource (drift: a phase rolled back by hand); default 10m. */
  readonly resyncMs?: number;
  readonly metrics?: OperatorMetrics;
}

/** What the worker does next with the key. */
export interface ReconcileResult {
  /** Retry with the key's exponential backoff (a problem the user can fix without touching the resource). */
  readonly backoff?: boolean;
  readonly requeueAfterMs?: number;
}

const DONE: ReconcileResult = {};
export const DEFAULT_RESYNC_MS = 10 * 60_000;

class Unreachable {
  constructor(readonly message: string) {}
}
const BACKOFF: ReconcileResult = { backoff: true };

export class Reconciler {
  constructor(private readonly deps: ReconcilerDeps) {}

  async reconcile(namespace: string, name: string, signal: AbortSignal): Promise<ReconcileResult> {
    const m = await this.deps.kube.getMigration(namespace, name);
    if (!m || signal.aborted) return DONE;
    if (m.metadata.deletionTimestamp !== undefined) return this.finalize(m, signal);
    this.observe(m, m.status, signal);
    if (!(m.metadata.finalizers ?? []).includes(FINALIZER)) return this.addFinalizer(m);
    const problems = validateSpec(m.spec, this.deps.catalogues);
    if (problems.length > 0) return this.invalid(m, problems, signal);
    const catalogue = this.deps.catalogues.load(m.spec.catalogue);
    const secret = m.spec.database.postgresql
      ? await this.deps.kube.getSecret(namespace, m.spec.database.postgresql.secretRef.name)
      : undefined;
    const target = databaseUrlFromSecret(m.spec.database, namespace, secret);
    if (!target.ok) return this.degraded(m, target.problem.reason, target.problem.message, signal);
    // The Jobs BEFORE the bookkeeping: a Job is marked Complete only after its command committed its
    // bookkeeping, so every Job seen succeeded here has its result in the read below. Read the other way
    // round, a Job finishing during a slow read looks succeeded next to a phase that is not applied yet,
    // and the phase would be started a second time.
    const jobs = ownedJobs(this.jobsOf(m), m.metadata.uid ?? '');
    const applied = await this.readApplied(target.url, catalogue, m);
    if (applied instanceof Unreachable)
      return this.degraded(m, 'DatabaseUnreachable', applied.message, signal);
    const decision = decideRun(this.observation(m, catalogue, jobs, applied));
    if (signal.aborted) return DONE;
    if (decision.action.type === 'createJob') await this.createJob(m, decision);
    await this.writeStatus(m, decision.status, signal);
    if (applied !== undefined && !signal.aborted) {
      const running = decision.status.phase === 'Running';
      const seen = { namespace, migration: name, url: target.url, catalogue, running, applied };
      this.deps.metrics?.databaseSeen?.(seen);
    }
    return { requeueAfterMs: decision.poll ? this.deps.pollMs : (this.deps.resyncMs ?? DEFAULT_RESYNC_MS) };
  }

  // ------------------------------------------------------------------------------------ guard steps

  private async addFinalizer(m: IndexMigration): Promise<ReconcileResult> {
    const finalizers = [...(m.metadata.finalizers ?? []), FINALIZER];
    await this.deps.kube.replaceMigration({ ...m, metadata: { ...m.metadata, finalizers } });
    return { requeueAfterMs: 0 };
  }

  private async invalid(
    m: IndexMigration,
    problems: readonly string[],
    signal: AbortSignal,
  ): Promise<ReconcileResult> {
    const message = `invalid spec: ${problems.join('; ')}`;
    await this.deps.events.record(m, 'Warning', 'InvalidSpec', message);
    await this.writeStatus(m, { phase: 'Failed', reason: 'InvalidSpec', message, degraded: true }, signal);
    return DONE;
  }

  private async degraded(
    m: IndexMigration,
    reason: string,
    message: string,
    signal: AbortSignal,
  ): Promise<ReconcileResult> {
    await this.deps.events.record(m, 'Warning', reason, message);
    const previous = previousStatus(m);
    const generation = m.metadata.generation ?? 0;
    // A run that failed at this generation stays the record (the event says what is wrong now):
    // overwriting its Degraded reason would forget the failure and start the phase again once it clears.
    if (isTerminalFailure({ previous, generation })) return BACKOFF;
    const phase = m.status?.phase ?? 'Pending';
    const current = m.status?.observedGeneration === generation;
    // Succeeded stays Succeeded for an unchanged spec (Degraded says it cannot be checked right now).
    const keep =
      (phase === 'Succeeded' && !current) || phase === 'Failed' || phase === 'RolledBack' ? 'Pending' : phase;
    await this.writeStatus(m, { phase: keep, reason, message, degraded: true }, signal);
    return BACKOFF;
  }

  private async readApplied(
    url: string,
    catalogue: Catalogue,
    m: IndexMigration,
  ): Promise<ReadonlyMap<string, AppliedPhase> | undefined | Unreachable> {
    try {
      return await this.deps.readBookkeeping(url, catalogue, this.deps.log);
    } catch (e) {
      this.deps.log.warn(
        { err: e, migration: m.metadata.name, namespace: m.metadata.namespace },
        'cannot read the bookkeeping tables',
      );
      return new Unreachable(`cannot read the database's bookkeeping tables: ${errorMessage(e)}`);
    }
  }

  private jobsOf(m: IndexMigration): KubeJob[] {
    return this.deps.jobs().filter((j) => j.metadata.namespace === m.metadata.namespace);
  }

  private observation(
    m: IndexMigration,
    catalogue: Catalogue,
    jobs: readonly OwnedJob[],
    applied: ReadonlyMap<string, AppliedPhase> | undefined,
  ): Parameters<typeof decideRun>[0] {
    return {
      generation: m.metadata.generation ?? 0,
      spec: m.spec,
      cataloguePhases: catalogue.phases.map((p) => ({ name: p.name, indexes: p.indexes.length })),
      jobs,
      applied,
      previous: previousStatus(m),
    };
  }

  private async createJob(m: IndexMigration, decision: RunDecision): Promise<void> {
    if (decision.action.type !== 'createJob') return;
    const request = decision.action.job;
    const job = buildJob(m, request, this.deps.jobSettings);
    const result = await this.deps.kube.createJob(m.metadata.namespace ?? '', job);
    const jobName = job.metadata.name ?? '';
    this.deps.log.info(
      {
        migration: m.metadata.name,
        namespace: m.metadata.namespace,
        phase: request.phase,
        job: jobName,
        result,
      },
      `job ${request.kind}`,
    );
    if (result === 'exists') return;
    const [type, reason, message] = startedEvent(request.kind, request.phases, jobName);
    await this.deps.events.record(m, type, reason, message);
  }

  private async writeStatus(m: IndexMigration, input: StatusInput, signal: AbortSignal): Promise<void> {
    const status = buildStatus(m.status, input, m.metadata.generation ?? 0, this.deps.now().toISOString());
    this.observe(m, status, signal);
    if (signal.aborted || sameStatus(m.status, status)) return;
    const written = await this.deps.kube.replaceMigrationStatus({ ...m, status });
    this.deps.metrics?.statusWritten?.({
      namespace: m.metadata.namespace ?? '',
      migration: m.metadata.name ?? '',
      previous: m.status,
      status: written.status ?? status,
    });
    for (const [type, reason, message] of phaseEvents(m.status, status))
      await this.deps.events.record(m, type, reason, message);
  }

  /** The metrics follow the status on every reconcile, not only when a write changes it. */
  private observe(m: IndexMigration, status: IndexMigrationStatus | undefined, signal: AbortSignal): void {
    if (signal.aborted) return;
    const at = { namespace: m.metadata.namespace ?? '', migration: m.metadata.name ?? '' };
    this.deps.metrics?.statusObserved?.({ ...at, status });
  }

  // --------------------------------------------------------------------------------------- deletion

  private async finalize(m: IndexMigration, signal: AbortSignal): Promise<ReconcileResult> {
    if (!(m.metadata.finalizers ?? []).includes(FINALIZER)) return DONE;
    const jobs = ownedJobs(this.jobsOf(m), m.metadata.uid ?? '');
    const running = jobs.filter((j) => j.state === 'active' && j.kind !== 'cleanup' && !j.deleting);
    for (const j of running) await this.deps.kube.deleteJob(m.metadata.namespace ?? '', j.name);
    if (running.length > 0) return { requeueAfterMs: this.deps.pollMs };
    if (m.spec.deletionPolicy === 'RollBack') {
      const waiting = await this.cleanup(m, jobs, signal);
      if (waiting) return { requeueAfterMs: this.deps.pollMs };
    }
    if (signal.aborted) return DONE;
    const finalizers = (m.metadata.finalizers ?? []).filter((f) => f !== FINALIZER);
    await this.deps.kube.replaceMigration({ ...m, metadata: { ...m.metadata, finalizers } });
    this.deps.metrics?.migrationDeleted?.({
      namespace: m.metadata.namespace ?? '',
      migration: m.metadata.name ?? '',
    });
    return DONE;
  }

  /** deletionPolicy RollBack: one `down` Job for every enabled phase, newest first. True while it runs. */
  private async cleanup(m: IndexMigration, jobs: readonly OwnedJob[], signal: AbortSignal): Promise<boolean> {
    const cleanup = jobs.find((j) => j.kind === 'cleanup');
    if (cleanup?.state === 'active') return true;
    if (cleanup?.state === 'failed') {
      await this.deps.events.record(
        m,
        'Warning',
        'CleanupFailed',
        `rollback on deletion failed (job ${cleanup.name}); the indexes are left in place`,
      );
      return false;
    }
    if (cleanup?.state === 'succeeded' || signal.aborted) return false;
    const catalogue = this.deps.catalogues.phases(m.spec.catalogue);
    if (!catalogue) return false;
    const phases = orderedPhases({ spec: m.spec, cataloguePhases: catalogue }).reverse();
    const job = buildJob(m, { kind: 'cleanup', phases }, this.deps.jobSettings);
    const result = await this.deps.kube.createJob(m.metadata.namespace ?? '', job);
    if (result === 'created')
      await this.deps.events.record(
        m,
        'Normal',
        'RollingBack',
        `deleting: rolling back ${phases.join(', ')} (job ${job.metadata.name ?? ''})`,
      );
    await this.writeStatus(
      m,
      {
        phase: 'RollingBack',
        reason: 'Deleting',
        message: `rolling back ${phases.join(', ')} before deletion`,
        degraded: false,
      },
      signal,
    );
    return true;
  }
}

/** The status as last written, as the run decision remembers it. */
function previousStatus(m: IndexMigration): RunObservation['previous'] {
  const degraded = findCondition(m.status?.conditions, 'Degraded');
  return {
    ...(m.status?.phase === undefined ? {} : { phase: m.status.phase }),
    ...(m.status?.observedGeneration === undefined
      ? {}
      : { observedGeneration: m.status.observedGeneration }),
    ...(m.status?.phases === undefined ? {} : { phases: m.status.phases }),
    ...(degraded?.status === 'True'
      ? { degradedReason: degraded.reason, degradedMessage: degraded.message }
      : {}),
  };
}

function startedEvent(
  kind: OwnedJob['kind'],
  phases: readonly string[],
  job: string,
): ['Normal' | 'Warning', string, string] {
  switch (kind) {
    case 'apply':
      return ['Normal', 'PhaseStarted', `phase ${phases.join(', ')} started (job ${job})`];
    case 'rollback':
      return ['Warning', 'RollingBack', `rolling back ${phases.join(', ')} (job ${job})`];
    case 'verify':
      return ['Normal', 'VerifyStarted', `hot-query suite started (job ${job})`];
    case 'cleanup':
      return ['Normal', 'RollingBack', `rolling back ${phases.join(', ')} before deletion (job ${job})`];
  }
}
