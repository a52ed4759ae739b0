/** The engine-cost section of the bench report, and its aim (the report and the summary both read it). */
import { ran, type BenchResult, type BuildCostResult, type NotRun } from './bench-result.js';
import { fmt, header, row } from './markdown.js';
import type { StatementSplit } from './statement-split.js';

/**
 * Engine over direct at concurrency 1: issue 16's aims are 1.1x at 100k and 1.05x at 1m; at the
 * smaller scales, where a few ms per index weigh more against builds of a few ms, the bench's 1.2x.
 */
export function engineCostAim(scale: string): number {
  if (scale === '1m') return 1.05;
  if (scale === '100k') return 1.1;
  return 1.2;
}

export interface EngineCostFigure {
  /** What the aim is marked on: `parts` (PostgreSQL, statements timed) or `whole` (the whole calls). */
  readonly basis: 'parts' | 'whole';
  readonly ratio: number;
  /** parts: the fixed cost outside the statements; whole: the whole calls' difference; ms per index. */
  readonly overheadMsPerIndex: number;
  /** The whole calls' ratio (the same as ratio when the basis is whole). */
  readonly wholeRatio: number;
  /** parts: the paired CREATE INDEX ratio engine / direct (geometric mean). */
  readonly statementRatio?: number;
  /** Alternating rounds the figure comes from; 1 for a result written before they existed. */
  readonly rounds: number;
  readonly aim: number;
  readonly met: boolean;
}

/**
 * The figure the aim is judged on. Where the statements were timed (PostgreSQL): the whole-call ratio
 * rebuilt from its parts (statement-split.ts): the direct side's time, plus the engine's fixed cost
 * outside the statements, plus the direct statements' time at the paired engine / direct statement
 * ratio. On 2 shared cores one side's 70 builds took 38 s in one round and 111 s in the next, so the
 * whole calls' ratio moves by far more than the 5-10% the aim allows; the parts are each measured where
 * the load weighs little (the time outside the statements is small and taken in the same calls; each
 * statement is paired with the same statement of the other side). Elsewhere: the alternating rounds'
 * whole-call ratio; in a result written before the rounds, the single engine run against the single
 * direct run.
 */
export function engineCostFigure(r: BenchResult): EngineCostFigure | NotRun {
  const c = r.buildCost;
  if (!ran(c)) return c;
  const aim = engineCostAim(r.scale);
  if (c.fixedCost) {
    const f = c.fixedCost;
    const rounds = f.rounds.length;
    const s = f.statements;
    if (s) {
      return {
        basis: 'parts',
        ratio: s.partsRatio,
        overheadMsPerIndex: s.outsideOverheadMsPerIndex,
        wholeRatio: f.ratio,
        statementRatio: s.buildRatioGeomean,
        rounds,
        aim,
        met: s.partsRatio <= aim,
      };
    }
    const { ratio, overheadMsPerIndex } = f;
    return { basis: 'whole', ratio, overheadMsPerIndex, wholeRatio: ratio, rounds, aim, met: ratio <= aim };
  }
  const c1 = c.engine.find((e) => e.concurrency === 1);
  if (!c1) return { notRun: 'no engine run at concurrency 1' };
  const overheadMsPerIndex = ((c1.seconds - c.directSeconds) * 1000) / r.build.indexesCreated;
  const ratio = c1.ratioToDirect;
  return { basis: 'whole', ratio, overheadMsPerIndex, wholeRatio: ratio, rounds: 1, aim, met: ratio <= aim };
}

/**
 * "1.03x, 3.5 ms per index, 2 alternating rounds", or from the parts: "1.03x from the parts (3.5 ms per
 * index outside the statements, statements 1.01x paired; whole calls 1.2x), 2 alternating rounds".
 */
export function describeEngineCost(f: EngineCostFigure): string {
  const from = f.rounds === 1 ? 'one comparison' : `${f.rounds} alternating rounds`;
  if (f.basis === 'whole') return `${fmt(f.ratio)}x, ${fmt(f.overheadMsPerIndex)} ms per index, ${from}`;
  return (
    `${fmt(f.ratio)}x from the parts (${fmt(f.overheadMsPerIndex)} ms per index outside the statements, ` +
    `statements ${fmt(f.statementRatio ?? Number.NaN)}x paired; whole calls ${fmt(f.wholeRatio)}x), ${from}`
  );
}

