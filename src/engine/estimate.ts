/**
 * Estimated migration time: pure. Each index `up` builds adds about
 *   fixedSeconds + tableBytes / bytesPerSecond + tableRows / rowsPerSecond
 * to its phase's wall time (a build reads the table's pages and sorts its rows; tables of the same size
 * in bytes but five times the rows take clearly longer; the fixed part also carries the engine's own
 * work per index: bookkeeping, checks, the phase's ANALYZE). The dialect gives the defaults
 * (capabilities.buildCost); the phases this database already ran (index_operator_migrations durations,
 * with the builds of each run from index_operator_index_builds) scale them by the speed it showed:
 *   speed = (Σ actual + PRIOR) / (Σ default estimate + PRIOR)
 * so one short phase moves the estimate a little and a full earlier run moves it fully. During a run the
 * running phase counts too (its time so far against the builds it finished), so the remaining time
 * follows measured progress.
 *
 * Estimates assume one build at a time (`--concurrency 1`, the default).
 */
import type { BuildCost, TableSize } from '../dialects/dialect.js';
import type { BuildRow, MigrationRow } from './bookkeeping-store.js';
import type { PlannedPhase } from './engine.js';

/** Seconds of default-estimated build time the measured speed must outweigh before it dominates. */
export const PRIOR_SECONDS = 5;
/** Most recent phase runs used to measure the speed. */
export const MAX_SAMPLES = 50;
/** Bytes per row assumed when the database does not know a table's row count. */
export const ASSUMED_ROW_BYTES = 100;

export interface BuildModel extends BuildCost {
  /** default: the dialect's; measured: scaled by earlier builds of this database. */
  readonly source: 'default' | 'measured';
  /** Actual over default-estimated time of those builds (1 for the default). */
  readonly speedFactor: number;
  /** Earlier builds measured (in the phase runs the speed comes from). */
  readonly samples: number;
}

export interface IndexEstimate {
  readonly name: string;
  readonly table: string;
  readonly seconds: number;
}

export interface PhaseEstimate {
  readonly name: string;
  /** Indexes to build (create or rebuild). */
  readonly builds: number;
  readonly seconds: number;
  readonly indexes: readonly IndexEstimate[];
}

export interface Estimate {
  readonly model: BuildModel;
  readonly phases: readonly PhaseEstimate[];
  readonly totalSeconds: number;
}

/** A phase run (or the running phase so far): its wall time and the tables of the builds it did. */
export interface PhaseSample {
  readonly seconds: number;
  readonly sizes: readonly TableSize[];
}

/** Seconds one build of a table of this size takes under the model. */
export function buildSeconds(cost: BuildCost, size: TableSize): number {
  const rows = size.rows >= 0 ? size.rows : size.bytes / ASSUMED_ROW_BYTES;
  return cost.fixedSeconds + size.bytes / cost.bytesPerSecond + rows / cost.rowsPerSecond;
}

/** The dialect's defaults scaled by the speed earlier builds showed (or the defaults, without any). */
export function fitModel(defaults: BuildCost, samples: readonly PhaseSample[]): BuildModel {
  const recent = samples.filter((s) => s.sizes.length > 0).slice(-MAX_SAMPLES);
  if (recent.length === 0) return { ...defaults, source: 'default', speedFactor: 1, samples: 0 };
  const actual = recent.reduce((sum, s) => sum + s.seconds, 0);
  const predicted = recent.reduce(
    (sum, s) => sum + s.sizes.reduce((t, size) => t + buildSeconds(defaults, size), 0),
    0,
  );
  const speedFactor = (actual + PRIOR_SECONDS) / (predicted + PRIOR_SECONDS);
  return {
    fixedSeconds: defaults.fixedSeconds * speedFactor,
    bytesPerSecond: defaults.bytesPerSecond / speedFactor,
    rowsPerSecond: defaults.rowsPerSecond / speedFactor,
    source: 'measured',
    speedFactor,
    samples: recent.reduce((n, s) => n + s.sizes.length, 0),
  };
}

const isBuilt = (b: BuildRow): boolean =>
  (b.action === 'create' || b.action === 'rebuild') &&
  (b.status === 'succeeded' || b.status === 'rolled_back');

/**
 * One sample per recorded phase run that built something, oldest first: a finished run's duration, or for
 * a running phase its time so far (less what its running builds have taken) against the builds it
 * finished. A build belongs to the run of its phase that it started in; builds of tables dropped since
 * are left out.
 */
