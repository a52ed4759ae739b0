/**
 * `verify`: EXPLAINs every hot query of a catalogue (PostgreSQL `EXPLAIN (FORMAT JSON)`, SQLite
 * `EXPLAIN QUERY PLAN`, through Dialect.explain) and reports, per query, the indexes used or the
 * sequential scans. A hot query that scans a large table sequentially fails the run. No planner setting
 * is changed: the plans are the ones the application gets.
 */
import type { HotQuery } from '../catalogue/catalogue.js';
import type { Dialect } from '../dialects/dialect.js';
import { errorMessage } from '../errors.js';
import { resolveParams } from './resolve-params.js';

/** Tables with at least this many (estimated) rows are "large": scanning one fails verify. */
export const DEFAULT_LARGE_TABLE_ROWS = 1_000;

export type QueryOutcome = 'index' | 'small_scan' | 'seq_scan' | 'error';

export interface QueryVerdict {
  readonly name: string;
  readonly description: string;
  readonly outcome: QueryOutcome;
  readonly indexesUsed: readonly string[];
  readonly seqScans: readonly string[];
  /** Sequentially scanned tables at or above the large-table threshold. */
  readonly largeSeqScans: readonly string[];
  readonly summary: string;
}

export interface VerifyReport {
  readonly ok: boolean;
  readonly largeTableRows: number;
  readonly queries: readonly QueryVerdict[];
}

export interface VerifyOptions {
  readonly largeTableRows?: number;
}

export async function runVerify(
  db: Dialect,
  queries: readonly HotQuery[],
  options: VerifyOptions = {},
): Promise<VerifyReport> {
  const largeTableRows = options.largeTableRows ?? DEFAULT_LARGE_TABLE_ROWS;
  const { tables } = await db.introspect();
  const isLarge = (t: string): boolean => (tables.get(t)?.estimatedRows ?? 0) >= largeTableRows;
  const verdicts: QueryVerdict[] = [];
  for (const q of queries) verdicts.push(await verifyQuery(db, q, isLarge));
  return {
    ok: verdicts.every((v) => v.outcome === 'index' || v.outcome === 'small_scan'),
    largeTableRows,
    queries: verdicts,
  };
}

async function verifyQuery(db: Dialect, q: HotQuery, isLarge: (t: string) => boolean): Promise<QueryVerdict> {
  const base = { name: q.name, description: q.description };
  try {
    const plan = await db.explain(q.sql, await resolveParams(db, q.params));
    const largeSeqScans = plan.seqScans.filter(isLarge);
    const outcome: QueryOutcome =
      largeSeqScans.length > 0 ? 'seq_scan' : plan.seqScans.length > 0 ? 'small_scan' : 'index';
    return {
      ...base,
      outcome,
      indexesUsed: plan.indexesUsed,
      seqScans: plan.seqScans,
      largeSeqScans,
      summary: plan.summary,
    };
  } catch (e) {
    return {
      ...base,
      outcome: 'error',
      indexesUsed: [],
      seqScans: [],
      largeSeqScans: [],
      summary: errorMessage(e),
    };
  }
}

/** One line per query, then the result: what `verify` prints. */
export function formatVerifyReport(report: VerifyReport): string {
  const width = Math.max(...report.queries.map((q) => q.name.length), 10);
  const lines = report.queries.map((q) => {
    const what =
      q.outcome === 'index'
        ? `index ${q.indexesUsed.join(', ') || '(primary key)'}`
        : q.outcome === 'small_scan'
          ? `scan of small table ${q.seqScans.join(', ')}`
          : q.outcome === 'seq_scan'
            ? `SEQUENTIAL SCAN of ${q.largeSeqScans.join(', ')}`
            : `ERROR ${q.summary}`;
    return `${q.outcome === 'seq_scan' || q.outcome === 'error' ? 'FAIL' : 'ok  '} ${q.name.padEnd(width)}  ${what}`;
  });
  const failed = report.queries.filter((q) => q.outcome === 'seq_scan' || q.outcome === 'error').length;
  lines.push(
    report.ok
      ? `verify: all ${report.queries.length} hot queries use an index (or scan a table under ${report.largeTableRows} rows)`
      : `verify: ${failed} of ${report.queries.length} hot queries scan a large table or failed; apply the catalogue's phases (index-operator up)`,
  );
  return lines.join('\n');
}
