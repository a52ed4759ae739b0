/**
 * What the status says about each phase and the progress, derived from the same observation the run
 * decision uses: the bookkeeping when the operator can read the database, else the Jobs and the last
 * written status. Pure.
 */
import type {
  PhaseFailure,
  PhaseName,
  PhaseRollback,
  PhaseState,
  PhaseStatus,
  RollbackState,
} from './types.js';
import type { JobKind, OwnedJob } from './owned-job.js';
import type { AppliedPhase, RunObservation, StatusSummary } from './decide-run.js';

/** Enabled phases in catalogue order (the spec's order does not matter). */
export function orderedPhases(o: Pick<RunObservation, 'spec' | 'cataloguePhases'>): PhaseName[] {
  const enabled = new Set<string>(o.spec.phases);
  return o.cataloguePhases.map((p) => p.name).filter((n): n is PhaseName => enabled.has(n));
}

/**
 * Applied per the database when it can be read; otherwise per the newest finished Job touching the
 * phase (apply vs. rollback), falling back to the last written status.
 */
export function isApplied(o: RunObservation, phase: string): boolean {
  if (o.applied) return o.applied.get(phase)?.applied ?? false;
  const touching = o.jobs.filter(
    (j) => j.state === 'succeeded' && j.phases.includes(phase) && j.kind !== 'verify',
  );
  const newest = touching.sort((a, b) => (a.completedAt ?? '').localeCompare(b.completedAt ?? '')).at(-1);
  if (newest) return newest.kind === 'apply';
  return o.previous.phases?.some((p) => p.name === phase && p.state === 'Succeeded') ?? false;
}

/** One entry per enabled phase, in catalogue order. */
export function phaseStatuses(o: RunObservation): PhaseStatus[] {
  return orderedPhases(o).map((name) => phaseStatus(o, name));
}

function phaseStatus(o: RunObservation, name: PhaseName): PhaseStatus {
  const db = o.applied?.get(name);
  const prev = o.previous.phases?.find((p) => p.name === name);
  const apply = newestJobFor(o, name, 'apply');
  const state = phaseState(o, name, newestJobFor(o, name));
  const run = { ...runTimings(db, prev, apply, state), jobName: apply?.name ?? prev?.jobName };
  if (!FAILED_STATES.includes(state)) return compact({ name, state, ...run });
  const failure = clipped(failureOf(db, prev, apply));
  const rollback = clipped(rollbackOf(o, name, db, prev, apply));
  const said = [failure && describeFailure(failure), rollback && describeRollback(rollback)];
  const message = said.filter((m) => m !== undefined).join('; ') || fallbackMessage(o, name, db, prev);
  return compact({ name, state, ...run, message, failure, rollback });
}

const FAILED_STATES: readonly PhaseState[] = ['Failed', 'RollingBack', 'RolledBack'];

/** The CRD bounds `failure.message` and `rollback.message` (4096): a longer one is cut, marked `...`. */
export const MAX_DETAIL = 4096;

function clipped<T extends { readonly message?: string }>(detail: T | undefined): T | undefined {
  const m = detail?.message;
  if (detail === undefined || m === undefined || m.length <= MAX_DETAIL) return detail;
  return { ...detail, message: `${m.slice(0, MAX_DETAIL - 3)}...` };
}

/** The newest Job touching the phase (of one kind, when given); verify Jobs touch none. */
function newestJobFor(o: RunObservation, phase: string, kind?: JobKind): OwnedJob | undefined {
  return o.jobs
    .filter((j) => j.kind !== 'verify' && j.phases.includes(phase) && (kind === undefined || j.kind === kind))
    .at(-1);
}

function phaseState(o: RunObservation, name: string, job: OwnedJob | undefined): PhaseState {
  if (job?.state === 'active') return job.kind === 'apply' ? 'Running' : 'RollingBack';
  if (isApplied(o, name)) return 'Succeeded';
  if (job?.kind === 'apply' && job.state === 'failed') return 'Failed';
  if ((job?.kind === 'rollback' || job?.kind === 'cleanup') && job.state === 'succeeded') return 'RolledBack';
  const prev = o.previous.phases?.find((p) => p.name === name)?.state;
  return prev === 'Failed' || prev === 'RolledBack' ? prev : 'Pending';
}

