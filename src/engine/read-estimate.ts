/**
 * The estimate's I/O edge: reads the sizes of the tables a plan builds on and of the tables earlier
 * builds ran on (dialect.tableSizes), runs the speed probe when asked and the recorded builds are too few
 * (dialect.speedProbe), then hands everything to the pure estimate.ts.
 */
import type { Dialect, SchemaSnapshot, TableSize } from '../dialects/dialect.js';
import { errorMessage } from '../errors.js';
import type { BuildRow } from './bookkeeping-store.js';
import type { PlannedPhase } from './engine.js';
import {
  buildSamples,
  estimatePhases,
  fitModel,
  PROBE_RUNS,
  probeReading,
  remainingByPhase,
  wantsProbe,
  type BuildSample,
  type Estimate,
  type ProbeReading,
  type RunningBuild,
} from './estimate.js';

type EstimateDialect = Pick<Dialect, 'tableSizes' | 'capabilities' | 'speedProbe'>;

/** The bookkeeping the estimate reads: the build rows (all of them, oldest first). */
export interface RecordedRuns {
  readonly builds: readonly BuildRow[];
  /** Now, ms since the epoch (how long the running builds have run). */
  readonly nowMs: number;
}

/** The indexes each table of the snapshot has (primary keys and unique constraints included). */
export function indexesOnTables(snapshot: Pick<SchemaSnapshot, 'indexes'>): Map<string, number> {
  const out = new Map<string, number>();
  for (const i of snapshot.indexes) out.set(i.table, (out.get(i.table) ?? 0) + 1);
  return out;
}

/**
 * Estimated build time of the planned phases, with the speed shown by the recorded builds; `snapshot` is
 * the one the phases were planned on. `probeTimeoutMs` (plan): run the speed probe, bounded by it, when
 * the recorded builds are too few to win alone (0: turned off); undefined (status, which the operator
 * reads on every reconcile): no probe.
 */
export async function readEstimate(
  dialect: EstimateDialect,
  phases: readonly PlannedPhase[],
  recorded: RecordedRuns,
  snapshot: Pick<SchemaSnapshot, 'indexes'>,
  probeTimeoutMs?: number,
): Promise<Estimate> {
  const { builds } = recorded;
  const planned = phases.flatMap((p) =>
    p.indexes.filter((i) => i.action === 'create' || i.action === 'rebuild').map((i) => i.index.table),
  );
  const measured = builds
    .filter((b) => b.action === 'create' || b.action === 'rebuild')
    .map((b) => b.tableName);
  const sizes: ReadonlyMap<string, TableSize> = await dialect.tableSizes([
    ...new Set([...planned, ...measured]),
  ]);
  const samples = buildSamples(builds, sizes);
  const probe = probeTimeoutMs === undefined ? undefined : await readProbe(dialect, samples, probeTimeoutMs);
  const model = fitModel(dialect.capabilities.buildCost, samples, probe);
  return estimatePhases(phases, sizes, model, indexesOnTables(snapshot));
}

/** The speed probe's reading, or why there is none; a failure is a reading, never an error of `plan`. */
async function readProbe(
  dialect: EstimateDialect,
  samples: readonly BuildSample[],
  timeoutMs: number,
): Promise<ProbeReading> {
  const cost = dialect.capabilities.buildCost;
  if (timeoutMs <= 0) return { status: 'skipped', reason: 'turned off (speed probe timeout 0)' };
  if (!wantsProbe(cost, samples))
    return { status: 'skipped', reason: `${samples.length} recorded builds of this database set the speed` };
  const runs: number[] = [];
  try {
    for (let i = 0; i < PROBE_RUNS; i++) {
      const leftMs = timeoutMs - 1000 * runs.reduce((sum, r) => sum + r, 0);
      if (leftMs <= 0)
        return {
          status: 'failed',
          reason: `speed probe ran out of time: ${i} runs took its ${timeoutMs} ms`,
        };
      runs.push(await dialect.speedProbe(leftMs));
    }
  } catch (e) {
    return { status: 'failed', reason: errorMessage(e) };
  }
  return probeReading(cost, runs);
}

/** What is left of a run now: the estimate of what is not built yet, less what running builds did. */
export interface RemainingEstimate {
  readonly model: Estimate['model'];
  /** Seconds the builds still to do were estimated at, all phases (running ones in full). */
  readonly totalSeconds: number;
  /** Seconds left, all phases. */
  readonly remainingSeconds: number;
  readonly phases: readonly {
    readonly name: string;
    /** Indexes still to build (running ones included). */
    readonly builds: number;
    readonly remainingSeconds: number;
  }[];
}

/**
 * Builds recorded `running` in the newest run of a phase whose bookkeeping says it runs (a dead runner's
 * rows are settled by the next run and do not count), with how long each has run at `nowMs`.
 */
export function runningBuilds(
  phases: readonly Pick<PlannedPhase, 'name' | 'status'>[],
  builds: readonly BuildRow[],
  nowMs: number,
): RunningBuild[] {
  const runningPhases = new Set(phases.filter((p) => p.status === 'running').map((p) => p.name));
  const lastRun = builds.at(-1)?.runId;
  return builds
    .filter((b) => b.status === 'running' && b.runId === lastRun && runningPhases.has(b.phase))
    .map((b) => ({
      indexName: b.indexName,
      elapsedSeconds: Math.max(0, (nowMs - Date.parse(b.startedAt)) / 1000),
    }));
}

export async function readRemaining(
  dialect: EstimateDialect,
  phases: readonly PlannedPhase[],
  recorded: RecordedRuns,
  snapshot: Pick<SchemaSnapshot, 'indexes'>,
): Promise<RemainingEstimate> {
  const estimate = await readEstimate(dialect, phases, recorded, snapshot);
  const remaining = remainingByPhase(estimate, runningBuilds(phases, recorded.builds, recorded.nowMs));
  const left = estimate.phases.map((p) => ({
    name: p.name,
    builds: p.builds,
    remainingSeconds: remaining.get(p.name) ?? 0,
  }));
  return {
    model: estimate.model,
    totalSeconds: estimate.totalSeconds,
    remainingSeconds: left.reduce((total, p) => total + p.remainingSeconds, 0),
    phases: left,
  };
}
