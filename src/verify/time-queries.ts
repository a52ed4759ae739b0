/**
 * Times hot queries: the median of several runs of each, parameters bound. Every run happens in a
 * transaction that is rolled back, so the DELETE and UPDATE hot queries change nothing.
 */
import type { HotQuery } from '../catalogue/catalogue.js';
import type { Dialect } from '../dialects/dialect.js';
import { hotQuerySql } from './hot-query-sql.js';
import { resolveParams } from './resolve-params.js';
import { median } from '../median.js';

export interface QueryTiming {
  readonly name: string;
  readonly medianMs: number;
  readonly runs: number;
}

class RollBack extends Error {
  constructor(readonly run: TimedRun) {
    super('roll back the timed run');
  }
}

export interface TimedRun {
  readonly ms: number;
  /** Rows the statement returned. */
  readonly rows: number;
}

/** One run of the statement inside a transaction that is rolled back; only the statement is timed. */
export async function timeRolledBack(
  db: Dialect,
  sql: string,
  params: readonly unknown[],
): Promise<TimedRun> {
  try {
    await db.transaction(async (tx) => {
      const t0 = performance.now();
      const result = await tx.query(sql, params);
      throw new RollBack({ ms: performance.now() - t0, rows: result.length });
    });
  } catch (e) {
    if (e instanceof RollBack) return e.run;
    throw e;
  }
  return { ms: 0, rows: 0 };
}

export { median };

/** Median of `runs` runs per query, after one warm-up run. */
export async function timeQueries(
  db: Dialect,
  queries: readonly HotQuery[],
  runs: number,
): Promise<QueryTiming[]> {
  const out: QueryTiming[] = [];
  for (const q of queries) {
    const params = await resolveParams(db, q.params);
    const sql = hotQuerySql(q, db.name);
    await timeRolledBack(db, sql, params);
    const samples: number[] = [];
    for (let i = 0; i < runs; i++) samples.push((await timeRolledBack(db, sql, params)).ms);
    out.push({ name: q.name, medianMs: median(samples), runs });
  }
  return out;
}
