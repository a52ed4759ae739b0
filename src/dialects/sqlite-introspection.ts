/**
 * SQLite introspection: sqlite_schema plus pragma table_info / index_list / index_xinfo /
 * foreign_key_list. A partial index's predicate is read back from the WHERE of its CREATE statement.
 * Internal `sqlite_*` tables are skipped; the autoindexes behind UNIQUE / PRIMARY KEY constraints are
 * kept (they are real unique indexes).
 */
import { canonicalPredicate, type Condition, type PredicateLiteral } from '../catalogue/index-definition.js';
import type {
  Dialect,
  ExistingIndex,
  ForeignKeyInfo,
  IntrospectScope,
  SchemaSnapshot,
  TableInfo,
} from './dialect.js';
import { parsePredicateTokens, tokenize } from './predicate-parser.js';

type Query = Dialect['query'];

interface ColumnRow extends Record<string, unknown> {
  name: string;
  type: string;
  pk: number;
}

const TABLES_SQL = `SELECT name FROM sqlite_schema
  WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name`;

/** The scope's tables and the tables of the indexes of its names (arrays bound as JSON text). */
const SCOPED_TABLES_SQL = `SELECT name FROM sqlite_schema
  WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'
    AND (name IN (SELECT value FROM json_each($1))
      OR name IN (SELECT tbl_name FROM sqlite_schema WHERE type = 'index'
                  AND name IN (SELECT value FROM json_each($2))))
  ORDER BY name`;

/** Every table, or with a scope only the tables it needs (see Dialect.introspect), each in full. */
export async function introspectSqlite(query: Query, scope?: IntrospectScope): Promise<SchemaSnapshot> {
  const names =
    scope === undefined
      ? await query<{ name: string }>(TABLES_SQL)
      : await query<{ name: string }>(SCOPED_TABLES_SQL, [
          JSON.stringify(scope.tables),
          JSON.stringify(scope.indexes),
        ]);
  const hasStat = (await query(`SELECT 1 FROM sqlite_schema WHERE name = 'sqlite_stat1'`)).length > 0;
  const tables = new Map<string, TableInfo>();
  const indexes: ExistingIndex[] = [];
  const foreignKeys: ForeignKeyInfo[] = [];
  for (const { name } of names) {
    const columns = await query<ColumnRow>('SELECT name, type, pk FROM pragma_table_info($1) ORDER BY cid', [
      name,
    ]);
    tables.set(name, {
      name,
      columns: columns.map((c) => c.name),
      estimatedRows: await rowEstimate(query, name, hasStat),
    });
    indexes.push(...(await tableIndexes(query, name, columns)));
    foreignKeys.push(...(await tableForeignKeys(query, name)));
  }
  return { tables, indexes, foreignKeys };
}

/**
 * sqlite_stat1's row count when ANALYZE counted the table; else, for a rowid table, its largest rowid (one
 * b-tree descent: the rows inserted, more than there are after deletes), and only a WITHOUT ROWID table is
 * counted. A table loses its stat1 rows with its last index (DROP INDEX deletes them: after `down`, the
 * metrics tables of the catalogue), and counting those on every re-check before a build took 70% of the
 * engine's introspection time after a rollback at 100k (~108 ms a read, 10x that at 1m).
 */
async function rowEstimate(query: Query, table: string, hasStat: boolean): Promise<number> {
  if (hasStat) {
    const stat = await query<{ stat: string }>('SELECT stat FROM sqlite_stat1 WHERE tbl = $1 LIMIT 1', [
      table,
    ]);
    const n = Number(stat[0]?.stat.split(' ')[0]);
    if (Number.isFinite(n) && stat.length > 0) return n;
  }
  const quoted = `"${table.replaceAll('"', '""')}"`;
  const kind = await query<{ wr: number }>('SELECT wr FROM pragma_table_list WHERE name = $1', [table]);
  const rows =
    kind[0]?.wr === 0
      ? await query<{ n: number | null }>(`SELECT max(_rowid_) AS n FROM ${quoted}`)
      : await query<{ n: number | null }>(`SELECT count(*) AS n FROM ${quoted}`);
  return rows[0] === undefined ? -1 : (rows[0].n ?? 0);
}

interface IndexListRow extends Record<string, unknown> {
  name: string;
  unique: number;
  origin: string;
}

interface XInfoRow extends Record<string, unknown> {
  cid: number;
  name: string | null;
  desc: number;
  key: number;
}

