/**
 * Estimated migration time: pure. A phase's wall time is its index builds, one at a time, each with the
 * engine's own work around it, then one ANALYZE of each table it built on:
 *   build   = fixedSeconds + tableBytes / bytesPerSecond + tableRows / rowsPerSecond
 *   index   = build + overheadSeconds
 *   analyze = tableBytes * min(1, analyzeSampleRows / tableRows) / analyzeBytesPerSecond
 *          or, where ANALYZE reads every index whole (SQLite: analyzeIndexEntriesPerSecond),
 *           = tableRows * indexes on the table after the phase / analyzeIndexEntriesPerSecond
 * A build reads the table's pages and sorts its rows (PostgreSQL's CREATE INDEX CONCURRENTLY reads the
 * heap twice: build, then validate); ANALYZE reads a sample of at most analyzeSampleRows rows (PostgreSQL
 * 300 x default_statistics_target = 30,000), so its cost stops growing once a table outgrows the sample:
 * counting it once per table and phase, not per index, is what lets a model fitted at 10k and 100k hold
 * at 1m. SQLite's full ANALYZE reads each index of the table, the ones it had and the ones the run built
 * so far: at 1m its time followed rows x indexes (residuals up to 0.7 s per phase) and not the table's
 * bytes (up to 1.8 s), which had it at a third of what it took. The dialect gives the defaults
 * (capabilities.buildCost, fitted in build-cost-defaults.ts).
 *
 * Every completed build the bookkeeping recorded (index_operator_index_builds: succeeded, or built and
 * rolled back since: a rollback does not undo the measurement) scales the defaults by the speed this
 * database showed:
 *   speed = (Σ actual build seconds + PRIOR) / (Σ default build estimate + PRIOR)
 * so one short build moves the estimate a little and a full earlier run moves it fully. Builds that ran
 * beside another build of their run (`--concurrency` > 1) are left out: the estimate is for one at a
 * time. Sizes are the tables' sizes now (the rows do not record them). During a run, each build that
 * finishes counts at once, so the time left follows measured progress.
 *
 * Without enough recorded builds, `plan` measures the server's speed now with a speed probe (a short
 * read-only sort, Dialect.speedProbe): its time over the time it takes at the defaults' speed
 * (probeReferenceSeconds) is the factor the defaults are scaled by, and it is the prior the recorded
 * builds are weighed against in place of the bare defaults:
 *   speed = (Σ actual build seconds + PRIOR x probe factor) / (Σ default build estimate + PRIOR)
 * The machine's speed moves with the other work on it (a 1m build took 0.5x to 1.6x its default on this
 * machine at load 5 to 16); a fixed default cannot follow that, the probe can.
 */
import type { BuildCost, TableSize } from '../dialects/dialect.js';
import type { BuildRow } from './bookkeeping-store.js';
import { median } from '../median.js';
import type { PlannedPhase } from './engine.js';

/** Seconds of default-estimated build time the measured speed must outweigh before it dominates. */
export const PRIOR_SECONDS = 5;
/**
 * Most recent completed builds used to measure the speed: about one run of a large catalogue, so the speed
 * is the server's as it is now (its load changes; a 100k build here took 19 s or 56 s) rather than an
 * average over its history.
 */
export const MAX_SAMPLES = 100;
/** Bytes per row assumed when the database does not know a table's row count. */
export const ASSUMED_ROW_BYTES = 100;
/**
 * Default-estimated seconds of recorded builds from which they win alone and `plan` runs no speed probe:
 * with 4x the prior's weight, the probe would move the speed by at most a fifth of its difference.
 */
export const PROBE_UNTIL_SECONDS = 4 * PRIOR_SECONDS;

/** The speed probe takes 0.1-0.6 s on the project's test machine; past this `plan` gives it up. */
export const DEFAULT_SPEED_PROBE_TIMEOUT_MS = 5_000;

/** What the speed probe said, where `plan` ran it (read-estimate.ts). */
export type ProbeReading =
  | {
      readonly status: 'measured';
      /** The probe's own seconds now: the median of its runs. */
      readonly seconds: number;
      /** Each run's seconds (PROBE_RUNS of them, one after another). */
      readonly runs: readonly number[];
      /** Its seconds at the speed of the default rates (BuildCost.probeReferenceSeconds). */
      readonly referenceSeconds: number;
      /** seconds / referenceSeconds: the defaults are scaled by it. */
      readonly factor: number;
    }
  /** It failed or ran out of time: the defaults stand, and `reason` says why. */
  | { readonly status: 'failed'; readonly reason: string }
  /** Not run: enough recorded builds, or turned off. */
  | { readonly status: 'skipped'; readonly reason: string };

