/**
 * The fixed-cost rounds split at the statements (statement-clock.ts): how much of each side's time was
 * inside its CREATE INDEX and ANALYZE statements and how much outside them, and, index by index, whether
 * the engine's statements themselves took longer than the same statements run directly.
 *
 * - (a) the fixed cost proper: the engine's time outside the statements minus the direct side's, per
 *   index (for the direct side that is little more than sending the statements; for the engine its
 *   runner lock, bookkeeping, re-checks, pre-build checks and plan);
 * - (b) the statement ratio: each index's CREATE INDEX time on the engine side over the same index's on
 *   the direct side in the same round, as a median and a geometric mean over every index and round. The
 *   machine's load moves both sides' builds (38 s to 111 s for the same 70 builds at 1m between rounds),
 *   but a statement the engine makes slower (CIC waiting for a snapshot of the engine's own) shows up as
 *   a ratio above 1 index after index, which the load does not fake in alternating rounds;
 * - the whole-call ratio rebuilt from those parts: the direct side's time, plus (a), plus what the
 *   engine's statements took beyond the direct ones at (b)'s geometric mean (ANALYZE at its own), when
 *   that is above 1; below 1 it counts nothing: the engine cannot make the server's build faster (the
 *   same statement on a session with the same settings), so a ratio below 1 is the load, and the engine
 *   is not credited with it. It answers the aim's question (engine over direct) without letting one
 *   side's builds running 3x slower under the other work decide it.
 * The time-weighted statement ratio (sum over sum) is given too: the large builds decide it, and with
 *   them the load of the moment, but a slowdown of only the large builds would show there first.
 */
import { median as medianOf } from '../src/median.js';

export interface SplitRound {
  readonly directSeconds: number;
  readonly engineSeconds: number;
  /** Statement key (create:<index>, analyze:<tables>) to milliseconds, each side. */
  readonly directStatements?: Readonly<Record<string, number>>;
  readonly engineStatements?: Readonly<Record<string, number>>;
  /** The engine's own record of each build (IndexReport.durationMs) by index name. */
  readonly engineRecordedMs?: Readonly<Record<string, number>>;
}

export interface StatementSplit {
  /** Sums over the rounds, seconds. */
  readonly directBuildSeconds: number;
  readonly engineBuildSeconds: number;
  readonly directAnalyzeSeconds: number;
  readonly engineAnalyzeSeconds: number;
  readonly directOutsideSeconds: number;
  readonly engineOutsideSeconds: number;
  /** (a): (engine outside - direct outside) per index built, ms. */
  readonly outsideOverheadMsPerIndex: number;
  /** The same per round, ms per index. */
  readonly outsideOverheadMsPerIndexByRound: readonly number[];
  /** (b): paired CREATE INDEX ratios engine / direct over every index and round. */
  readonly buildPairs: number;
  readonly buildRatioMedian: number;
  readonly buildRatioGeomean: number;
  /** Sum of the engine's CREATE INDEX times over the direct ones' (time-weighted). */
  readonly buildRatioSum: number;
  /** (b) per round: median, geometric mean and the time-weighted ratio. */
  readonly buildRatioByRound: readonly {
    readonly median: number;
    readonly geomean: number;
    readonly sum: number;
  }[];
  /** Paired ANALYZE ratios (one per phase and round), geometric mean. */
  readonly analyzeRatioGeomean: number;
  /** The whole-call ratio from the parts (see above). */
  readonly partsRatio: number;
  /**
   * What the engine's recorded build duration adds to the statement, mean ms per index (its build
   * row's insert and the dialect's pre-build checks); undefined when not recorded.
   */
  readonly recordedOverStatementMs?: number;
}

