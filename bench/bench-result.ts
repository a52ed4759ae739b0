/** The shape of one bench run, written as JSON beside its Markdown report. */
import type { ShapeLimit } from '../src/catalogue/catalogue.js';
import type { DialectName } from '../src/dialects/dialect.js';
import type { BuildModel } from '../src/engine/engine.js';
import type { FixedCostResult } from './measure-fixed-cost.js';
import type { LatencySummary } from './stats.js';

export interface MachineInfo {
  readonly cpuModel: string;
  readonly cpus: number;
  readonly memoryGiB: number;
  readonly os: string;
  readonly node: string;
  readonly database: string;
}

/** A section the run did not measure, and why (never left out silently). */
export interface NotRun {
  readonly notRun: string;
}

export function ran<T extends object>(section: T | NotRun): section is T {
  return !('notRun' in section);
}

/** The bench's sections that a run may leave out (`--skip`, or `--deadline` when one would not fit). */
export const OPTIONAL_SECTIONS = ['mix', 'engine-cost', 'write-impact'] as const;
export type OptionalSection = (typeof OPTIONAL_SECTIONS)[number];

export interface QueryMeasurement {
  /** Timed runs made: fewer than the run's `runs` when --query-budget-seconds stopped the repeats. */
  readonly runs?: number;
  readonly p50Ms: number;
  readonly p95Ms: number;
  readonly rows: number;
  readonly plan: string;
  readonly indexesUsed: readonly string[];
  readonly seqScans: readonly string[];
  /** PostgreSQL only: the server's own time for the statement (absent elsewhere and in older results). */
  readonly server?: ServerTime;
}

/**
 * The server's own time for a statement, from EXPLAIN (ANALYZE, BUFFERS) run after the timed runs (so
 * warm), the median of its runs: what the client-side p50 holds besides the round trip, the driver and
 * the wait for a core.
 */
export interface ServerTime {
  readonly runs: number;
  readonly planningMs: number;
  readonly executionMs: number;
  /** Shared buffers found in PostgreSQL's cache and read from the OS (planning and execution), median. */
  readonly sharedHit: number;
  readonly sharedRead: number;
}

export interface QueryComparison {
  readonly name: string;
  readonly description: string;
  readonly before: QueryMeasurement;
  readonly after: QueryMeasurement;
  /** before p50 / after p50 */
  readonly speedup: number;
  /** Set when the catalogue says the query's own shape defeats an index; `verify` names the rewrite. */
  readonly shapeLimit?: ShapeLimit;
}

export interface PhaseBuild {
  readonly phase: string;
  readonly seconds: number;
  readonly indexesCreated: number;
  readonly indexesSkipped: number;
}

export interface IndexBuild {
  readonly phase: string;
  readonly index: string;
  readonly table: string;
  readonly ms: number;
}

export type WriteScenario =
  | 'no build'
  | 'engine'
  | 'engine, concurrency 2'
  | 'engine, throttled'
  | 'direct concurrent'
  | 'blocking transaction';

export interface WriteImpact {
  readonly scenario: WriteScenario;
  /** What ran while the writer wrote, in words. */
  readonly what: string;
  readonly buildSeconds: number;
  readonly latency: LatencySummary;
  readonly longestStallMs: number;
  readonly writes: number;
  readonly failedWrites: number;
  /** Downsampled [seconds since start, latency ms] for the chart. */
  readonly series: readonly (readonly [number, number])[];
}

export interface BuildCost {
  readonly label: string;
  readonly concurrency: number;
  readonly seconds: number;
  /** seconds / direct seconds (1.0 = same as running the statements directly). */
  readonly ratioToDirect: number;
}

/** Latency of one query or class in a load run. */
export interface LoadLatency {
  readonly requests: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** Share of the run's summed request time spent in this query or class, percent. */
  readonly timeSharePct: number;
}

export interface LoadRun {
  readonly when: 'before' | 'after';
  /** What sent the requests (pgbench and its options, or the worker threads). */
  readonly tool: string;
  readonly clients: number;
  /** The measured window: requests completed in it, and the database's CPU time in it. */
  readonly windowSeconds: number;
  readonly requests: number;
  readonly failedRequests: number;
  readonly requestsPerSecond: number;
  readonly cpuSeconds: number;
  readonly cpuMsPer1000Requests: number;
  /** Where the CPU time comes from, in words. */
  readonly cpuSource: string;
  /** Requests with their latency (the whole run) per class and per query. */
  readonly classes: readonly (LoadLatency & { readonly queryClass: string })[];
  readonly queries: readonly (LoadLatency & { readonly query: string; readonly queryClass: string })[];
  /** Extra per-request work of the load tool that the figures include (e.g. pgbench's parameter lookup). */
  readonly overhead?: {
    readonly what: string;
    readonly avgMs: number;
    /** The database CPU of that extra work alone, per 1,000 requests. */
    readonly cpuMsPer1000Requests: number;
  };
}

