/**
 * `npx tsx bench/summary.ts [--misses] bench/results/*.json`: the README's performance tables, from bench
 * results, so the numbers in the README are copied by a program, not by hand. `--misses` adds each run's
 * list of the hot queries short of an aim (report-misses.ts), as its report has it: a result file written
 * before that list existed gets it from its own figures. A result that did not record the query-shape
 * notes yet gets them from the built-in catalogue's hot queries of the same name (in every table).
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { ran, type BenchResult, type WriteScenario } from './bench-result.js';
import { median } from '../src/median.js';
import { round } from './stats.js';
import { MIX_AIMS } from './report-mix.js';
import { ESTIMATE_AIM_PCT, errorPct } from './report-estimate.js';
import { describeEngineCost, engineCostFigure, roundsStraddle } from './report-cost.js';
import { REASON_CLASSES, misses, renderMisses } from './report-misses.js';
import { loadBuiltInCatalogue } from '../src/catalogue/registry.js';

const args = process.argv.slice(2);
const withMisses = args.includes('--misses');
/** Hot queries with a query-shape note, for results written before they recorded it. */
const shapes = new Map(
  loadBuiltInCatalogue('contextforge').hotQueries.flatMap((q) =>
    q.shapeLimit ? [[q.name, q.shapeLimit] as const] : [],
  ),
);
const withShapes = (r: BenchResult): BenchResult => ({
  ...r,
  queries: r.queries.map((q) => {
    const shapeLimit = q.shapeLimit ?? shapes.get(q.name);
    return shapeLimit ? { ...q, shapeLimit } : q;
  }),
});
const results = args
  .filter((a) => a !== '--misses')
  .map((f) => ({
    file: basename(f, '.json'),
    r: withShapes(JSON.parse(readFileSync(f, 'utf8')) as BenchResult),
  }));

const fmt = (n: number | undefined): string =>
  n === undefined || !Number.isFinite(n) ? 'n/a' : String(round(n));
const row = (cells: readonly string[]): string => `| ${cells.join(' | ')} |`;
const table = (head: readonly string[], rows: readonly (readonly string[])[]): void => {
  console.log(row(head));
  console.log(row(head.map(() => '---')));
  for (const r of rows) console.log(row(r));
  console.log('');
};
const name = (r: BenchResult): string => `${r.dialect} ${r.scale}`;
const loadAvg = (v: readonly number[]): string => v.map((x) => x.toFixed(1)).join(' / ');

table(
  [
    'run',
    'rows loaded',
    'rows/s',
    'catalogue build s',
    'hot queries ≥10x',
    'median speedup',
    'engine / direct',
    'load avg start → end',
  ],
  results.map(({ file, r }) => {
    const tenX = r.queries.filter((q) => q.speedup >= 10).length;
    const cost = engineCostFigure(r);
    return [
      `[${name(r)}](bench/results/${file}.md)`,
      r.load.rows.toLocaleString('en-US'),
      fmt(r.load.rowsPerSecond),
      fmt(r.build.totalSeconds),
      `${tenX} of ${r.queries.length}`,
      `${fmt(median(r.queries.map((q) => q.speedup)))}x`,
      ran(cost) ? describeEngineCost(cost) : 'not run',
      `${loadAvg(r.loadAverage.start)} → ${loadAvg(r.loadAverage.end)}`,
    ];
  }),
);

table(
  [
    'request mix',
    'clients',
    'requests/s before → after',
    'gain',
    'DB CPU ms per 1,000 requests before → after',
    'CPU per request',
  ],
  results.map(({ r }) => {
    const m = r.requestMix;
    if (!ran(m)) return [name(r), 'not run', 'not run', 'not run', 'not run', 'not run'];
    return [
      name(r),
      String(m.before.clients),
      `${fmt(m.before.requestsPerSecond)} → ${fmt(m.after.requestsPerSecond)}`,
      `${fmt(m.throughputRatio)}x`,
      `${fmt(m.before.cpuMsPer1000Requests)} → ${fmt(m.after.cpuMsPer1000Requests)}`,
      `${fmt(m.cpuReductionPct)}% less`,
    ];
  }),
);

const classes = ['auth', 'rbac', 'listings', 'metrics', 'writes'];
table(
  ['p50 / p99 ms before → after', ...classes],
  results.map(({ r }) => [
    name(r),
    ...classes.map((c) => {
      const m = r.requestMix;
      if (!ran(m)) return 'not run';
      const b = m.before.classes.find((x) => x.queryClass === c);
      const a = m.after.classes.find((x) => x.queryClass === c);
      return `${fmt(b?.p50Ms)} / ${fmt(b?.p99Ms)} → ${fmt(a?.p50Ms)} / ${fmt(a?.p99Ms)}`;
    }),
  ]),
);

