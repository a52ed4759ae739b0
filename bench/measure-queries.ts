/** Times each hot query (median and p95 over runs) and records its plan. */
import type { HotQuery } from '../src/catalogue/catalogue.js';
import type { Dialect } from '../src/dialects/dialect.js';
import { hotQuerySql } from '../src/verify/hot-query-sql.js';
import { resolveParams } from '../src/verify/resolve-params.js';
import { timeRolledBack } from '../src/verify/time-queries.js';
import { queriesOnTables } from '../src/verify/verify.js';
import type { QueryMeasurement } from './bench-result.js';
import { summarize } from './stats.js';

export interface ResolvedQuery {
  readonly query: HotQuery;
  /** The query's SQL as the application sends it on this dialect. */
  readonly sql: string;
  readonly params: readonly unknown[];
}

/** Resolves parameters computed from the data once, so that before and after bind the same values. */
export async function resolveQueries(db: Dialect, queries: readonly HotQuery[]): Promise<ResolvedQuery[]> {
  const out: ResolvedQuery[] = [];
  // Only the queries on tables this schema has (the others are hot paths of a newer schema).
  for (const query of await queriesOnTables(db, queries))
    out.push({ query, sql: hotQuerySql(query, db.name), params: await resolveParams(db, query.params) });
  return out;
}

/** How often a query is repeated: `runs` times, or fewer once its timed runs add up to `budgetMs`. */
export interface Repeats {
  readonly runs: number;
  /** Undefined: always `runs`. Never fewer than MIN_RUNS runs, so a median stays a median. */
  readonly budgetMs?: number;
}

export const MIN_RUNS = 3;

/**
 * One warm-up run, then the timed runs, each in a transaction that is rolled back (as `demo` times
 * them), so the data-changing hot queries (the cascade delete, the email update) change nothing.
 */
export async function measureQuery(
  db: Dialect,
  q: ResolvedQuery,
  repeats: Repeats,
): Promise<QueryMeasurement> {
  let rows = (await timeRolledBack(db, q.sql, q.params)).rows;
  const times: number[] = [];
  let spent = 0;
  for (let i = 0; i < repeats.runs; i++) {
    if (repeats.budgetMs !== undefined && i >= MIN_RUNS && spent >= repeats.budgetMs) break;
    const run = await timeRolledBack(db, q.sql, q.params);
    rows = run.rows;
    times.push(run.ms);
    spent += run.ms;
  }
  const plan = await db.explain(q.sql, q.params);
  const s = summarize(times);
  return {
    runs: times.length,
    p50Ms: s.p50,
    p95Ms: s.p95,
    rows,
    plan: plan.summary,
    indexesUsed: plan.indexesUsed,
    seqScans: plan.seqScans,
  };
}

export async function measureQueries(
  db: Dialect,
  queries: readonly ResolvedQuery[],
  repeats: Repeats,
): Promise<Map<string, QueryMeasurement>> {
  const out = new Map<string, QueryMeasurement>();
  for (const q of queries) out.set(q.query.name, await measureQuery(db, q, repeats));
  return out;
}