export interface RequestMixResult {
  readonly mix: readonly { readonly query: string; readonly queryClass: string; readonly weight: number }[];
  readonly leftOut: readonly { readonly query: string; readonly why: string }[];
  readonly poolSize: number;
  readonly seconds: number;
  readonly before: LoadRun;
  readonly after: LoadRun;
  /** after requests/s / before requests/s */
  readonly throughputRatio: number;
  /** 100 × (1 − after CPU per request / before CPU per request) */
  readonly cpuReductionPct: number;
}

/** One phase: what `plan` estimated and what the build took. */
export interface PhaseEstimateVsActual {
  readonly phase: string;
  readonly builds: number;
  /** `plan` on the freshly seeded database: the dialect's default build cost. */
  readonly firstEstimateSeconds: number;
  /** `plan` just before the measured run: refined by the builds this database recorded earlier in the run. */
  readonly estimateSeconds: number;
  readonly actualSeconds: number;
}

export interface EstimateVsActual {
  /** The run the estimates are compared with, in words. */
  readonly actualWhat: string;
  /** The refined estimate's model: how many earlier builds it learned from, and the speed they showed. */
  readonly refinedSamples: number;
  readonly refinedSpeedFactor: number;
  /**
   * Where the first estimate's rate came from (default, or scaled by the speed probe) and the probe's
   * reading; absent in results written before the speed probe.
   */
  readonly first?: Pick<BuildModel, 'source' | 'speedFactor' | 'probe'>;
  readonly phases: readonly PhaseEstimateVsActual[];
  readonly firstEstimateSeconds: number;
  readonly estimateSeconds: number;
  readonly actualSeconds: number;
}

export interface BenchResult {
  readonly version: 2;
  readonly dialect: DialectName;
  readonly scale: string;
  readonly tools: number;
  readonly runs: number;
  /** After `runs`, a query was timed on to this many runs while they added up to under 250 ms (absent before 2026-12-03). */
  readonly cheapRuns?: number;
  readonly seed: number;
  readonly startedAt: string;
  readonly finishedAt: string;
  /** os.loadavg() (1, 5, 15 minutes) when the run started and when it ended: other load on the machine. */
  readonly loadAverage: { readonly start: readonly number[]; readonly end: readonly number[] };
  readonly machine: MachineInfo;
  /** The seed's load; with --reuse-seed, the figures of the earlier seed this run reused. */
  readonly load: {
    readonly rows: number;
    readonly seconds: number;
    readonly rowsPerSecond: number;
    /** Absent in results written before the marker existed. */
    readonly seed?: { readonly generator: string; readonly seededAt: string; readonly reused: boolean };
  };
  /** Row counts of every table before the first and after the last query measurement: same data. */
  readonly dataCheck: { readonly before: number; readonly after: number; readonly tables: number };
  readonly queries: readonly QueryComparison[];
  /** The request mix from concurrent clients, before and after `up`, on the same data. */
  readonly requestMix: RequestMixResult | NotRun;
  readonly build: {
    readonly totalSeconds: number;
    readonly indexesCreated: number;
    readonly phases: readonly PhaseBuild[];
    readonly indexes: readonly IndexBuild[];
  };
  readonly writeImpact: WriteImpactResult | NotRun;
  /** `plan`'s estimated build time per phase against the measured one (concurrency 1, no writer). */
  readonly estimates: EstimateVsActual | NotRun;
  readonly buildCost: BuildCostResult | NotRun;
  /** The per-query repeat budget, when one was set (--query-budget-seconds). */
  readonly queryBudgetSeconds?: number;
}

export interface WriteImpactResult {
  readonly intervalMs: number;
  readonly scenarios: readonly WriteImpact[];
}

export interface BuildCostResult {
  /** Per build of the catalogue: the mean over the fixed-cost rounds (one build before they existed). */
  readonly directSeconds: number;
  readonly directWhat: string;
  /** Concurrency 1: the mean of the fixed-cost rounds' engine side; concurrency 2: one run. */
  readonly engine: readonly BuildCost[];
  /**
   * The engine at concurrency 1 against the direct statements in rounds of alternating order
   * (measure-fixed-cost.ts): what the engine-cost aim is judged on. Absent in results written before it.
   */
  readonly fixedCost?: FixedCostResult;
  readonly peakRssMiB: number;
}
