/** Times each hot query (median and p95 over runs) and records its plan. */
import type { HotQuery } from '../src/catalogue/catalogue.js';
import type { Dialect } from '../src/dialects/dialect.js';
import { hotQuerySql } from '../src/verify/hot-query-sql.js';
import { resolveParams } from '../src/verify/resolve-params.js';
import { timeRolledBack } from '../src/verify/time-queries.js';
import { queriesOnTables } from '../src/verify/verify.js';
import type { QueryMeasurement, ServerTime } from './bench-result.js';
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
  /**
   * After its `runs`, a query is timed on until it has this many runs or its timed runs add up to
   * CHEAP_QUERY_BUDGET_MS (undefined: never). A sub-ms p50 is mostly the round trip: over 15 runs it
   * swung up to 4x between passes with nothing changed, over 100 mostly within 10% (README: PostgreSQL
   * 1m, 2026-12-03). Decided by time spent, not by the first p50, so a burst of other work during the
   * first runs does not keep a cheap query at 15 runs on one side only.
   */
  readonly cheapRuns?: number;
}

export const MIN_RUNS = 3;
export const CHEAP_QUERY_RUNS = 100;
export const CHEAP_QUERY_BUDGET_MS = 250;

/**
 * One warm-up run, then the timed runs (more for a cheap query, see Repeats.cheapRuns), each in a
 * transaction that is rolled back (as `demo` times them), so the data-changing hot queries (the cascade
 * delete, the email update) change nothing.
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
  if (repeats.cheapRuns !== undefined && times.length === repeats.runs)
    while (times.length < repeats.cheapRuns && spent < CHEAP_QUERY_BUDGET_MS) {
      const run = await timeRolledBack(db, q.sql, q.params);
      times.push(run.ms);
      spent += run.ms;
    }
  const plan = await db.explain(q.sql, q.params);
  const s = summarize(times);
  const server =
    db.name === 'postgresql'
      ? await serverTime(db, q, s.p50 < SERVER_TIME_CHEAP_MS ? SERVER_TIME_RUNS : 1)
      : undefined;
  return {
    runs: times.length,
    p50Ms: s.p50,
    p95Ms: s.p95,
    rows,
    plan: plan.summary,
    indexesUsed: plan.indexesUsed,
    seqScans: plan.seqScans,
    ...(server ? { server } : {}),
  };
}

/** EXPLAIN ANALYZE runs per query for the server's time: this many below SERVER_TIME_CHEAP_MS, else one. */
export const SERVER_TIME_RUNS = 5;
export const SERVER_TIME_CHEAP_MS = 10;

/**
 * PostgreSQL's own planning and execution time for the statement (EXPLAIN (ANALYZE, BUFFERS), each run
 * rolled back like the timed ones), the median run by planning + execution: the part of the client-side
 * p50 that is the server's work, and whether it read pages from outside shared_buffers.
 */
export async function serverTime(db: Dialect, q: ResolvedQuery, runs: number): Promise<ServerTime> {
  const samples: Omit<ServerTime, 'runs'>[] = [];
  for (let i = 0; i < runs; i++) {
    try {
      await db.transaction(async (tx) => {
        const out = await tx.query<{ 'QUERY PLAN': unknown }>(
          `EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${q.sql}`,
          q.params,
        );
        throw new Explained(explainedTime(out[0]?.['QUERY PLAN']));
      });
    } catch (e) {
      if (!(e instanceof Explained)) throw e;
      samples.push(e.time);
    }
  }
  samples.sort((a, b) => a.planningMs + a.executionMs - (b.planningMs + b.executionMs));
  const mid = samples[Math.floor((samples.length - 1) / 2)];
  if (!mid) throw new Error(`bench: no EXPLAIN ANALYZE run of ${q.query.name}`);
  return { runs: samples.length, ...mid };
}

class Explained extends Error {
  constructor(readonly time: Omit<ServerTime, 'runs'>) {
    super('roll back the explained run');
  }
}

/** Reads the times and shared buffers out of EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON)'s document. */
export function explainedTime(doc: unknown): Omit<ServerTime, 'runs'> {
  const top = (Array.isArray(doc) ? doc[0] : doc) as Record<string, unknown> | undefined;
  const num = (o: unknown, key: string): number => {
    const v = (o as Record<string, unknown> | undefined)?.[key];
    return typeof v === 'number' ? v : 0;
  };
  const planning = top?.['Planning'];
  const plan = top?.['Plan'];
  if (top === undefined || typeof top['Execution Time'] !== 'number')
    throw new Error('bench: EXPLAIN ANALYZE gave no execution time');
  return {
    planningMs: num(top, 'Planning Time'),
    executionMs: num(top, 'Execution Time'),
    sharedHit: num(planning, 'Shared Hit Blocks') + num(plan, 'Shared Hit Blocks'),
    sharedRead: num(planning, 'Shared Read Blocks') + num(plan, 'Shared Read Blocks'),
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