async function tableIndexes(
  query: Query,
  table: string,
  columns: readonly ColumnRow[],
): Promise<ExistingIndex[]> {
  const list = await query<IndexListRow>(
    'SELECT name, "unique", origin FROM pragma_index_list($1) ORDER BY name',
    [table],
  );
  const out: ExistingIndex[] = [];
  for (const idx of list) {
    const info = await query<XInfoRow>(
      'SELECT cid, name, "desc", key FROM pragma_index_xinfo($1) ORDER BY seqno',
      [idx.name],
    );
    const sql =
      (
        await query<{ sql: string | null }>(
          `SELECT sql FROM sqlite_schema WHERE type = 'index' AND name = $1`,
          [idx.name],
        )
      )[0]?.sql ?? null;
    const keys = info.filter((c) => c.key === 1);
    out.push({
      name: idx.name,
      table,
      columns: keys.map((c) =>
        c.cid === -2 || c.name === null
          ? { name: null, order: orderOf(c) }
          : { name: c.name, order: orderOf(c) },
      ),
      include: [],
      unique: idx.unique === 1,
      primary: idx.origin === 'pk',
      predicate: sql === null ? '' : predicateOf(sql, columns),
      valid: true,
      ready: true,
      definition:
        sql ??
        `${idx.origin === 'pk' ? 'PRIMARY KEY' : 'UNIQUE'} (${keys.map((k) => k.name ?? '?').join(', ')}) ON ${table}`,
    });
  }
  return out;
}

function orderOf(c: XInfoRow): 'ASC' | 'DESC' {
  return c.desc === 1 ? 'DESC' : 'ASC';
}

/** Canonical predicate from a CREATE INDEX statement; 0/1 compared with a BOOLEAN column read as false/true. */
export function predicateOf(createSql: string, columns: readonly { name: string; type: string }[]): string {
  const tokens = tokenize(createSql);
  const at = tokens?.findIndex((t) => t.t === 'id' && !t.quoted && t.v.toUpperCase() === 'WHERE') ?? -1;
  if (tokens === undefined || at < 0) {
    const raw = /\bWHERE\b([\s\S]*)$/i.exec(createSql)?.[1];
    return raw === undefined ? '' : raw.trim();
  }
  const conds = parsePredicateTokens(tokens.slice(at + 1));
  if (conds === undefined) return createSql.slice(createSql.search(/\bWHERE\b/i) + 5).trim();
  const booleans = new Set(columns.filter((c) => /BOOL/i.test(c.type)).map((c) => c.name));
  return canonicalPredicate(conds.map((c) => (booleans.has(c.column) ? asBooleanCondition(c) : c)));
}

function asBoolean(v: PredicateLiteral): PredicateLiteral {
  return v === 1 ? true : v === 0 ? false : v;
}

function asBooleanCondition(c: Condition): Condition {
  switch (c.op) {
    case '=':
    case '<>':
      return { ...c, value: asBoolean(c.value) };
    case 'IN':
      return { ...c, values: c.values.map(asBoolean) };
    case 'IS NULL':
    case 'IS NOT NULL':
      return c;
  }
}

interface ForeignKeyRow extends Record<string, unknown> {
  id: number;
  table: string;
  from: string;
  to: string | null;
}

async function tableForeignKeys(query: Query, table: string): Promise<ForeignKeyInfo[]> {
  const rows = await query<ForeignKeyRow>(
    'SELECT id, "table", "from", "to" FROM pragma_foreign_key_list($1) ORDER BY id, seq',
    [table],
  );
  const byId = new Map<number, ForeignKeyRow[]>();
  for (const r of rows) byId.set(r.id, [...(byId.get(r.id) ?? []), r]);
  const out: ForeignKeyInfo[] = [];
  for (const [id, parts] of byId) {
    const refTable = parts[0]?.table ?? '';
    // A REFERENCES without columns points at the referenced table's primary key.
    const pk = parts.some((p) => p.to === null)
      ? (
          await query<{ name: string }>('SELECT name FROM pragma_table_info($1) WHERE pk > 0 ORDER BY pk', [
            refTable,
          ])
        ).map((c) => c.name)
      : [];
    out.push({
      name: `${table}_fk${id}`,
      table,
      columns: parts.map((p) => p.from),
      refTable,
      refColumns: parts.map((p, i) => p.to ?? pk[i] ?? ''),
    });
  }
  return out;
}
