/**
 * Table sizes for the build-time estimate (src/engine/estimate.ts), one reader per dialect over its
 * query function: what the database already keeps (SQLite keeps nothing: its pages are walked).
 * - PostgreSQL: pg_relation_size (the heap's main fork) and pg_class.reltuples;
 * - SQLite: the table's b-tree pages from the dbstat virtual table, rows from sqlite_stat1 when ANALYZE ran
 *   (else a count: the pages are walked anyway);
 * - MariaDB: information_schema.TABLES data_length and table_rows (InnoDB's own estimates).
 * Tables that do not exist are left out of the result.
 */
import type { Dialect, TableSize } from './dialect.js';

type Query = Dialect['query'];

const POSTGRES_SQL = `
SELECT c.relname AS name, pg_relation_size(c.oid)::float8 AS bytes, c.reltuples::float8 AS rows
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND c.relname = ANY($1::text[])`;

export async function postgresTableSizes(
  query: Query,
  tables: readonly string[],
): Promise<Map<string, TableSize>> {
  if (tables.length === 0) return new Map();
  const rows = await query<{ name: string; bytes: number; rows: number }>(POSTGRES_SQL, [[...tables]]);
  return new Map(rows.map((r) => [r.name, size(r.bytes, r.rows < 0 ? -1 : r.rows)]));
}

export async function sqliteTableSizes(
  query: Query,
  tables: readonly string[],
): Promise<Map<string, TableSize>> {
  const out = new Map<string, TableSize>();
  const hasStat = (await query(`SELECT 1 FROM sqlite_schema WHERE name = 'sqlite_stat1'`)).length > 0;
  const existing = new Set(
    (await query<{ name: string }>(`SELECT name FROM sqlite_schema WHERE type = 'table'`)).map((r) => r.name),
  );
  for (const name of new Set(tables)) {
    if (!existing.has(name)) continue;
    // dbstat walks only the b-tree named by a plain equality on name (any other condition on name
    // makes it walk the whole file: 5x slower at 100k).
    const pages = await query<{ bytes: number | null }>(
      `SELECT sum(pgsize) AS bytes FROM dbstat WHERE aggregate = TRUE AND name = $1`,
      [name],
    );
    const bytes = pages[0]?.bytes;
    if (bytes === null || bytes === undefined) continue;
    out.set(name, size(bytes, await sqliteRows(query, name, hasStat)));
  }
  return out;
}

/** sqlite_stat1's row count when ANALYZE ran, else a count (SQLite keeps no estimate of its own). */
async function sqliteRows(query: Query, table: string, hasStat: boolean): Promise<number> {
  if (hasStat) {
    const stat = await query<{ stat: string }>('SELECT stat FROM sqlite_stat1 WHERE tbl = $1 LIMIT 1', [
      table,
    ]);
    const n = Number(stat[0]?.stat.split(' ')[0]);
    if (stat.length > 0 && Number.isFinite(n)) return n;
  }
  const rows = await query<{ n: number }>(`SELECT count(*) AS n FROM "${table.replaceAll('"', '""')}"`);
  return rows[0]?.n ?? -1;
}

export async function mariadbTableSizes(
  query: Query,
  tables: readonly string[],
): Promise<Map<string, TableSize>> {
  if (tables.length === 0) return new Map();
  const names = [...new Set(tables)];
  const rows = await query<{ name: string; bytes: number | null; table_rows: number | null }>(
    `SELECT TABLE_NAME AS name, DATA_LENGTH AS bytes, TABLE_ROWS AS table_rows FROM information_schema.TABLES
      WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'BASE TABLE'
        AND TABLE_NAME IN (${names.map((_, i) => `$${i + 1}`).join(', ')})`,
    names,
  );
  return new Map(
    rows.map((r) => [r.name, size(r.bytes ?? 0, r.table_rows === null ? -1 : Number(r.table_rows))]),
  );
}

function size(bytes: number, rows: number): TableSize {
  return { bytes: Math.max(0, Number(bytes)), rows: Math.round(Number(rows)) };
}
