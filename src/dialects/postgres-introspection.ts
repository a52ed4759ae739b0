/**
 * PostgreSQL introspection from pg_catalog, in the connection's current_schema(). Takes a query
 * function so it holds no driver code of its own.
 */
import { canonicalPredicate } from '../catalogue/index-definition.js';
import type {
  Dialect,
  ExistingIndex,
  ForeignKeyInfo,
  IntrospectScope,
  SchemaSnapshot,
  TableInfo,
} from './dialect.js';
import { parsePredicate } from './predicate-parser.js';

type Query = Dialect['query'];

const TABLES_SQL = `
SELECT c.relname AS name, c.reltuples::float8 AS reltuples,
  array(SELECT a.attname::text FROM pg_attribute a
        WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum) AS columns
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p')
  AND ($1::text[] IS NULL OR c.relname = ANY($1::text[]))
ORDER BY c.relname`;

const INDEXES_SQL = `
SELECT i.relname AS name, t.relname AS table_name, x.indisunique AS is_unique,
  x.indisprimary AS is_primary, x.indisvalid AS is_valid, x.indisready AS is_ready,
  x.indnkeyatts AS key_count, x.indoption::int2[] AS options,
  array(SELECT coalesce(a.attname::text, '')
        FROM unnest(x.indkey::int2[]) WITH ORDINALITY k(attnum, ord)
        LEFT JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = k.attnum
        ORDER BY k.ord) AS columns,
  pg_get_indexdef(x.indexrelid) AS definition,
  pg_get_expr(x.indpred, x.indrelid) AS predicate
FROM pg_index x
JOIN pg_class i ON i.oid = x.indexrelid
JOIN pg_class t ON t.oid = x.indrelid
JOIN pg_namespace n ON n.oid = t.relnamespace
WHERE n.nspname = current_schema()
  AND ($1::text[] IS NULL OR t.relname = ANY($1::text[]) OR i.relname = ANY($2::text[]))
ORDER BY t.relname, i.relname`;

const FOREIGN_KEYS_SQL = `
SELECT con.conname AS name, t.relname AS table_name, r.relname AS ref_table,
  array(SELECT a.attname::text FROM unnest(con.conkey) WITH ORDINALITY k(attnum, ord)
        JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum ORDER BY k.ord) AS columns,
  array(SELECT a.attname::text FROM unnest(con.confkey) WITH ORDINALITY k(attnum, ord)
        JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.attnum ORDER BY k.ord) AS ref_columns
FROM pg_constraint con
JOIN pg_class t ON t.oid = con.conrelid
JOIN pg_class r ON r.oid = con.confrelid
JOIN pg_namespace n ON n.oid = t.relnamespace
WHERE con.contype = 'f' AND n.nspname = current_schema()
ORDER BY t.relname, con.conname`;

interface IndexRow extends Record<string, unknown> {
  name: string;
  table_name: string;
  is_unique: boolean;
  is_primary: boolean;
  is_valid: boolean;
  is_ready: boolean;
  key_count: number;
  options: number[];
  columns: string[];
  definition: string;
  predicate: string | null;
}

/** INDOPTION_DESC: bit 0 of pg_index.indoption for a key column. */
const INDOPTION_DESC = 1;

/** The schema; with a scope, only its tables and the indexes on them or of its names, no foreign keys. */
export async function introspectPostgres(query: Query, scope?: IntrospectScope): Promise<SchemaSnapshot> {
  const [tables, indexes, foreignKeys] = await Promise.all([
    query<{ name: string; reltuples: number; columns: string[] }>(TABLES_SQL, [scope?.tables ?? null]),
    query<IndexRow>(INDEXES_SQL, [scope?.tables ?? null, scope?.indexes ?? []]),
    scope === undefined
      ? query<{
          name: string;
          table_name: string;
          ref_table: string;
          columns: string[];
          ref_columns: string[];
        }>(FOREIGN_KEYS_SQL)
      : [],
  ]);
  return {
    tables: new Map<string, TableInfo>(
      tables.map((t) => [
        t.name,
        { name: t.name, columns: t.columns, estimatedRows: t.reltuples < 0 ? -1 : Math.round(t.reltuples) },
      ]),
    ),
    indexes: indexes.map(toExistingIndex),
    foreignKeys: foreignKeys.map((f): ForeignKeyInfo => ({
      name: f.name,
      table: f.table_name,
      columns: f.columns,
      refTable: f.ref_table,
      refColumns: f.ref_columns,
    })),
  };
}

function toExistingIndex(row: IndexRow): ExistingIndex {
  const keys = row.columns.slice(0, row.key_count);
  return {
    name: row.name,
    table: row.table_name,
    columns: keys.map((name, i) => ({
      name: name === '' ? null : name,
      order: ((row.options[i] ?? 0) & INDOPTION_DESC) !== 0 ? 'DESC' : 'ASC',
    })),
    include: row.columns.slice(row.key_count).filter((c) => c !== ''),
    unique: row.is_unique,
    primary: row.is_primary,
    predicate: canonicalFromSql(row.predicate),
    valid: row.is_valid,
    ready: row.is_ready,
    definition: row.definition,
  };
}

/** Canonical form of a reported predicate; text outside the Condition grammar is returned as is. */
export function canonicalFromSql(sql: string | null): string {
  if (sql === null || sql.trim() === '') return '';
  const conds = parsePredicate(sql);
  return conds === undefined ? sql.trim() : canonicalPredicate(conds);
}
