/**
 * The pure heart of the reconcile loop: given what was observed (the resource, the Jobs it owns, what
 * the database's bookkeeping says is applied), decide the ONE next action and the status to write.
 * No I/O, no clock: table-driven tests cover every branch.
 */
import type { IndexMigrationSpec, MigrationPhase, PhaseFailure, PhaseName, PhaseStatus } from './types.js';
import type { JobKind, OwnedJob } from './owned-job.js';
import type { PhaseState } from '../engine/engine.js';
import type { PhaseBuildTally } from './build-tally.js';
import { describeFailure, isApplied, orderedPhases, phaseStatuses, progressOf } from './run-status.js';

/** What the bookkeeping tables say about one phase (engine readStatus). */
export interface AppliedPhase {
  readonly applied: boolean;
  /**
   * The phase's state as the engine derives it from its bookkeeping row and the database (engine
   * phase-state.ts; `pending`: no row). Absent: unknown, never evidence of a rollback.
   */
  readonly status?: PhaseState;
  readonly startedAt?: string;
  readonly finishedAt?: string;
  readonly durationMs?: number;
  readonly indexesCreated: number;
  readonly indexesSkipped: number;
  readonly message?: string;
  /** Indexes of the phase finished so far (live progress of a running phase). */
  readonly indexesDone: number;
  /** The index being built now, if any. */
  readonly current?: string;
  /** The first cause of the last apply run's failure, from its build rows (kept there after a rollback). */
  readonly failure?: PhaseFailure;
  /** Counts over the phase's build rows, for /metrics. */
  readonly builds?: PhaseBuildTally;
  /** Estimated seconds its builds not done yet still need (0: nothing left to build). */
  readonly estimatedRemainingSeconds?: number;
}

export interface RunObservation {
  readonly generation: number;
  readonly spec: Pick<IndexMigrationSpec, 'phases' | 'onFailure' | 'suspend' | 'verify'>;
  /** The catalogue's phases in apply order with their index counts. */
  readonly cataloguePhases: readonly { readonly name: string; readonly indexes: number }[];
  readonly jobs: readonly OwnedJob[];
  /** Bookkeeping by phase; undefined when the operator cannot read the database (SQLite not mounted). */
  readonly applied: ReadonlyMap<string, AppliedPhase> | undefined;
  /** The status as last written (memory for what the Jobs no longer show once TTL removed them). */
  readonly previous: {
    readonly phase?: MigrationPhase;
    readonly observedGeneration?: number;
    readonly phases?: readonly PhaseStatus[];
    readonly degradedReason?: string;
    readonly degradedMessage?: string;
  };
}

export interface JobRequest {
  readonly kind: JobKind;
  /** apply: the phase; rollback: the failed phase. */
  readonly phase?: string;
  /** Phases for the command's `--phases` (rollback: newest first). */
  readonly phases: readonly string[];
  /** apply: re-run number of the phase at this generation (part of the Job's name). */
  readonly attempt?: number;
}

export type RunAction = { readonly type: 'none' } | { readonly type: 'createJob'; readonly job: JobRequest };

/** Condition inputs; reason/message of Degraded and Progressing come from here. */
export interface StatusSummary {
  readonly phase: MigrationPhase;
  readonly reason: string;
  readonly message: string;
  readonly degraded: boolean;
  readonly phases: readonly PhaseStatus[];
  readonly progress: {
    readonly indexesDone: number;
    readonly indexesTotal: number;
    readonly current: string;
    readonly estimatedRemainingSeconds?: number;
  };
}

export interface RunDecision {
  readonly action: RunAction;
  readonly status: StatusSummary;
  /** A Job is running: look again soon for progress. */
  readonly poll: boolean;
}

const NONE: RunAction = { type: 'none' };

/** How a user runs a failed migration again: failures are terminal per generation. */
export const RETRY = 'to run again, fix the cause and change the spec (a new generation is a new attempt)';

/** A Job of an older generation still runs: say the new spec waits for it. */
function newerSpec(o: RunObservation, job: OwnedJob): string {
  if (job.generation === o.generation) return '';
  return `; the spec changed (generation ${o.generation}) and is planned once this job ends`;
}

export function decideRun(o: RunObservation): RunDecision {
  const active = o.jobs.find((j) => j.state === 'active' && !j.deleting);
  if (active) return waitFor(o, active);
  const failed = o.jobs.find(
    (j) => j.state === 'failed' && j.generation === o.generation && j.kind !== 'cleanup',
  );
  if (failed) return afterFailure(o, failed);
  if (isTerminalFailure(o)) return keepTerminal(o);
  const next = orderedPhases(o).find((p) => !isApplied(o, p));
  if (next !== undefined) return startPhase(o, next);
  if (o.spec.verify && !succeededJob(o, 'verify')) return startVerify(o);
  return decision(o, NONE, 'Succeeded', 'Succeeded', 'all phases applied', false);
}

