/** Per-query and per-class latency of a load run, from each request's statement and latency. */
import type { LoadLatency, LoadRun } from './bench-result.js';
import type { LoadStatement } from './load-statements.js';
import { QUERY_CLASSES } from './request-mix.js';
import { percentileSorted } from './stats.js';

/** Latencies (ms) of the requests of each statement, by the statement's index in the mix. */
export type LatenciesByStatement = readonly (readonly number[])[];

function latency(values: readonly number[], total: number): LoadLatency {
  const sorted = [...values].sort((a, b) => a - b);
  const sum = sorted.reduce((a, b) => a + b, 0);
  return {
    requests: sorted.length,
    p50Ms: percentileSorted(sorted, 50),
    p99Ms: percentileSorted(sorted, 99),
    timeSharePct: total > 0 ? (100 * sum) / total : 0,
  };
}

export function latencyBreakdown(
  statements: readonly LoadStatement[],
  byStatement: LatenciesByStatement,
): Pick<LoadRun, 'classes' | 'queries'> {
  const total = byStatement.flat().reduce((a, b) => a + b, 0);
  const queries = statements.map((s, i) => ({
    query: s.name,
    queryClass: s.queryClass,
    ...latency(byStatement[i] ?? [], total),
  }));
  const classes = QUERY_CLASSES.filter((c) => statements.some((s) => s.queryClass === c)).map((c) => ({
    queryClass: c,
    ...latency(
      statements.flatMap((s, i) => (s.queryClass === c ? (byStatement[i] ?? []) : [])),
      total,
    ),
  }));
  return { classes, queries };
}