export function renderBuildCost(c: BuildCostResult | NotRun): string[] {
  const out = ['## Engine cost', ''];
  if (!ran(c)) return [...out, `Not run: ${c.notRun}.`, ''];
  out.push(`Direct: ${c.directWhat}: ${fmt(c.directSeconds)} s.`, '');
  const f = c.fixedCost;
  if (f) {
    out.push(
      `The engine at concurrency 1 against the direct statements, in ${f.rounds.length} rounds whose order ` +
        `alternates (bench/measure-fixed-cost.ts; each side timed around the whole call, what it built ` +
        `undone before the next): ${fmt(f.directSeconds)} s direct, ${fmt(f.engineSeconds)} s engine in all, ` +
        `ratio ${fmt(f.ratio)}x, overhead ${fmt(f.overheadMsPerIndex)} ms per index (${f.indexes} indexes). ` +
        `The bench process's CPU time (on SQLite the database's work too; elsewhere the client's only): ` +
        `${fmt(f.directCpuSeconds)} s direct, ${fmt(f.engineCpuSeconds)} s engine, ratio ${fmt(f.cpuRatio)}x, ` +
        `${fmt(f.cpuOverheadMsPerIndex)} ms per index.`,
      '',
      header(['round', 'first', 'direct s', 'engine s', 'engine / direct', 'direct CPU s', 'engine CPU s']),
      ...f.rounds.map((x, i) =>
        row([
          i + 1,
          x.first,
          x.directSeconds,
          x.engineSeconds,
          `${fmt(x.engineSeconds / x.directSeconds)}x`,
          x.directCpuSeconds,
          x.engineCpuSeconds,
        ]),
      ),
      '',
      ...renderSplit(f.statements),
    );
  }
  out.push(header(['run', 'concurrency', 'seconds', 'ratio to direct']));
  for (const e of c.engine) out.push(row([e.label, e.concurrency, e.seconds, `${fmt(e.ratioToDirect)}x`]));
  out.push('', `Peak resident memory of the bench process: ${fmt(c.peakRssMiB)} MiB.`, '');
  return out;
}

/** Inside and outside the statements (statement-split.ts), when they were timed. */
function renderSplit(s: StatementSplit | undefined): string[] {
  if (!s) return [];
  return [
    `Split at the statements (each CREATE INDEX and ANALYZE timed at the driver on both sides, ` +
      `bench/statement-clock.ts): inside CREATE INDEX ${fmt(s.directBuildSeconds)} s direct, ` +
      `${fmt(s.engineBuildSeconds)} s engine; inside ANALYZE ${fmt(s.directAnalyzeSeconds)} s direct, ` +
      `${fmt(s.engineAnalyzeSeconds)} s engine; outside them ${fmt(s.directOutsideSeconds)} s direct, ` +
      `${fmt(s.engineOutsideSeconds)} s engine.`,
    '',
    header(['figure', 'value', 'per round']),
    row([
      '(a) fixed cost: engine outside the statements minus direct, ms per index',
      fmt(s.outsideOverheadMsPerIndex),
      s.outsideOverheadMsPerIndexByRound.map(fmt).join(', '),
    ]),
    row([
      `(b) CREATE INDEX engine / direct, paired by index and round (${s.buildPairs} pairs): median / ` +
        'geometric mean / time-weighted',
      `${fmt(s.buildRatioMedian)}x / ${fmt(s.buildRatioGeomean)}x / ${fmt(s.buildRatioSum)}x`,
      s.buildRatioByRound.map((x) => `${fmt(x.median)}x / ${fmt(x.geomean)}x / ${fmt(x.sum)}x`).join(', '),
    ]),
    row([
      'ANALYZE engine / direct, paired by phase (geometric mean)',
      `${fmt(s.analyzeRatioGeomean)}x`,
      'all rounds',
    ]),
    row([
      "whole call rebuilt from the parts: direct + (a) + statements at (b)'s geometric mean when above 1",
      `${fmt(s.partsRatio)}x`,
      'all rounds',
    ]),
    ...(s.recordedOverStatementMs === undefined
      ? []
      : [
          row([
            "the engine's recorded build duration (build row) over its statement, ms per index",
            fmt(s.recordedOverStatementMs),
            'all rounds',
          ]),
        ]),
    '',
  ];
}

export function costAims(r: BenchResult): string[] {
  const f = engineCostFigure(r);
  const aim = (x: number): string =>
    `- Engine build time at most ${fmt(x)}x the same statements run directly, at concurrency 1 ` +
    `(issue 16: 1.1x at 100k, 1.05x at 1m; 1.2x below; this run: ${r.scale})`;
  if (!ran(f)) return [`${aim(engineCostAim(r.scale))}: not run (${f.notRun}).`];
  const spread = roundsStraddle(r.buildCost, f.aim);
  const basis =
    f.basis === 'parts'
      ? ' Marked on the ratio rebuilt from the parts (the fixed cost outside the statements and the ' +
        'paired statement ratio), not on the whole calls, whose rounds the load moves by more than the aim.'
      : '';
  const unsettled = !spread
    ? ''
    : f.basis === 'parts'
      ? ` The whole calls' rounds range ${fmt(spread.min)}x to ${fmt(spread.max)}x, either side of the aim.`
      : ` The rounds alone range ${fmt(spread.min)}x to ${fmt(spread.max)}x, either side of the aim: ` +
        'the load moved more than the aim allows, so this run does not settle it.';
  return [`${aim(f.aim)}: ${f.met ? 'met' : 'not met'} (${describeEngineCost(f)}).${basis}${unsettled}`];
}

/** The rounds' own ratios when some fall on each side of the aim, else undefined. */
export function roundsStraddle(
  cost: BuildCostResult | NotRun,
  aim: number,
): { min: number; max: number } | undefined {
  const rounds = ran(cost) ? (cost.fixedCost?.rounds ?? []) : [];
  const ratios = rounds.map((x) => x.engineSeconds / x.directSeconds);
  if (ratios.length < 2) return undefined;
  const min = Math.min(...ratios);
  const max = Math.max(...ratios);
  return min <= aim && max > aim ? { min, max } : undefined;
}