/** The split over rounds whose statements were timed; undefined when none were. */
export function splitAtStatements(
  indexes: number,
  rounds: readonly SplitRound[],
): StatementSplit | undefined {
  const timed = rounds.filter(
    (r): r is SplitRound & Required<Pick<SplitRound, 'directStatements' | 'engineStatements'>> =>
      r.directStatements !== undefined && r.engineStatements !== undefined,
  );
  if (timed.length === 0 || indexes === 0) return undefined;
  const parts = timed.map((r) => ({
    d: sides(r.directStatements),
    e: sides(r.engineStatements),
    directSeconds: r.directSeconds,
    engineSeconds: r.engineSeconds,
  }));
  const sum = (f: (p: (typeof parts)[number]) => number): number => parts.reduce((s, p) => s + f(p), 0);
  const directOutside = sum((p) => p.directSeconds - p.d.build - p.d.analyze);
  const engineOutside = sum((p) => p.engineSeconds - p.e.build - p.e.analyze);
  const perIndexMs = (seconds: number, n: number): number => (seconds * 1000) / (indexes * n);
  const buildRatios = timed.map((r) => pairedRatios(r.directStatements, r.engineStatements, 'create:'));
  const all = buildRatios.flat();
  const analyze = timed.flatMap((r) => pairedRatios(r.directStatements, r.engineStatements, 'analyze:'));
  const buildRatioGeomean = geomean(all);
  const analyzeRatioGeomean = analyze.length ? geomean(analyze) : 1;
  const directWhole = sum((p) => p.directSeconds);
  const directBuild = sum((p) => p.d.build);
  const directAnalyze = sum((p) => p.d.analyze);
  const rebuilt =
    directWhole +
    (engineOutside - directOutside) +
    Math.max(0, buildRatioGeomean - 1) * directBuild +
    Math.max(0, analyzeRatioGeomean - 1) * directAnalyze;
  const recorded = recordedOverStatement(timed);
  return {
    directBuildSeconds: directBuild,
    engineBuildSeconds: sum((p) => p.e.build),
    directAnalyzeSeconds: directAnalyze,
    engineAnalyzeSeconds: sum((p) => p.e.analyze),
    directOutsideSeconds: directOutside,
    engineOutsideSeconds: engineOutside,
    outsideOverheadMsPerIndex: perIndexMs(engineOutside - directOutside, timed.length),
    outsideOverheadMsPerIndexByRound: parts.map((p) =>
      perIndexMs(p.engineSeconds - p.e.build - p.e.analyze - (p.directSeconds - p.d.build - p.d.analyze), 1),
    ),
    buildPairs: all.length,
    buildRatioMedian: median(all),
    buildRatioGeomean,
    buildRatioSum: sum((p) => p.e.build) / directBuild,
    buildRatioByRound: buildRatios.map((r, i) => ({
      median: median(r),
      geomean: geomean(r),
      sum: (parts[i]?.e.build ?? Number.NaN) / (parts[i]?.d.build ?? Number.NaN),
    })),
    analyzeRatioGeomean,
    partsRatio: rebuilt / directWhole,
    ...(recorded === undefined ? {} : { recordedOverStatementMs: recorded }),
  };
}

/** Seconds inside CREATE INDEX and inside ANALYZE statements. */
function sides(ms: Readonly<Record<string, number>>): { build: number; analyze: number } {
  let build = 0;
  let analyze = 0;
  for (const [key, v] of Object.entries(ms)) {
    if (key.startsWith('create:')) build += v / 1000;
    else if (key.startsWith('analyze:')) analyze += v / 1000;
  }
  return { build, analyze };
}

/** engine / direct for every key (with the prefix) both sides ran. */
function pairedRatios(
  direct: Readonly<Record<string, number>>,
  engine: Readonly<Record<string, number>>,
  prefix: string,
): number[] {
  const out: number[] = [];
  for (const [key, d] of Object.entries(direct)) {
    const e = engine[key];
    if (key.startsWith(prefix) && e !== undefined && d > 0 && e > 0) out.push(e / d);
  }
  return out;
}

function recordedOverStatement(rounds: readonly SplitRound[]): number | undefined {
  const diffs: number[] = [];
  for (const r of rounds) {
    for (const [name, ms] of Object.entries(r.engineRecordedMs ?? {})) {
      const statement = r.engineStatements?.[`create:${name}`];
      if (statement !== undefined) diffs.push(ms - statement);
    }
  }
  return diffs.length ? diffs.reduce((a, b) => a + b, 0) / diffs.length : undefined;
}

/** The median (src/median.ts), NaN for none: an empty set has no ratio to report. */
export function median(values: readonly number[]): number {
  return values.length === 0 ? Number.NaN : medianOf(values);
}

export function geomean(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  return Math.exp(values.reduce((s, v) => s + Math.log(v), 0) / values.length);
}

/** Statement timings as a key → ms map; a key run twice (a retried build) sums. */
export function byKey(
  timings: readonly { readonly key: string; readonly ms: number }[],
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const t of timings) out[t.key] = (out[t.key] ?? 0) + t.ms;
  return out;
}