export interface BuildModel extends BuildCost {
  /**
   * default: the dialect's; probe: the dialect's scaled by the speed probe; measured: scaled by earlier
   * builds of this database (with the probe's factor as the prior where it ran).
   */
  readonly source: 'default' | 'probe' | 'measured';
  /** Estimated over default-estimated time (1 for the default). */
  readonly speedFactor: number;
  /** Earlier builds measured. */
  readonly samples: number;
  /** The speed probe, where it was asked for (plan): its reading, or why it has none. */
  readonly probe?: ProbeReading;
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
  /** The builds plus the ANALYZE after them. */
  readonly seconds: number;
  /** ANALYZE of the tables built on, once each (0 without builds). */
  readonly analyzeSeconds: number;
  readonly indexes: readonly IndexEstimate[];
}

export interface Estimate {
  readonly model: BuildModel;
  readonly phases: readonly PhaseEstimate[];
  readonly totalSeconds: number;
}

/** One completed build: how long it took, on a table of this size. */
export interface BuildSample {
  readonly seconds: number;
  readonly size: TableSize;
}

const knownRows = (size: TableSize): number => (size.rows >= 0 ? size.rows : size.bytes / ASSUMED_ROW_BYTES);

/** Seconds one build of a table of this size takes under the model. */
export function buildSeconds(cost: BuildCost, size: TableSize): number {
  return cost.fixedSeconds + size.bytes / cost.bytesPerSecond + knownRows(size) / cost.rowsPerSecond;
}

/**
 * Seconds the ANALYZE of one table takes under the model: the bytes of the rows it samples, or, where it
 * reads every index whole, its rows times `indexes` (the indexes on the table then, at least 1).
 */
export function analyzeSeconds(cost: BuildCost, size: TableSize, indexes = 1): number {
  const rows = knownRows(size);
  if (cost.analyzeIndexEntriesPerSecond !== undefined)
    return (rows * Math.max(1, indexes)) / cost.analyzeIndexEntriesPerSecond;
  const sampled = rows > cost.analyzeSampleRows ? (size.bytes * cost.analyzeSampleRows) / rows : size.bytes;
  return sampled / cost.analyzeBytesPerSecond;
}

/**
 * Runs of the speed probe, one after another; their median is its reading. One run of a fraction of a
 * second can fall in a burst of other work or a lull (here 0.11 to 0.59 s within a minute); the median
 * of three followed the builds' time across loads where one run did not (README).
 */
export const PROBE_RUNS = 3;

/** The probe's reading: the median of its runs against its reference time at the defaults' speed. */
export function probeReading(
  cost: BuildCost,
  runs: readonly number[],
): Extract<ProbeReading, { status: 'measured' }> {
  const seconds = median(runs);
  return {
    status: 'measured',
    seconds,
    runs,
    referenceSeconds: cost.probeReferenceSeconds,
    factor: seconds / cost.probeReferenceSeconds,
  };
}

/** Whether the recorded builds are too few to win alone: then `plan` runs the speed probe. */
export function wantsProbe(defaults: BuildCost, samples: readonly BuildSample[]): boolean {
  return predictedSeconds(defaults, samples.slice(-MAX_SAMPLES)) < PROBE_UNTIL_SECONDS;
}

const predictedSeconds = (defaults: BuildCost, samples: readonly BuildSample[]): number =>
  samples.reduce((sum, s) => sum + buildSeconds(defaults, s.size), 0);

/**
 * The dialect's defaults scaled by the speed earlier builds showed, weighed against the probe's factor
 * (or the defaults' 1) as the prior; without builds, by the probe's factor alone (or the defaults).
 */
export function fitModel(
  defaults: BuildCost,
  samples: readonly BuildSample[],
  probe?: ProbeReading,
): BuildModel {
  const recent = samples.slice(-MAX_SAMPLES);
  const prior = probe?.status === 'measured' ? probe.factor : 1;
  const withProbe = probe === undefined ? {} : { probe };
  if (recent.length === 0) {
    const source = probe?.status === 'measured' ? 'probe' : 'default';
    return { ...scaled(defaults, prior), source, speedFactor: prior, samples: 0, ...withProbe };
  }
  const actual = recent.reduce((sum, s) => sum + s.seconds, 0);
  const speedFactor = (actual + PRIOR_SECONDS * prior) / (predictedSeconds(defaults, recent) + PRIOR_SECONDS);
  return {
    ...scaled(defaults, speedFactor),
    source: 'measured',
    speedFactor,
    samples: recent.length,
    ...withProbe,
  };
}

/** Every term of the cost `factor` times slower. */
function scaled(defaults: BuildCost, factor: number): BuildCost {
  return {
    fixedSeconds: defaults.fixedSeconds * factor,
    overheadSeconds: defaults.overheadSeconds * factor,
    bytesPerSecond: defaults.bytesPerSecond / factor,
    rowsPerSecond: defaults.rowsPerSecond / factor,
    analyzeSampleRows: defaults.analyzeSampleRows,
    analyzeBytesPerSecond: defaults.analyzeBytesPerSecond / factor,
    ...(defaults.analyzeIndexEntriesPerSecond === undefined
      ? {}
      : { analyzeIndexEntriesPerSecond: defaults.analyzeIndexEntriesPerSecond / factor }),
    probeReferenceSeconds: defaults.probeReferenceSeconds,
  };
}

