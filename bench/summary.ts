/**
 * `npx tsx bench/summary.ts bench/results/*.json`: the README's performance tables, from bench results,
 * so the numbers in the README are copied by a program, not by hand.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import type { BenchResult, WriteScenario } from './bench-result.js';
import { median } from '../src/verify/time-queries.js';
import { round } from './stats.js';

const results = process.argv
  .slice(2)
  .map((f) => ({ file: basename(f, '.json'), r: JSON.parse(readFileSync(f, 'utf8')) as BenchResult }));

const fmt = (n: number | undefined): string =>
  n === undefined || !Number.isFinite(n) ? 'n/a' : String(round(n));
const row = (cells: readonly string[]): string => `| ${cells.join(' | ')} |`;

console.log(
  row([
    'run',
    'rows loaded',
    'rows/s',
    'catalogue build s',
    'hot queries ≥10x',
    'median speedup',
    'engine / direct',
  ]),
);
console.log(row(Array(7).fill('---')));
for (const { file, r } of results) {
  const tenX = r.queries.filter((q) => q.speedup >= 10).length;
  const c1 = r.buildCost.engine.find((e) => e.concurrency === 1);
  console.log(
    row([
      `[${r.dialect} ${r.scale}](bench/results/${file}.md)`,
      r.load.rows.toLocaleString('en-US'),
      fmt(r.load.rowsPerSecond),
      fmt(r.build.totalSeconds),
      `${tenX} of ${r.queries.length}`,
      `${fmt(median(r.queries.map((q) => q.speedup)))}x`,
      `${fmt(c1?.ratioToDirect)}x`,
    ]),
  );
}

const scenarios: readonly WriteScenario[] = [
  'no build',
  'engine',
  'engine, concurrency 2',
  'engine, throttled',
  'direct concurrent',
  'blocking transaction',
];
console.log('');
console.log(row(['writer p99 / max ms', ...scenarios]));
console.log(row(Array(scenarios.length + 1).fill('---')));
for (const { r } of results) {
  const cells = scenarios.map((s) => {
    const w = r.writeImpact.scenarios.find((x) => x.scenario === s);
    return w ? `${fmt(w.latency.p99)} / ${fmt(w.latency.max)}` : 'not run';
  });
  console.log(row([`${r.dialect} ${r.scale}`, ...cells]));
}