function waitFor(o: RunObservation, job: OwnedJob): RunDecision {
  switch (job.kind) {
    case 'apply':
      return decision(
        o,
        NONE,
        'Running',
        'PhaseRunning',
        `phase ${job.phase ?? '?'} running (job ${job.name})${newerSpec(o, job)}`,
        false,
        true,
      );
    case 'verify':
      return decision(
        o,
        NONE,
        'Running',
        'Verifying',
        `running the hot-query suite (job ${job.name})${newerSpec(o, job)}`,
        false,
        true,
      );
    case 'rollback':
    case 'cleanup': {
      const phases = phaseStatuses(o);
      const failed = phases.find((p) => p.name === job.phase && p.failure !== undefined)?.failure;
      const after =
        failed === undefined ? '' : ` after phase ${job.phase ?? '?'} failed: ${describeFailure(failed)}`;
      const message = `rolling back ${job.phases.join(', ')} (job ${job.name})${after}`;
      return decision(o, NONE, 'RollingBack', 'RollingBack', message, true, true, phases);
    }
  }
}

function afterFailure(o: RunObservation, failed: OwnedJob): RunDecision {
  if (failed.kind === 'verify') {
    const why = failureMessage(o, failed);
    const message = `hot-query suite failed (job ${failed.name}): ${why}; its log names the queries that use no index; ${RETRY}`;
    return decision(o, NONE, 'Failed', 'VerifyFailed', message, true);
  }
  const phases = phaseStatuses(o);
  const phase = failed.phase ?? '?';
  const entry = phases.find((p) => p.name === phase);
  // The first cause stays in front whatever follows (the rollback's outcome comes after it).
  const why = entry?.failure ? describeFailure(entry.failure) : failureMessage(o, failed);
  const rollback = o.jobs.find((j) => j.kind === 'rollback' && j.generation === o.generation);
  const say = (p: MigrationPhase, reason: string, message: string, action: RunAction = NONE): RunDecision =>
    decision(o, action, p, reason, message, true, false, phases);
  if (rollback?.state === 'failed') {
    const detail = rollback.message ?? 'see the job log';
    return say(
      'Failed',
      'RollbackFailed',
      `phase ${phase} failed: ${why}; rollback job ${rollback.name} failed (${detail}): indexes may be left behind (\`index-operator status --indexes\` lists them); ${RETRY}`,
    );
  }
  if (o.spec.onFailure === 'Halt') {
    const message = `phase ${phase} failed (onFailure Halt, nothing rolled back): ${why}; ${RETRY}`;
    return say('Failed', 'PhaseFailed', message);
  }
  if (rollback?.state === 'succeeded') {
    const outcome = entry?.rollback?.message === undefined ? '' : ` (${phase}: ${entry.rollback.message})`;
    const undone = `rollback job ${rollback.name} rolled back ${rollback.phases.join(', ')}${outcome}`;
    return say(
      'RolledBack',
      'PhaseFailed',
      `phase ${phase} failed and was rolled back: ${why}; ${undone}; ${RETRY}`,
    );
  }
  const job: JobRequest = { kind: 'rollback', phase, phases: rollbackPhases(o, phase) };
  const what = job.phases.join(', ');
  return say('RollingBack', 'PhaseFailed', `phase ${phase} failed, rolling back ${what}: ${why}`, {
    type: 'createJob',
    job,
  });
}

/** RollbackPhase: the failed phase; RollbackAll: it and every enabled phase applied, newest first. */
export function rollbackPhases(o: RunObservation, failedPhase: string): string[] {
  const ordered = orderedPhases(o);
  if (o.spec.onFailure !== 'RollbackAll') return [failedPhase];
  return ordered.filter((p) => p === failedPhase || isApplied(o, p)).reverse();
}

function failureMessage(o: RunObservation, job: OwnedJob): string {
  const fromDb = job.phase === undefined ? undefined : o.applied?.get(job.phase)?.message;
  return fromDb ?? job.message ?? `job ${job.name} failed`;
}

const RUN_FAILURES: readonly string[] = ['PhaseFailed', 'RollbackFailed', 'VerifyFailed'];

