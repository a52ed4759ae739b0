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
import { databaseUrlFromSecret, secretNameOf } from './database-target.js';
import {
  decideRun,
  isTerminalFailure,
  type AppliedPhase,
  type RunDecision,
  type RunObservation,
} from './decide-run.js';
import { orderedPhases } from './run-status.js';
import type { EventRecorder } from './event-recorder.js';
import { buildJob, runSpecHash, type JobSettings } from './job-builder.js';
import { ownedJobs, runGeneration, type OwnedJob } from './owned-job.js';
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
    const secretName = secretNameOf(m.spec.database);
    const secret =
      secretName === undefined ? undefined : await this.deps.kube.getSecret(namespace, secretName);
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
    const generation = runGeneration(jobs, m.metadata.generation ?? 0, runSpecHash(m.spec));
    const decision = decideRun(this.observation(m, catalogue, jobs, applied, generation));
    if (signal.aborted) return DONE;
    if (decision.action.type === 'createJob') {
      const refused = await this.createJob(m, decision, generation);
      if (refused !== undefined) {
        const failed = { ...decision.status, reason: 'JobCreateFailed', message: refused, degraded: true };
        await this.writeStatus(m, failed, signal);
        return BACKOFF;
      }
    }
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

  /** What decideRun sees, at the run's generation (a status written at the resource's counts as its). */
  private observation(
    m: IndexMigration,
    catalogue: Catalogue,
    jobs: readonly OwnedJob[],
    applied: ReadonlyMap<string, AppliedPhase> | undefined,
    generation: number,
  ): Parameters<typeof decideRun>[0] {
    const previous = previousStatus(m);
    const current = previous.observedGeneration === m.metadata.generation;
    return {
      generation,
      spec: m.spec,
      cataloguePhases: catalogue.phases.map((p) => ({ name: p.name, indexes: p.indexes.length })),
      jobs,
      applied,
      previous: current ? { ...previous, observedGeneration: generation } : previous,
    };
  }

  /** Creates the decided Job; undefined when it exists now, else why the API server refused it. */
  private async createJob(
    m: IndexMigration,
    decision: RunDecision,
    generation: number,
  ): Promise<string | undefined> {
    if (decision.action.type !== 'createJob') return undefined;
    const request = decision.action.job;
    const job = buildJob(m, request, this.deps.jobSettings, generation);
    const result = await this.submitJob(m, job);
    if (typeof result === 'object') return result.refused;
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
    if (result === 'exists') return undefined;
    const [type, reason, message] = startedEvent(request.kind, request.phases, jobName);
    await this.deps.events.record(m, type, reason, message);
    return undefined;
  }

  /**
   * POSTs the Job. A refusal (RBAC, OwnerReferencesPermissionEnforcement, quota, admission webhooks) is
   * returned with the API server's own message, recorded as an event and logged, for the caller to put
   * in status; the key is retried with backoff.
   */
  private async submitJob(
    m: IndexMigration,
    job: KubeJob,
  ): Promise<'created' | 'exists' | { readonly refused: string }> {
    try {
      return await this.deps.kube.createJob(m.metadata.namespace ?? '', job);
    } catch (e) {
      const refused = `cannot create job ${job.metadata.name ?? ''}: ${errorMessage(e)}`;
      this.deps.log.warn(
        { err: e, migration: m.metadata.name, namespace: m.metadata.namespace, job: job.metadata.name },
        'cannot create job',
      );
      await this.deps.events.record(m, 'Warning', 'JobCreateFailed', refused);
      return { refused };
    }
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

  /**
   * Deletion: stop the migration's running Jobs (Foreground, so a Job stays until its pods are gone);
   * with deletionPolicy RollBack wait until none runs, then run the cleanup Job, and let the resource go
   * only once it succeeded: a failed cleanup is reported and tried again, never given up on silently.
   */
  private async finalize(m: IndexMigration, signal: AbortSignal): Promise<ReconcileResult> {
    if (!(m.metadata.finalizers ?? []).includes(FINALIZER)) return DONE;
    const jobs = ownedJobs(this.jobsOf(m), m.metadata.uid ?? '');
    const running = jobs.filter((j) => j.state === 'active' && j.kind !== 'cleanup');
    for (const j of running.filter((r) => !r.deleting))
      await this.deps.kube.deleteJob(m.metadata.namespace ?? '', j.name);
    if (m.spec.deletionPolicy === 'RollBack') {
      if (running.length > 0) {
        const names = running.map((j) => j.name).join(', ');
        const message = `deleting: waiting for job ${names} to stop before rolling back`;
        await this.writeStatus(
          m,
          { phase: 'RollingBack', reason: 'Deleting', message, degraded: false },
          signal,
        );
        return { requeueAfterMs: this.deps.pollMs };
      }
      const waiting = await this.cleanup(m, jobs, signal);
      if (waiting) return waiting;
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

  /**
   * deletionPolicy RollBack: one `down` Job for every enabled phase, newest first. Undefined once it
   * succeeded; otherwise when to look again (it runs, or it failed and is being replaced).
   */
  private async cleanup(
    m: IndexMigration,
    jobs: readonly OwnedJob[],
    signal: AbortSignal,
  ): Promise<ReconcileResult | undefined> {
    const cleanup = jobs.find((j) => j.kind === 'cleanup');
    if (cleanup?.state === 'succeeded') return undefined;
    const poll = { requeueAfterMs: this.deps.pollMs };
    if (signal.aborted || cleanup?.deleting === true || cleanup?.state === 'active') return poll;
    if (cleanup?.state === 'failed') return this.cleanupFailed(m, cleanup, signal);
    const catalogue = this.deps.catalogues.phases(m.spec.catalogue);
    if (!catalogue) return undefined;
    const phases = orderedPhases({ spec: m.spec, cataloguePhases: catalogue }).reverse();
    const job = buildJob(m, { kind: 'cleanup', phases }, this.deps.jobSettings);
    const result = await this.submitJob(m, job);
    if (typeof result === 'object') {
      const input = {
        phase: 'RollingBack',
        reason: 'JobCreateFailed',
        message: result.refused,
        degraded: true,
      } as const;
      await this.writeStatus(m, input, signal);
      return BACKOFF;
    }
    if (result === 'created')
      await this.deps.events.record(
        m,
        'Normal',
        'RollingBack',
        `deleting: rolling back ${phases.join(', ')} (job ${job.metadata.name ?? ''})`,
      );
    // A retry after a failed cleanup keeps saying why it is retried until the resource is gone.
    const failed = findCondition(m.status?.conditions, 'Degraded');
    const input =
      failed?.status === 'True' && failed.reason === 'CleanupFailed'
        ? ({
            phase: 'RollingBack',
            reason: 'CleanupFailed',
            message: failed.message,
            degraded: true,
          } as const)
        : ({
            phase: 'RollingBack',
            reason: 'Deleting',
            message: `rolling back ${phases.join(', ')} before deletion`,
            degraded: false,
          } as const);
    await this.writeStatus(m, input, signal);
    return poll;
  }

  /** The cleanup Job failed: say so (status, event), remove it and try again after backoff. */
  private async cleanupFailed(
    m: IndexMigration,
    cleanup: OwnedJob,
    signal: AbortSignal,
  ): Promise<ReconcileResult> {
    const message =
      `rollback on deletion failed (job ${cleanup.name}: ${cleanup.message ?? 'see the job log'}); ` +
      'the resource stays until it succeeds and is tried again; to delete it without rolling back, ' +
      'set spec.deletionPolicy to Retain';
    await this.deps.events.record(m, 'Warning', 'CleanupFailed', message);
    await this.writeStatus(
      m,
      { phase: 'RollingBack', reason: 'CleanupFailed', message, degraded: true },
      signal,
    );
    await this.deps.kube.deleteJob(m.metadata.namespace ?? '', cleanup.name);
    return BACKOFF;
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