/** A create/rebuild that ran to the end (succeeded, or succeeded and was rolled back since). */
const isCompletedBuild = (b: BuildRow): b is BuildRow & { durationMs: number; finishedAt: string } =>
  (b.action === 'create' || b.action === 'rebuild') &&
  (b.status === 'succeeded' || b.status === 'rolled_back') &&
  b.durationMs !== null &&
  b.finishedAt !== null;

/**
 * One sample per completed build recorded, oldest first, whatever happened to its phase since; builds
 * that overlapped another build of their run, and builds of tables dropped since, are left out.
 */
export function buildSamples(
  builds: readonly BuildRow[],
  sizes: ReadonlyMap<string, TableSize>,
): BuildSample[] {
  const beside = overlapping(builds);
  return builds
    .filter(isCompletedBuild)
    .filter((b) => !beside.has(b.id))
    .sort((a, b) => a.startedAt.localeCompare(b.startedAt))
    .flatMap((b) => {
      const size = sizes.get(b.tableName);
      return size ? [{ seconds: b.durationMs / 1000, size }] : [];
    });
}

/** Ids of builds that ran (partly) at the same time as another build of their run. */
function overlapping(builds: readonly BuildRow[]): Set<string> {
  const out = new Set<string>();
  const runs = new Map<string, BuildRow[]>();
  for (const b of builds) {
    const rows = runs.get(b.runId);
    if (rows) rows.push(b);
    else runs.set(b.runId, [b]);
  }
  for (const rows of runs.values()) {
    let latest: { end: string; id: string } | undefined;
    for (const r of [...rows].sort((x, y) => x.startedAt.localeCompare(y.startedAt))) {
      // A row still running has no end yet; a row settled without one took no time.
      const end = r.finishedAt ?? (r.status === 'running' ? '\uffff' : r.startedAt);
      if (latest && r.startedAt < latest.end) out.add(r.id).add(latest.id);
      if (!latest || end > latest.end) latest = { end, id: r.id };
    }
  }
  return out;
}

/**
 * Per phase, the indexes `up` would build (create, rebuild) and their estimated seconds. `indexesOnTables`:
 * the indexes each table has now (any owner, primary key and unique constraints included); each phase's
 * creates add to them, in phase order, for the ANALYZE that reads every index.
 */
export function estimatePhases(
  phases: readonly Pick<PlannedPhase, 'name' | 'indexes'>[],
  sizes: ReadonlyMap<string, TableSize>,
  model: BuildModel,
  indexesOnTables: ReadonlyMap<string, number> = new Map(),
): Estimate {
  const onTable = new Map(indexesOnTables);
  const estimated = phases.map((phase) => {
    const indexes = phase.indexes
      .filter((i) => i.action === 'create' || i.action === 'rebuild')
      .map((i) => ({
        name: i.index.name,
        table: i.index.table,
        seconds: buildSeconds(model, sizeOf(sizes, i.index.table)) + model.overheadSeconds,
      }));
    for (const i of phase.indexes.filter((x) => x.action === 'create'))
      onTable.set(i.index.table, (onTable.get(i.index.table) ?? 0) + 1);
    const analyze = [...new Set(indexes.map((i) => i.table))].reduce(
      (total, table) => total + analyzeSeconds(model, sizeOf(sizes, table), onTable.get(table)),
      0,
    );
    return {
      name: phase.name,
      builds: indexes.length,
      seconds: sum(indexes) + analyze,
      analyzeSeconds: analyze,
      indexes,
    };
  });
  return { model, phases: estimated, totalSeconds: sum(estimated) };
}

/** A table missing from the sizes (not there yet) counts as empty. */
const sizeOf = (sizes: ReadonlyMap<string, TableSize>, table: string): TableSize =>
  sizes.get(table) ?? { bytes: 0, rows: 0 };

/** A build running now: its index and how long it has run. */
export interface RunningBuild {
  readonly indexName: string;
  readonly elapsedSeconds: number;
}

/**
 * Seconds left of each phase's estimate: a running build counts only what its estimate has left
 * (never below zero: a build past its estimate is taken to end soon); the ANALYZE after the builds
 * counts in full.
 */
export function remainingByPhase(estimate: Estimate, running: readonly RunningBuild[]): Map<string, number> {
  const elapsed = new Map(running.map((r) => [r.indexName, r.elapsedSeconds]));
  return new Map(
    estimate.phases.map((p) => [
      p.name,
      p.analyzeSeconds +
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
  estimate: { readonly phases: readonly Pick<PhaseEstimate, 'name' | 'seconds'>[] },
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
