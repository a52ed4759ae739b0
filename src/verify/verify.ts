/**
 * `verify`: EXPLAINs every hot query of a catalogue (PostgreSQL `EXPLAIN (FORMAT JSON)`, SQLite
 * `EXPLAIN QUERY PLAN`, through Dialect.explain) and reports, per query, the indexes used or the
 * sequential scans. A hot query that scans a large table sequentially fails the run. No planner setting
 * is changed: the plans are the ones the application gets.
 *
 * With a subset of phases selected, a hot query that needs a phase outside it is reported as "not
 * covered by the selected phases" and does not fail the run. A hot query whose own shape defeats any
 * index (HotQuery.shapeLimit) is reported with its rewrite instead of a verdict.
 */
import type { HotQuery } from '../catalogue/catalogue.js';
import type { Dialect } from '../dialects/dialect.js';
import { errorMessage } from '../errors.js';
import { hotQuerySql } from './hot-query-sql.js';
import { resolveParams } from './resolve-params.js';

/** Tables with at least this many (estimated) rows are "large": scanning one fails verify. */
export const DEFAULT_LARGE_TABLE_ROWS = 1_000;

export type QueryOutcome =
  'index' | 'small_scan' | 'seq_scan' | 'error' | 'not_covered' | 'no_table' | 'query_shape';

export interface QueryVerdict {
  readonly name: string;
  readonly description: string;
  readonly outcome: QueryOutcome;
  readonly indexesUsed: readonly string[];
  readonly seqScans: readonly string[];
  /** Sequentially scanned tables at or above the large-table threshold. */
  readonly largeSeqScans: readonly string[];
  readonly summary: string;
  /** not_covered: the needed phases outside the selection; query_shape: the rewrite. */
  readonly note?: string;
}

export interface VerifyReport {
  readonly ok: boolean;
  readonly largeTableRows: number;
  /** The phases verified against; undefined: every phase of the catalogue. */
  readonly phases?: readonly string[];
  readonly queries: readonly QueryVerdict[];
}

export interface VerifyOptions {
  readonly largeTableRows?: number;
  /** Verify only the hot queries these phases serve (default: all). */
  readonly phases?: readonly string[];
}

const PASSING: ReadonlySet<QueryOutcome> = new Set([
  'index',
  'small_scan',
  'not_covered',
  'no_table',
  'query_shape',
]);

export async function runVerify(
  db: Dialect,
  queries: readonly HotQuery[],
  options: VerifyOptions = {},
): Promise<VerifyReport> {
  const largeTableRows = options.largeTableRows ?? DEFAULT_LARGE_TABLE_ROWS;
  const { tables } = await db.introspect();
  const isLarge = (t: string): boolean => (tables.get(t)?.estimatedRows ?? 0) >= largeTableRows;
  const verdicts: QueryVerdict[] = [];
  for (const q of queries) {
    const missing = missingPhases(q, options.phases);
    const absent = q.tables.filter((t) => !tables.has(t));
    if (missing.length > 0) verdicts.push(skipped(q, 'not_covered', `needs phase ${missing.join(', ')}`));
    else if (absent.length > 0) verdicts.push(skipped(q, 'no_table', `no table ${absent.join(', ')}`));
    else verdicts.push(await verifyQuery(db, q, isLarge));
  }
  return {
    ok: verdicts.every((v) => PASSING.has(v.outcome)),
    largeTableRows,
    ...(options.phases ? { phases: options.phases } : {}),
    queries: verdicts,
  };
}

/** The queries whose tables all exist in this database (the others belong to a newer schema). */
export async function queriesOnTables(db: Dialect, queries: readonly HotQuery[]): Promise<HotQuery[]> {
  const { tables } = await db.introspect();
  return queries.filter((q) => q.tables.every((t) => tables.has(t)));
}

/** The phases a query needs that the selection leaves out (none when every phase is selected). */
export function missingPhases(q: HotQuery, selected: readonly string[] | undefined): string[] {
  if (selected === undefined) return [];
  return q.phases.filter((p) => !selected.includes(p));
}

/** A query verify does not run: its phases are not selected, or its tables are not in this schema. */
function skipped(q: HotQuery, outcome: 'not_covered' | 'no_table', note: string): QueryVerdict {
  return {
    name: q.name,
    description: q.description,
    outcome,
    indexesUsed: [],
    seqScans: [],
    largeSeqScans: [],
    summary: '',
    note,
  };
}

async function verifyQuery(db: Dialect, q: HotQuery, isLarge: (t: string) => boolean): Promise<QueryVerdict> {
  const base = { name: q.name, description: q.description };
  try {
    const plan = await db.explain(hotQuerySql(q, db.name), await resolveParams(db, q.params));
    const largeSeqScans = plan.seqScans.filter(isLarge);
    const scanOutcome: QueryOutcome =
      largeSeqScans.length > 0 ? 'seq_scan' : plan.seqScans.length > 0 ? 'small_scan' : 'index';
    const outcome: QueryOutcome = q.shapeLimit ? 'query_shape' : scanOutcome;
    return {
      ...base,
      outcome,
      indexesUsed: plan.indexesUsed,
      seqScans: plan.seqScans,
      largeSeqScans,
      summary: plan.summary,
      ...(q.shapeLimit ? { note: `${q.shapeLimit.why}; rewrite: ${q.shapeLimit.rewrite}` } : {}),
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

function describe(q: QueryVerdict): string {
  switch (q.outcome) {
    case 'index':
      return `index ${q.indexesUsed.join(', ') || '(primary key)'}`;
    case 'small_scan':
      return `scan of small table ${q.seqScans.join(', ')}`;
    case 'seq_scan':
      return `SEQUENTIAL SCAN of ${q.largeSeqScans.join(', ')}`;
    case 'error':
      return `ERROR ${q.summary}`;
    case 'not_covered':
      return `not covered by the selected phases (${q.note ?? ''})`;
    case 'no_table':
      return `not in this schema (${q.note ?? ''})`;
    case 'query_shape':
      return `query shape: ${q.note ?? ''}`;
  }
}

const MARK: Readonly<Record<QueryOutcome, string>> = {
  index: 'ok  ',
  small_scan: 'ok  ',
  seq_scan: 'FAIL',
  error: 'FAIL',
  not_covered: '--  ',
  no_table: '--  ',
  query_shape: 'NOTE',
};

/** One line per query, then the result: what `verify` prints. */
export function formatVerifyReport(report: VerifyReport): string {
  const width = Math.max(...report.queries.map((q) => q.name.length), 10);
  const lines = report.queries.map((q) => `${MARK[q.outcome]} ${q.name.padEnd(width)}  ${describe(q)}`);
  const count = (o: QueryOutcome): number => report.queries.filter((q) => q.outcome === o).length;
  const failed = count('seq_scan') + count('error');
  const checked = report.queries.length - count('not_covered') - count('no_table');
  const uncovered = [
    count('not_covered') > 0 ? `; ${count('not_covered')} not covered by the selected phases` : '',
    count('no_table') > 0 ? `; ${count('no_table')} on tables this schema does not have` : '',
  ].join('');
  lines.push(
    report.ok
      ? `verify: all ${checked} hot queries use an index (or scan a table under ${report.largeTableRows} rows)${uncovered}`
      : `verify: ${failed} of ${checked} hot queries scan a large table or failed; apply the catalogue's phases (index-operator up)${uncovered}`,
  );
  return lines.join('\n');
}
