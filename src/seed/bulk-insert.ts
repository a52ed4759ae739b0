/**
 * Fast loading through the Dialect seam, one transaction per table. How rows travel is data per dialect
 * (like the DDL types), chosen once here:
 * - PostgreSQL: `INSERT ... SELECT * FROM unnest($1::type[], ...)`, one array parameter per column, so a
 *   statement carries thousands of rows with a handful of parameters;
 * - SQLite: short multi-row INSERTs (about 100 parameters: SQLite looks named parameters up one by
 *   one, so very long statements cost more per row, not less).
 */
import type { Dialect, DialectName } from '../dialects/dialect.js';
import { quoteIdentifier } from '../dialects/render-sql.js';
import type { ColumnFact } from '../catalogue/contextforge/schema-facts.js';
import type { TableData } from './data-generator.js';

interface Loader {
  /** Rows per statement for a table of `width` columns. */
  rowsPerStatement(width: number): number;
  statement(table: string, columns: readonly ColumnFact[], rows: number): string;
  params(data: TableData, start: number, rows: number): unknown[];
}

const q = quoteIdentifier;

const PG_ARRAY_TYPES: Readonly<Record<string, string>> = {
  text: 'text',
  integer: 'int4',
  bigint: 'int8',
  boolean: 'bool',
  timestamptz: 'timestamptz',
  float: 'float8',
  json: 'json',
};

const unnestLoader: Loader = {
  rowsPerStatement: () => 5_000,
  statement: (table, columns) => {
    const arrays = columns.map((c, i) => `$${i + 1}::${PG_ARRAY_TYPES[c.type] ?? 'text'}[]`);
    return `INSERT INTO ${q(table)} (${columns.map((c) => q(c.name)).join(',')}) SELECT * FROM unnest(${arrays.join(',')})`;
  },
  params: (data, start, rows) => {
    const arrays: unknown[][] = data.columns.map(() => new Array<unknown>(rows));
    for (let i = 0; i < rows; i++) {
      const row = data.row(start + i);
      for (let c = 0; c < row.length; c++) (arrays[c] as unknown[])[i] = row[c];
    }
    return arrays;
  },
};

const valuesLoader: Loader = {
  rowsPerStatement: (width) => Math.max(1, Math.floor(100 / width)),
  statement: (table, columns, rows) => {
    const width = columns.length;
    const tuples: string[] = [];
    for (let r = 0; r < rows; r++) {
      tuples.push(`(${columns.map((_, c) => `$${r * width + c + 1}`).join(',')})`);
    }
    return `INSERT INTO ${q(table)} (${columns.map((c) => q(c.name)).join(',')}) VALUES ${tuples.join(',')}`;
  },
  params: (data, start, rows) => {
    const params: unknown[] = [];
    for (let i = start; i < start + rows; i++) params.push(...data.row(i));
    return params;
  },
};

const LOADERS: Readonly<Record<DialectName, Loader>> = { postgresql: unnestLoader, sqlite: valuesLoader };

/** Inserts every row of `data`; returns the number of rows written. */
export async function insertTable(
  db: Pick<Dialect, 'name' | 'transaction'>,
  columns: readonly ColumnFact[],
  data: TableData,
): Promise<number> {
  if (data.count === 0) return 0;
  const loader = LOADERS[db.name];
  const perStatement = loader.rowsPerStatement(columns.length);
  const fullSql = loader.statement(data.table, columns, perStatement);
  return db.transaction(async (tx) => {
    let written = 0;
    for (let start = 0; start < data.count; start += perStatement) {
      const rows = Math.min(perStatement, data.count - start);
      const sql = rows === perStatement ? fullSql : loader.statement(data.table, columns, rows);
      written += await tx.execute(sql, loader.params(data, start, rows));
    }
    return written;
  });
}