/**
 * Timings of the phase's last apply run. The bookkeeping row holds them until a rollback (`down`)
 * overwrites it with its own; from then on, and when the database cannot be read, the status keeps
 * what it said about that run, else the apply Job's times stand in.
 */
function runTimings(
  db: AppliedPhase | undefined,
  prev: PhaseStatus | undefined,
  apply: OwnedJob | undefined,
  state: PhaseState,
): Partial<PhaseStatus> {
  if (db?.startedAt !== undefined && holdsRun(db)) return dbTimings(db);
  const prevIsThisRun = prev?.completedAt !== undefined && prev.jobName === apply?.name;
  if (apply && !prevIsThisRun) return jobTimings(apply, state);
  if (!prev) return {};
  const { startedAt, completedAt, durationSeconds, indexesCreated, indexesSkipped } = prev;
  return { startedAt, completedAt, durationSeconds, indexesCreated, indexesSkipped };
}

/** Row states a `down` writes over the apply run's record (whatever the engine calls its steps). */
const WRITTEN_BY_DOWN: ReadonlySet<string> = new Set(['rolling_back', 'rolled_back']);

/** The row still describes the phase's last apply run. */
function holdsRun(db: AppliedPhase): boolean {
  return !WRITTEN_BY_DOWN.has(db.status ?? '');
}

function dbTimings(db: AppliedPhase): Partial<PhaseStatus> {
  return {
    startedAt: db.startedAt,
    completedAt: db.finishedAt,
    durationSeconds: db.durationMs === undefined ? undefined : db.durationMs / 1000,
    indexesCreated: db.indexesCreated,
    indexesSkipped: db.indexesSkipped,
  };
}

type Timings = Pick<PhaseStatus, 'startedAt' | 'completedAt' | 'durationSeconds'>;

function jobTimings(job: OwnedJob, state?: PhaseState): Timings {
  const done = job.state !== 'active' && state !== 'Running';
  const completedAt = done ? job.completedAt : undefined;
  return {
    startedAt: job.startedAt,
    completedAt,
    durationSeconds: secondsBetween(job.startedAt, completedAt),
  };
}

function secondsBetween(from: string | undefined, to: string | undefined): number | undefined {
  if (from === undefined || to === undefined) return undefined;
  const seconds = (Date.parse(to) - Date.parse(from)) / 1000;
  return Number.isFinite(seconds) && seconds >= 0 ? seconds : undefined;
}

/**
 * The first cause of the apply run's failure: as the status first recorded it for that Job; else the
 * Job's deadline; else the first build the run gave up on; else what the phase row or the Job says.
 */
function failureOf(
  db: AppliedPhase | undefined,
  prev: PhaseStatus | undefined,
  apply: OwnedJob | undefined,
): PhaseFailure | undefined {
  if (apply?.state !== 'failed') return prev?.failure;
  const kept = prev?.jobName === apply.name ? prev.failure : undefined;
  if (kept && !(kept.reason === JOB_FAILED && db?.failure)) return kept;
  if (apply.reason === 'DeadlineExceeded') return deadlineFailure(apply, db);
  if (db?.failure) return db.failure;
  const fromRow = db?.status === 'rolled_back' || db?.status === 'succeeded' ? undefined : db?.message;
  const message = fromRow ?? apply.message;
  return { reason: JOB_FAILED, message: message ?? `job ${apply.name} failed; its log says why` };
}

const JOB_FAILED = 'JobFailed';

function deadlineFailure(apply: OwnedJob, db: AppliedPhase | undefined): PhaseFailure {
  const index = db?.failure?.index ?? db?.current;
  const during = index === undefined ? '' : ` while building ${index}`;
  const why = apply.message ?? 'Job was active longer than specified deadline';
  return {
    reason: 'DeadlineExceeded',
    ...(index === undefined ? {} : { index }),
    message: `job ${apply.name} was stopped by activeDeadlineSeconds${during} (${why})`,
  };
}

