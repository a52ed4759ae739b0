/** Times each hot query (median and p95 over runs) and records its plan. */
import type { HotQuery } from '../src/catalogue/catalogue.js';
import type { Dialect } from '../src/dialects/dialect.js';
import type { QueryMeasurement } from './bench-result.js';
import { summarize } from './stats.js';
import { nowMs } from './timer.js';

export interface ResolvedQuery {
  readonly query: HotQuery;
  readonly params: readonly unknown[];
}

/** Resolves parameters that are computed from the data (functions) once, so before and after bind the same values. */
export async function resolveQueries(db: Dialect, queries: readonly HotQuery[]): Promise<ResolvedQuery[]> {
  const out: ResolvedQuery[] = [];
  for (const query of queries) {
    const params: unknown[] = [];
    for (const p of query.params) {
      params.push(typeof p === 'function' ? await (p as (d: Dialect) => Promise<unknown>)(db) : p);
    }
    out.push({ query, params });
  }
  return out;
}

class RollBack extends Error {}

/**
 * Runs the query once and returns its row count and time. A statement that changes data (the cascade
 * delete, the email update) runs inside a transaction that is rolled back, so every run, before and
 * after, sees the same data; only the statement itself is timed.
 */
async function runOnce(db: Dialect, q: ResolvedQuery): Promise<{ rows: number; ms: number }> {
  if (!/^\s*(delete|update|insert)\b/i.test(q.query.sql)) {
    const t0 = nowMs();
    const rows = (await db.query(q.query.sql, q.params)).length;
    return { rows, ms: nowMs() - t0 };
  }
  let out = { rows: 0, ms: 0 };
  await db
    .transaction(async (tx) => {
      const t0 = nowMs();
      const rows = await tx.execute(q.query.sql, q.params);
      out = { rows, ms: nowMs() - t0 };
      throw new RollBack();
    })
    .catch((e: unknown) => {
      if (!(e instanceof RollBack)) throw e;
    });
  return out;
}

export async function measureQuery(db: Dialect, q: ResolvedQuery, runs: number): Promise<QueryMeasurement> {
  // one warm-up run so that the first measurement does not pay for a cold cache alone
  let rows = (await runOnce(db, q)).rows;
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const r = await runOnce(db, q);
    rows = r.rows;
    times.push(r.ms);
  }
  const plan = await db.explain(q.query.sql, q.params);
  const s = summarize(times);
  return {
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
  runs: number,
): Promise<Map<string, QueryMeasurement>> {
  const out = new Map<string, QueryMeasurement>();
  for (const q of queries) out.set(q.query.name, await measureQuery(db, q, runs));
  return out;
}
