/**
 * Bulk loading and value binding for the SQLite dialect, free of the driver: the dialect prepares the
 * statements and runs them inside its transaction. Rows go in multi-row INSERTs of about
 * BULK_PARAMETERS bound values (one compiled statement run over and over: the fastest pattern for a
 * synchronous driver), and the rows that do not fill a whole statement one at a time.
 */
import type { BulkRows } from './dialect.js';
import { quoteIdentifier } from './render-sql.js';

/** Bound values per bulk INSERT statement (well under SQLITE_MAX_VARIABLE_NUMBER). */
export const BULK_PARAMETERS = 500;

/** Runs one prepared statement with positional values; returns the rows it changed. */
export type RunPrepared = (args: readonly unknown[]) => number;

/** Rows per multi-row INSERT for a table `width` columns wide. */
export function rowsPerInsert(width: number): number {
  return Math.max(1, Math.floor(BULK_PARAMETERS / Math.max(1, width)));
}

/** `INSERT INTO t (c1, ...) VALUES (?, ...), ...` for `count` rows. */
export function insertSql(rows: Pick<BulkRows, 'table' | 'columns'>, count: number): string {
  const tuple = `(${rows.columns.map(() => '?').join(', ')})`;
  const columns = rows.columns.map(quoteIdentifier).join(', ');
  const values = Array<string>(count).fill(tuple).join(', ');
  return `INSERT INTO ${quoteIdentifier(rows.table)} (${columns}) VALUES ${values}`;
}

/** Every row through `many` (rowsPerInsert rows a run), the rest through `one`; returns rows written. */
export function insertAll(rows: BulkRows, many: RunPrepared, one: RunPrepared): number {
  const width = rows.columns.length;
  const perRun = rowsPerInsert(width);
  const args = new Array<unknown>(perRun * width);
  let written = 0;
  let i = 0;
  for (; i + perRun <= rows.count; i += perRun) {
    for (let r = 0; r < perRun; r++) fill(args, r * width, rows.row(i + r));
    written += many(args);
  }
  const single = new Array<unknown>(width);
  for (; i < rows.count; i++) {
    fill(single, 0, rows.row(i));
    written += one(single);
  }
  return written;
}

function fill(args: unknown[], at: number, row: readonly unknown[]): void {
  for (let c = 0; c < row.length; c++) args[at + c] = toSqliteValue(row[c]);
}

/** The names of `$1..$n` as SQLite sees them ("1".."n"), made once and reused. */
const PARAMETER_NAMES: string[] = [];

function parameterName(i: number): string {
  for (let n = PARAMETER_NAMES.length; n <= i; n++) PARAMETER_NAMES.push(String(n + 1));
  return PARAMETER_NAMES[i] ?? String(i + 1);
}

/** `$1..$n` are SQLite named parameters "1".."n": bind them by name; booleans as 1/0, dates as ISO text. */
export function bindings(params: readonly unknown[]): [] | [Record<string, unknown>] {
  if (params.length === 0) return [];
  const named: Record<string, unknown> = {};
  for (let i = 0; i < params.length; i++) named[parameterName(i)] = toSqliteValue(params[i]);
  return [named];
}

export function toSqliteValue(v: unknown): unknown {
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (v instanceof Date) return v.toISOString();
  if (v === undefined) return null;
  return v;
}
