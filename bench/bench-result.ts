/** The shape of one bench run, written as JSON beside its Markdown report. */
import type { DialectName } from '../src/dialects/dialect.js';
import type { LatencySummary } from './stats.js';

export interface MachineInfo {
  readonly cpuModel: string;
  readonly cpus: number;
  readonly memoryGiB: number;
  readonly os: string;
  readonly node: string;
  readonly database: string;
}

export interface QueryMeasurement {
  readonly p50Ms: number;
  readonly p95Ms: number;
  readonly rows: number;
  readonly plan: string;
  readonly indexesUsed: readonly string[];
  readonly seqScans: readonly string[];
}

export interface QueryComparison {
  readonly name: string;
  readonly description: string;
  readonly before: QueryMeasurement;
  readonly after: QueryMeasurement;
  /** before p50 / after p50 */
  readonly speedup: number;
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

export interface BenchResult {
  readonly version: 1;
  readonly dialect: DialectName;
  readonly scale: string;
  readonly tools: number;
  readonly runs: number;
  readonly seed: number;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly machine: MachineInfo;
  readonly load: { readonly rows: number; readonly seconds: number; readonly rowsPerSecond: number };
  /** Row counts of every table before the first and after the last query measurement: same data. */
  readonly dataCheck: { readonly before: number; readonly after: number; readonly tables: number };
  readonly queries: readonly QueryComparison[];
  readonly build: {
    readonly totalSeconds: number;
    readonly indexesCreated: number;
    readonly phases: readonly PhaseBuild[];
    readonly indexes: readonly IndexBuild[];
  };
  readonly writeImpact: { readonly intervalMs: number; readonly scenarios: readonly WriteImpact[] };
  readonly buildCost: {
    readonly directSeconds: number;
    readonly directWhat: string;
    readonly engine: readonly BuildCost[];
    readonly peakRssMiB: number;
  };
}