/** The rollback (or cleanup) Job that followed the apply run, as the bookkeeping and the Job tell it. */
function rollbackOf(
  o: RunObservation,
  name: string,
  db: AppliedPhase | undefined,
  prev: PhaseStatus | undefined,
  apply: OwnedJob | undefined,
): PhaseRollback | undefined {
  const job = o.jobs
    .filter((j) => (j.kind === 'rollback' || j.kind === 'cleanup') && j.phases.includes(name))
    .filter((j) => apply === undefined || (j.startedAt ?? '') >= (apply.startedAt ?? ''))
    .at(-1);
  if (!job) return prev?.jobName === (apply?.name ?? prev?.jobName) ? prev?.rollback : undefined;
  const state = ROLLBACK_STATE[job.state];
  if (job.state === 'succeeded' && db?.status === 'rolled_back') {
    const seconds = db.durationMs === undefined ? undefined : db.durationMs / 1000;
    const { startedAt, finishedAt: completedAt, message } = db;
    return compact({ state, jobName: job.name, startedAt, completedAt, durationSeconds: seconds, message });
  }
  const failed = job.state === 'failed' ? (job.message ?? db?.message) : undefined;
  return compact({ state, jobName: job.name, ...jobTimings(job), message: failed });
}

const ROLLBACK_STATE: Record<OwnedJob['state'], RollbackState> = {
  active: 'Running',
  succeeded: 'Succeeded',
  failed: 'Failed',
};

/** One line for a failure: what the engine said, with its reason and code. */
export function describeFailure(f: PhaseFailure): string {
  const code =
    f.code === undefined ? '' : `, ${/^[0-9A-Z]{5}$/.test(f.code) ? 'SQLSTATE' : 'code'} ${f.code}`;
  return `${f.message} (${f.reason}${code})`;
}

function describeRollback(r: PhaseRollback): string {
  switch (r.state) {
    case 'Running':
      return `rollback job ${r.jobName} running`;
    case 'Succeeded':
      return `rollback job ${r.jobName} succeeded${r.message === undefined ? '' : `: ${r.message}`}`;
    case 'Failed':
      return `rollback job ${r.jobName} failed: ${r.message ?? 'see its log'}`;
  }
}

function fallbackMessage(
  o: RunObservation,
  name: string,
  db: AppliedPhase | undefined,
  prev: PhaseStatus | undefined,
): string | undefined {
  return db?.message ?? newestJobFor(o, name)?.message ?? prev?.message;
}

export function progressOf(o: RunObservation, phases: readonly PhaseStatus[]): StatusSummary['progress'] {
  let done = 0;
  let total = 0;
  let current = '';
  for (const p of phases) {
    const indexes = o.cataloguePhases.find((c) => c.name === p.name)?.indexes ?? 0;
    total += indexes;
    if (p.state === 'Succeeded') done += indexes;
    if (p.state === 'Running') {
      const db = o.applied?.get(p.name);
      done += Math.min(db?.indexesDone ?? 0, indexes);
      current = db?.current ?? current;
    }
  }
  const remaining = remainingSeconds(o, phases);
  return {
    indexesDone: done,
    indexesTotal: total,
    current,
    ...(remaining === undefined ? {} : { estimatedRemainingSeconds: remaining }),
  };
}

/**
 * Whole seconds the phases not applied yet still need, by the bookkeeping's estimate; undefined when
 * the database was not read or a phase has no estimate.
 */
function remainingSeconds(o: RunObservation, phases: readonly PhaseStatus[]): number | undefined {
  if (o.applied === undefined) return undefined;
  let seconds = 0;
  for (const p of phases) {
    if (p.state === 'Succeeded') continue;
    const left = o.applied.get(p.name)?.estimatedRemainingSeconds;
    if (left === undefined) return undefined;
    seconds += left;
  }
  return Math.round(seconds);
}

function compact<T extends object>(obj: T): T {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined)) as T;
}