const scenarios: readonly WriteScenario[] = [
  'no build',
  'engine',
  'engine, concurrency 2',
  'engine, throttled',
  'direct concurrent',
  'blocking transaction',
];
table(
  ['writer p99 / max ms', ...scenarios],
  results.map(({ r }) => [
    name(r),
    ...scenarios.map((s) => {
      const w = ran(r.writeImpact) ? r.writeImpact.scenarios.find((x) => x.scenario === s) : undefined;
      return w ? `${fmt(w.latency.p99)} / ${fmt(w.latency.max)}` : 'not run';
    }),
  ]),
);

const met = (ok: boolean, figure: string): string => `${ok ? 'met' : 'not met'} (${figure})`;
table(
  [
    'aims',
    `mix: DB CPU per request −${MIX_AIMS.cpuReductionPct}%`,
    `mix: requests/s ${MIX_AIMS.throughputRatio}x`,
    'every hot query ≥10x',
    'every hot query p50 < 1 ms after',
    `estimate (first / refined) ±${ESTIMATE_AIM_PCT}%`,
    'engine / direct (≤1.1x at 100k, ≤1.05x at 1m)',
  ],
  results.map(({ r }) => {
    const m = r.requestMix;
    const slow = r.queries.filter((q) => q.speedup < 10).length;
    const over = r.queries.filter((q) => q.after.p50Ms >= 1).length;
    return [
      name(r),
      ran(m) ? met(m.cpuReductionPct >= MIX_AIMS.cpuReductionPct, `−${fmt(m.cpuReductionPct)}%`) : 'not run',
      ran(m) ? met(m.throughputRatio >= MIX_AIMS.throughputRatio, `${fmt(m.throughputRatio)}x`) : 'not run',
      met(slow === 0, `${slow} of ${r.queries.length} below`),
      met(over === 0, `${over} of ${r.queries.length} at or above`),
      estimate(r),
      engineCost(r),
    ];
  }),
);

/** The hot queries short of either aim (report-misses.ts), counted by their reason class. */
table(
  ['hot queries short of an aim', 'in all', ...REASON_CLASSES],
  results.map(({ r }) => {
    const list = misses(r);
    return [
      name(r),
      `${list.length} of ${r.queries.length}`,
      ...REASON_CLASSES.map((c) => String(list.filter((m) => m.reasonClass === c).length)),
    ];
  }),
);

function engineCost(r: BenchResult): string {
  const f = engineCostFigure(r);
  if (!ran(f)) return 'not run';
  const spread = roundsStraddle(r.buildCost, f.aim);
  const what = f.basis === 'parts' ? ' from the parts' : '';
  const rounds = !spread
    ? ''
    : f.basis === 'parts'
      ? `; whole calls ${fmt(f.wholeRatio)}x, rounds ${fmt(spread.min)}x to ${fmt(spread.max)}x`
      : `; rounds ${fmt(spread.min)}x to ${fmt(spread.max)}x: unsettled`;
  return `${f.met ? 'met' : 'not met'} (${fmt(f.ratio)}x${what}, aim ${fmt(f.aim)}x${rounds})`;
}

function estimate(r: BenchResult): string {
  const e = r.estimates;
  if (!ran(e)) return 'not run';
  const first = errorPct(e.firstEstimateSeconds, e.actualSeconds);
  const refined = errorPct(e.estimateSeconds, e.actualSeconds);
  const ok = (x: number): boolean => Math.abs(x) <= ESTIMATE_AIM_PCT;
  const word =
    ok(first) && ok(refined) ? 'met' : ok(refined) ? 'refined only' : ok(first) ? 'first only' : 'not met';
  return `${word} (${fmt(first)}% / ${fmt(refined)}%)`;
}

/** Sections a run left out, and queries measured with fewer runs than asked (the repeat budget). */
for (const { r } of results) {
  const notRun = (
    [
      ['request mix', r.requestMix],
      ['estimate', r.estimates],
      ['engine cost', r.buildCost],
      ['write impact', r.writeImpact],
    ] as const
  ).flatMap(([label, section]) => (ran(section) ? [] : [`${label}: ${section.notRun}`]));
  if (notRun.length > 0) console.log(`${name(r)}, not run: ${notRun.join('; ')}.`);
  const fewer = r.queries.filter(
    (q) => (q.before.runs ?? r.runs) < r.runs || (q.after.runs ?? r.runs) < r.runs,
  );
  if (fewer.length > 0)
    console.log(
      `${name(r)}: ${fewer.length} of ${r.queries.length} queries were timed fewer than ${r.runs} times ` +
        `(--query-budget-seconds ${r.queryBudgetSeconds ?? '?'}): ` +
        fewer.map((q) => `${q.name} ${q.before.runs ?? r.runs}/${q.after.runs ?? r.runs}`).join(', ') +
        ' (runs before/after).',
    );
}

if (withMisses)
  for (const { r } of results) {
    console.log(`### ${name(r)} (${r.startedAt.slice(0, 16).replace('T', ' ')} UTC)`);
    console.log('');
    console.log(renderMisses(r).slice(2).join('\n'));
  }
