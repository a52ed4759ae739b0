/**
 * What the status says about each phase and the progress, derived from the same observation the run
 * decision uses: the bookkeeping when the operator can read the database, else the Jobs and the last
 * written status. Pure.
 */
import type { PhaseName, PhaseState, PhaseStatus } from './types.js';
import type { OwnedJob } from './owned-job.js';
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
  const job = newestJobFor(o, name);
  const state = phaseState(o, name, job);
  const timings = db?.startedAt !== undefined ? dbTimings(db) : prevOrJobTimings(prev, job, state);
  const message =
    state === 'Failed' || state === 'RolledBack' ? (db?.message ?? job?.message ?? prev?.message) : undefined;
  return compact({ name, state, ...timings, message, jobName: job?.name ?? prev?.jobName });
}

function newestJobFor(o: RunObservation, phase: string): OwnedJob | undefined {
  return o.jobs.filter((j) => j.kind !== 'verify' && j.phases.includes(phase)).at(-1);
}

function phaseState(o: RunObservation, name: string, job: OwnedJob | undefined): PhaseState {
  if (job?.state === 'active') return job.kind === 'apply' ? 'Running' : 'RollingBack';
  if (isApplied(o, name)) return 'Succeeded';
  if (job?.kind === 'apply' && job.state === 'failed') return 'Failed';
  if ((job?.kind === 'rollback' || job?.kind === 'cleanup') && job.state === 'succeeded') return 'RolledBack';
  const prev = o.previous.phases?.find((p) => p.name === name)?.state;
  return prev === 'Failed' || prev === 'RolledBack' ? prev : 'Pending';
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

function prevOrJobTimings(
  prev: PhaseStatus | undefined,
  job: OwnedJob | undefined,
  state: PhaseState,
): Partial<PhaseStatus> {
  if (job?.kind === 'apply') {
    const done = state === 'Succeeded' || state === 'Failed';
    const completedAt = done ? job.completedAt : undefined;
    const seconds =
      completedAt && job.startedAt ? (Date.parse(completedAt) - Date.parse(job.startedAt)) / 1000 : undefined;
    return { startedAt: job.startedAt, completedAt, durationSeconds: seconds };
  }
  if (!prev) return {};
  const { startedAt, completedAt, durationSeconds, indexesCreated, indexesSkipped } = prev;
  return { startedAt, completedAt, durationSeconds, indexesCreated, indexesSkipped };
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
  return { indexesDone: done, indexesTotal: total, current };
}

function compact<T extends object>(obj: T): T {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined)) as T;
}