export function phaseSamples(
  migrations: readonly MigrationRow[],
  builds: readonly BuildRow[],
  sizes: ReadonlyMap<string, TableSize>,
  nowMs: number,
): PhaseSample[] {
  const out: { startedAt: string; sample: PhaseSample }[] = [];
  for (const m of migrations) {
    const ofRun = builds.filter(
      (b) =>
        b.phase === m.phase &&
        b.startedAt >= m.startedAt &&
        (m.finishedAt === null || b.startedAt <= m.finishedAt),
    );
    const seconds = runSeconds(m, ofRun, nowMs);
    const built = ofRun.filter(isBuilt).flatMap((b) => sizes.get(b.tableName) ?? []);
    if (seconds !== undefined && seconds > 0 && built.length > 0) {
      out.push({ startedAt: m.startedAt, sample: { seconds, sizes: built } });
    }
  }
  return out.sort((a, b) => a.startedAt.localeCompare(b.startedAt)).map((s) => s.sample);
}

/** A succeeded run's duration; a running one's time so far less its running builds'. */
function runSeconds(m: MigrationRow, ofRun: readonly BuildRow[], nowMs: number): number | undefined {
  if (m.status === 'succeeded' && m.durationMs !== null) return m.durationMs / 1000;
  if (m.status !== 'running') return undefined;
  const running = ofRun
    .filter((b) => b.status === 'running')
    .reduce((sum, b) => sum + Math.max(0, nowMs - Date.parse(b.startedAt)), 0);
  return (nowMs - Date.parse(m.startedAt) - running) / 1000;
}

/** Per phase, the indexes `up` would build (create, rebuild) and their estimated seconds. */
export function estimatePhases(
  phases: readonly Pick<PlannedPhase, 'name' | 'indexes'>[],
  sizes: ReadonlyMap<string, TableSize>,
  model: BuildModel,
): Estimate {
  const estimated = phases.map((phase) => {
    const indexes = phase.indexes
      .filter((i) => i.action === 'create' || i.action === 'rebuild')
      .map((i) => ({
        name: i.index.name,
        table: i.index.table,
        seconds: buildSeconds(model, sizes.get(i.index.table) ?? { bytes: 0, rows: 0 }),
      }));
    return { name: phase.name, builds: indexes.length, seconds: sum(indexes), indexes };
  });
  return { model, phases: estimated, totalSeconds: sum(estimated) };
}

/** A build running now: its index and how long it has run. */
export interface RunningBuild {
  readonly indexName: string;
  readonly elapsedSeconds: number;
}

/**
 * Seconds left of each phase's estimate: a running build counts only what its estimate has left
 * (never below zero: a build past its estimate is taken to end soon).
 */
export function remainingByPhase(estimate: Estimate, running: readonly RunningBuild[]): Map<string, number> {
  const elapsed = new Map(running.map((r) => [r.indexName, r.elapsedSeconds]));
  return new Map(
    estimate.phases.map((p) => [
      p.name,
      p.indexes.reduce((left, i) => left + Math.max(0, i.seconds - (elapsed.get(i.name) ?? 0)), 0),
    ]),
  );
}

function sum(items: readonly { readonly seconds: number }[]): number {
  return items.reduce((total, i) => total + i.seconds, 0);
}

/** One phase's estimate next to what a run took. */
export interface PhaseComparison {
  readonly name: string;
  readonly estimatedSeconds: number;
  /** Sum of the run's successful create/rebuild builds of the phase. */
  readonly buildSeconds: number;
  /** The phase's wall time in the run (builds plus bookkeeping, ANALYZE, waits). */
  readonly phaseSeconds: number;
}

/**
 * Estimate vs actual per phase, for the bench: `planRun(...).estimate` taken before `applyPhases`, then
 * its report. Phases the run did not report count 0 actual.
 */
export function compareEstimate(
  estimate: Pick<Estimate, 'phases'>,
  run: { readonly phases: readonly PhaseRunTimes[] },
): PhaseComparison[] {
  const byName = new Map(run.phases.map((p) => [p.name, p]));
  return estimate.phases.map((p) => {
    const ran = byName.get(p.name);
    const builds = (ran?.indexes ?? []).filter(
      (i) => (i.action === 'create' || i.action === 'rebuild') && i.status === 'succeeded',
    );
    return {
      name: p.name,
      estimatedSeconds: p.seconds,
      buildSeconds: builds.reduce((s, i) => s + i.durationMs, 0) / 1000,
      phaseSeconds: (ran?.durationMs ?? 0) / 1000,
    };
  });
}

/** The parts of a phase's run report the comparison reads (engine PhaseReport). */
export interface PhaseRunTimes {
  readonly name: string;
  readonly durationMs: number;
  readonly indexes: readonly {
    readonly action: string;
    readonly status: string;
    readonly durationMs: number;
  }[];
}
