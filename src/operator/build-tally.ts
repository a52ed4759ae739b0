/**
 * What the build rows (index_operator_index_builds, one row per attempt) say about a phase, for the
 * status and for /metrics: the first cause of its last run's failure, and the counts the engine's
 * metrics observer keeps in a CLI run (retries, lock timeouts, failures by reason, build durations),
 * recomputed from the rows. Pure.
 *
 * The counts are totals over the table, not increments: every reconcile recomputes the same value from
 * the same rows, so neither a second read nor an operator restart counts a row twice. A row is counted
 * only once its outcome can no longer change (a failed attempt, a finished build, a failure whose run is
 * over), so each total only grows while the rows last.
 */
import type { BuildRow } from '../engine/bookkeeping-store.js';
import type { PhaseStatusReport } from '../engine/engine.js';
import type { PhaseFailure } from './types.js';

/** One finished build (or drop), as `index_build_duration_seconds` observes it. */
export interface BuildDuration {
  readonly action: string;
  readonly seconds: number;
}

export interface PhaseBuildTally {
  /** Failed attempts that were followed by another attempt of the same index in the same run. */
  readonly retries: number;
  /** Failed attempts whose reason is lock_timeout (retried or not). */
  readonly lockTimeouts: number;
  /** Index builds given up on (no later attempt, run over), by reason. */
  readonly failures: Readonly<Record<string, number>>;
  /** Every successful build, `exists`, `skip` and drop with its duration. */
  readonly durations: readonly BuildDuration[];
}

/** Maps a build row's error code (SQLSTATE, SQLite code, or the engine's reason label) to a bounded reason. */
export type ReasonOf = (errorCode: string | null) => string;

/** The engine stores its own reason label where a failure has no driver code (`conflict`, `interrupted`). */
export const REASON_LABEL = /^[a-z][a-z_]{0,31}$/;

type PhaseRows = Pick<PhaseStatusReport, 'status' | 'startedAt' | 'builds'>;

const isDrop = (b: BuildRow): boolean => b.action === 'drop';
const groupKey = (b: BuildRow): string =>
  `${b.runId}\u0000${b.indexName}\u0000${isDrop(b) ? 'drop' : 'build'}`;

/** Highest attempt number per (run, index, build-or-drop). */
function lastAttempts(rows: readonly BuildRow[]): Map<string, number> {
  const last = new Map<string, number>();
  for (const b of rows) last.set(groupKey(b), Math.max(last.get(groupKey(b)) ?? 0, b.attempt));
  return last;
}

/**
 * True when the run that wrote `b` can write no more rows: the phase's row is no longer `running`, or a
 * later run of the phase has started (runs never overlap: they hold the database's runner lock).
 */
function runOver(phase: PhaseRows, b: BuildRow): boolean {
  if (phase.status !== 'running') return true;
  return phase.startedAt !== undefined && phase.startedAt > b.startedAt;
}

export function tallyBuilds(phase: PhaseRows, reasonOf: ReasonOf): PhaseBuildTally {
  const last = lastAttempts(phase.builds);
  let retries = 0;
  let lockTimeouts = 0;
  const failures: Record<string, number> = {};
  const durations: BuildDuration[] = [];
  for (const b of phase.builds) {
    if ((b.status === 'succeeded' || b.status === 'rolled_back') && b.durationMs !== null) {
      durations.push({ action: b.action, seconds: b.durationMs / 1000 });
    }
    if (b.status !== 'failed' || isDrop(b)) continue;
    const reason = reasonOf(b.errorCode);
    if (reason === 'lock_timeout') lockTimeouts += 1;
    if ((last.get(groupKey(b)) ?? 0) > b.attempt) retries += 1;
    else if (runOver(phase, b)) failures[reason] = (failures[reason] ?? 0) + 1;
  }
  return { retries, lockTimeouts, failures, durations };
}

/**
 * The first cause of the phase's last apply run failing: of the builds that run gave up on, the one that
 * finished first (the engine stops scheduling at the first failure; later ones are its consequences).
 */
export function lastRunFailure(phase: PhaseRows, reasonOf: ReasonOf): PhaseFailure | undefined {
  const runId = phase.builds.filter((b) => !isDrop(b)).at(-1)?.runId;
  if (runId === undefined) return undefined;
  const rows = phase.builds.filter((b) => b.runId === runId && !isDrop(b));
  const last = lastAttempts(rows);
  const gaveUp = rows
    .filter((b) => b.status === 'failed' && (last.get(groupKey(b)) ?? 0) <= b.attempt)
    .sort((a, b) => (a.finishedAt ?? a.startedAt).localeCompare(b.finishedAt ?? b.startedAt));
  const first = gaveUp[0];
  if (!first) return undefined;
  const code = first.errorCode !== null && !REASON_LABEL.test(first.errorCode) ? first.errorCode : undefined;
  return {
    reason: reasonOf(first.errorCode),
    ...(code === undefined ? {} : { code }),
    index: first.indexName,
    message: first.errorMessage ?? `${first.action} index ${first.indexName} failed`,
  };
}