/** Failed/RolledBack by a run at this generation (the Jobs that said so may be gone by TTL): stay put. */
export function isTerminalFailure(o: Pick<RunObservation, 'previous' | 'generation'>): boolean {
  const p = o.previous;
  const failed = p.phase === 'Failed' || p.phase === 'RolledBack';
  return (
    failed &&
    p.observedGeneration === o.generation &&
    RUN_FAILURES.includes(p.degradedReason ?? 'PhaseFailed')
  );
}

function keepTerminal(o: RunObservation): RunDecision {
  const p = o.previous;
  return decision(
    o,
    NONE,
    p.phase ?? 'Failed',
    p.degradedReason ?? 'PhaseFailed',
    p.degradedMessage ?? 'the run failed',
    true,
  );
}

function startPhase(o: RunObservation, phase: PhaseName): RunDecision {
  if (o.spec.suspend)
    return decision(o, NONE, 'Suspended', 'Suspended', `suspended before phase ${phase}`, false);
  // An apply Job of this phase and generation succeeded, yet the phase is not applied: it may have been
  // rolled back outside the operator (e.g. `down` by hand). Apply it again under a new Job name (the old
  // one exists), but only on positive evidence: anything else is a read that raced the Job, or someone
  // else's run, and a second Job would repeat work against the database.
  const earlier = o.jobs.filter(
    (j) =>
      j.kind === 'apply' && j.phase === phase && j.generation === o.generation && j.state === 'succeeded',
  );
  const attempt = earlier.length === 0 ? 0 : Math.max(...earlier.map((j) => j.attempt)) + 1;
  const job: JobRequest = { kind: 'apply', phase, phases: [phase], ...(attempt === 0 ? {} : { attempt }) };
  const last = latestCompleted(earlier);
  if (last === undefined)
    return decision(
      o,
      { type: 'createJob', job },
      'Running',
      'PhaseStarting',
      `starting phase ${phase}`,
      false,
      true,
    );
  const db = o.applied?.get(phase);
  if (!rolledBackAfter(db, last)) {
    const seen = db?.status ?? 'unknown';
    const message = `phase ${phase}: job ${last.name} succeeded but the database says the phase is ${seen}; waiting for it to show the phase applied or rolled back`;
    return decision(o, NONE, 'Running', 'WaitingForDatabase', message, false, true);
  }
  const message = `starting phase ${phase} again: it was rolled back in the database after job ${last.name} succeeded (outside the operator?)`;
  return decision(o, { type: 'createJob', job }, 'Running', 'PhaseStarting', message, false, true);
}

/** The Job that completed last (by completionTime, then name). */
function latestCompleted(jobs: readonly OwnedJob[]): OwnedJob | undefined {
  return [...jobs]
    .sort((a, b) => (a.completedAt ?? '').localeCompare(b.completedAt ?? '') || a.name.localeCompare(b.name))
    .at(-1);
}

/**
 * The bookkeeping positively says the phase was rolled back after the Job completed: its row is
 * `rolled_back` and finished no earlier than the Job's completionTime. A `running` row, no row, a row
 * without a finish time, or a rollback recorded before the Job completed (a read from before the Job's
 * own write) is not evidence.
 */
export function rolledBackAfter(db: AppliedPhase | undefined, job: OwnedJob): boolean {
  if (db?.status !== 'rolled_back' || db.finishedAt === undefined || job.completedAt === undefined)
    return false;
  const rolledBack = Date.parse(db.finishedAt);
  const completed = Date.parse(job.completedAt);
  return Number.isFinite(rolledBack) && Number.isFinite(completed) && rolledBack >= completed;
}

function startVerify(o: RunObservation): RunDecision {
  if (o.spec.suspend) return decision(o, NONE, 'Suspended', 'Suspended', 'suspended before verify', false);
  const job: JobRequest = { kind: 'verify', phases: [] };
  return decision(
    o,
    { type: 'createJob', job },
    'Running',
    'Verifying',
    'starting the hot-query suite',
    false,
    true,
  );
}

function succeededJob(o: RunObservation, kind: JobKind, phase?: string): OwnedJob | undefined {
  return o.jobs.find(
    (j) =>
      j.kind === kind &&
      j.state === 'succeeded' &&
      j.generation === o.generation &&
      (phase === undefined || j.phase === phase),
  );
}

function decision(
  o: RunObservation,
  action: RunAction,
  phase: MigrationPhase,
  reason: string,
  message: string,
  degraded: boolean,
  poll = false,
  phases: readonly PhaseStatus[] = phaseStatuses(o),
): RunDecision {
  return {
    action,
    poll,
    status: { phase, reason, message, degraded, phases, progress: progressOf(o, phases) },
  };
}
