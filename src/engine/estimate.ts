/**
 * Estimated build time: pure. One index build takes about
 *   fixedSeconds + tableBytes / bytesPerSecond + tableRows / rowsPerSecond
 * (a build reads the table's pages and sorts its rows; tables of the same size in bytes but five times
 * the rows take clearly longer). The dialect gives the defaults (capabilities.buildCost); the builds this
 * database already recorded (index_operator_index_builds) scale them by the speed it showed:
 *   speed = (Σ actual + PRIOR) / (Σ default estimate + PRIOR)
 * so a handful of short builds moves the estimate a little and a full earlier run moves it fully. During
 * a run the builds done so far are among those rows, so the remaining time follows measured progress.
 *
 * Estimates assume one build at a time (`--concurrency 1`, the default).
 */
import type { BuildCost, TableSize } from '../dialects/dialect.js';
import type { BuildRow } from './bookkeeping-store.js';
import type { PlannedPhase } from './engine.js';

/** Seconds of default-estimated build time the measured speed must outweigh before it dominates. */
export const PRIOR_SECONDS = 5;
/** Most recent builds used to measure the speed. */
export const MAX_SAMPLES = 500;
/** Bytes per row assumed when the database does not know a table's row count. */
export const ASSUMED_ROW_BYTES = 100;

export interface BuildModel extends BuildCost {
  /** default: the dialect's; measured: scaled by earlier builds of this database. */
  readonly source: 'default' | 'measured';
  /** Actual over default-estimated time of those builds (1 for the default). */
  readonly speedFactor: number;
  /** Earlier builds measured. */
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

/** A finished earlier build and the size of its table. */
export interface BuildSample {
  readonly seconds: number;
  readonly size: TableSize;
}

/** Seconds one build of a table of this size takes under the model. */
export function buildSeconds(cost: BuildCost, size: TableSize): number {
  const rows = size.rows >= 0 ? size.rows : size.bytes / ASSUMED_ROW_BYTES;
  return cost.fixedSeconds + size.bytes / cost.bytesPerSecond + rows / cost.rowsPerSecond;
}

/** The dialect's defaults scaled by the speed earlier builds showed (or the defaults, without any). */
export function fitModel(defaults: BuildCost, samples: readonly BuildSample[]): BuildModel {
  const recent = samples.slice(-MAX_SAMPLES);
  if (recent.length === 0) return { ...defaults, source: 'default', speedFactor: 1, samples: 0 };
  const actual = recent.reduce((sum, s) => sum + s.seconds, 0);
  const predicted = recent.reduce((sum, s) => sum + buildSeconds(defaults, s.size), 0);
  const speedFactor = (actual + PRIOR_SECONDS) / (predicted + PRIOR_SECONDS);
  return {
    fixedSeconds: defaults.fixedSeconds * speedFactor,
    bytesPerSecond: defaults.bytesPerSecond / speedFactor,
    rowsPerSecond: defaults.rowsPerSecond / speedFactor,
    source: 'measured',
    speedFactor,
    samples: recent.length,
  };
}

/** Finished builds (create/rebuild) of tables that still exist, oldest first, as samples. */
export function buildSamples(
  builds: readonly BuildRow[],
  sizes: ReadonlyMap<string, TableSize>,
): BuildSample[] {
  const out: BuildSample[] = [];
  for (const b of builds) {
    if (b.action !== 'create' && b.action !== 'rebuild') continue;
    if ((b.status !== 'succeeded' && b.status !== 'rolled_back') || b.durationMs === null) continue;
    const size = sizes.get(b.tableName);
    if (size) out.push({ seconds: b.durationMs / 1000, size });
  }
  return out;
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
