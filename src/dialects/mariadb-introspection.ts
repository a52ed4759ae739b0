/**
 * MariaDB introspection from information_schema (TABLES, COLUMNS, STATISTICS, KEY_COLUMN_USAGE) in the
 * connection's current database. MariaDB has no partial and no INVALID indexes: every index is full,
 * valid and ready. Each column also reports how it counts in an index key (utf8mb4 text 4 bytes a
 * character; TEXT/BLOB only by a prefix), so the planner checks InnoDB's key limits before a build.
 */
import type {
  ColumnKeyInfo,
  Dialect,
  ExistingIndex,
  ForeignKeyInfo,
  IntrospectScope,
  SchemaSnapshot,
  TableInfo,
} from './dialect.js';
import { fkIndexName } from './mariadb-sql.js';

type Query = Dialect['query'];

// `{scope}` is replaced by a TABLE_NAME (and for STATISTICS, INDEX_NAME) filter when introspection is
// scoped: information_schema then opens only those tables instead of every table of the database.
const TABLES_SQL = `SELECT TABLE_NAME AS name, TABLE_ROWS AS table_rows, ENGINE AS engine FROM information_schema.TABLES
  WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'BASE TABLE'{scope} ORDER BY TABLE_NAME`;

const COLUMNS_SQL = `SELECT TABLE_NAME AS table_name, COLUMN_NAME AS name, DATA_TYPE AS data_type,
    COLUMN_TYPE AS column_type, CHARACTER_OCTET_LENGTH AS octets, CHARACTER_MAXIMUM_LENGTH AS chars
  FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE(){scope}
  ORDER BY TABLE_NAME, ORDINAL_POSITION`;

const INDEXES_SQL = `SELECT TABLE_NAME AS table_name, INDEX_NAME AS name, NON_UNIQUE AS non_unique,
    COLUMN_NAME AS column_name, COLLATION AS collation, SUB_PART AS sub_part, INDEX_TYPE AS index_type
  FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE(){scope}
  ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX`;

const FOREIGN_KEYS_SQL = `SELECT CONSTRAINT_NAME AS name, TABLE_NAME AS table_name, COLUMN_NAME AS column_name,
    REFERENCED_TABLE_NAME AS ref_table, REFERENCED_COLUMN_NAME AS ref_column
  FROM information_schema.KEY_COLUMN_USAGE
  WHERE TABLE_SCHEMA = DATABASE() AND REFERENCED_TABLE_NAME IS NOT NULL{scope}
  ORDER BY TABLE_NAME, CONSTRAINT_NAME, ORDINAL_POSITION`;

/** The statements with their scope filter and parameters (the whole database without a scope). */
function scoped(scope: IntrospectScope | undefined): {
  sql: (text: string) => string;
  params: string[];
  indexSql: string;
  indexParams: string[];
} {
  if (scope === undefined) {
    const sql = (text: string): string => text.replace('{scope}', '');
    return { sql, params: [], indexSql: sql(INDEXES_SQL), indexParams: [] };
  }
  // An empty IN () is a syntax error: a name no table or index has stands in for none.
  const names = (list: readonly string[]): string[] => (list.length === 0 ? [''] : [...list]);
  const tables = names(scope.tables);
  const indexes = names(scope.indexes);
  const marks = (n: number, from = 1): string =>
    Array.from({ length: n }, (_, i) => `$${from + i}`).join(', ');
  return {
    sql: (text) => text.replace('{scope}', ` AND TABLE_NAME IN (${marks(tables.length)})`),
    params: tables,
    indexSql: INDEXES_SQL.replace(
      '{scope}',
      ` AND (TABLE_NAME IN (${marks(tables.length)}) OR INDEX_NAME IN (${marks(indexes.length, tables.length + 1)}))`,
    ),
    indexParams: [...tables, ...indexes],
  };
}

interface ColumnRow extends Record<string, unknown> {
  table_name: string;
  name: string;
  data_type: string;
  column_type: string;
  octets: number | null;
  chars: number | null;
}

interface IndexRow extends Record<string, unknown> {
  table_name: string;
  name: string;
  non_unique: number;
  column_name: string | null;
  collation: string | null;
  sub_part: number | null;
  index_type: string;
}

interface ForeignKeyRow extends Record<string, unknown> {
  name: string;
  table_name: string;
  column_name: string;
  ref_table: string;
  ref_column: string;
}

/**
 * The schema; with a scope, only its tables (their columns, indexes and foreign keys) and the indexes
 * of its names wherever they are.
 */
export async function introspectMariadb(query: Query, scope?: IntrospectScope): Promise<SchemaSnapshot> {
  const s = scoped(scope);
  // Four independent reads, sent at once (the pool's sessions): the re-check before each build waits for
  // the slowest instead of their sum. information_schema is no snapshot either way.
  const [tables, columns, indexRows, fkRows] = await Promise.all([
    query<{ name: string; table_rows: number | null; engine: string | null }>(s.sql(TABLES_SQL), s.params),
    query<ColumnRow>(s.sql(COLUMNS_SQL), s.params),
    query<IndexRow>(s.indexSql, s.indexParams),
    query<ForeignKeyRow>(s.sql(FOREIGN_KEYS_SQL), s.params),
  ]);
  const byTable = groupBy(columns, (c) => c.table_name);
  const foreignKeys = [...groupBy(fkRows, (r) => `${r.table_name}\0${r.name}`).values()].map(toForeignKey);
  const indexes = [...groupBy(indexRows, (r) => `${r.table_name}\0${r.name}`).values()];
  return {
    tables: new Map<string, TableInfo>(
      tables.map((t) => {
        const cols = byTable.get(t.name) ?? [];
        return [
          t.name,
          {
            name: t.name,
            columns: cols.map((c) => c.name),
            estimatedRows: t.table_rows === null ? -1 : Number(t.table_rows),
            keyInfo: new Map(cols.map((c) => [c.name, columnKeyInfo(c)])),
            ...noOnlineBuild(
              t.engine,
              indexes.filter((i) => i[0]?.table_name === t.name),
            ),
          },
        ];
      }),
    ),
    indexes: markImplicit(indexes.map(toExistingIndex), foreignKeys),
    foreignKeys,
  };
}

function groupBy<T>(rows: readonly T[], key: (row: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const r of rows) {
    const k = key(r);
    const list = out.get(k);
    if (list) list.push(r);
    else out.set(k, [r]);
  }
  return out;
}

function toExistingIndex(parts: readonly IndexRow[]): ExistingIndex {
  const first = parts[0] as IndexRow;
  const primary = first.name === 'PRIMARY';
  const unique = Number(first.non_unique) === 0;
  const columns = parts.map((p) => {
    const order = p.collation === 'D' ? ('DESC' as const) : ('ASC' as const);
    if (p.column_name === null) return { name: null, order };
    return p.sub_part === null
      ? { name: p.column_name, order }
      : { name: p.column_name, order, length: Number(p.sub_part) };
  });
  const key = columns
    .map(
      (c) =>
        `${c.name ?? '(expression)'}${'length' in c ? `(${c.length})` : ''}${c.order === 'DESC' ? ' DESC' : ''}`,
    )
    .join(', ');
  const kind = primary
    ? 'PRIMARY KEY'
    : `${unique ? 'UNIQUE ' : ''}${indexTypePrefix(first.index_type)}INDEX ${first.name}`;
  return {
    name: first.name,
    table: first.table_name,
    columns,
    include: [],
    unique,
    primary,
    predicate: '',
    valid: true,
    ready: true,
    definition: `${kind} ON ${first.table_name} (${key})`,
  };
}

/**
 * Only InnoDB adds an index with ALGORITHM=INPLACE, LOCK=NONE; and not to a table with a long UNIQUE
 * key (USING HASH: a hidden virtual column, which MariaDB cannot combine with an online ADD INDEX).
 */
function noOnlineBuild(
  engine: string | null,
  indexes: readonly (readonly IndexRow[])[],
): { noOnlineBuild?: string } {
  if (engine !== null && engine.toLowerCase() !== 'innodb') {
    return {
      noOnlineBuild: `the table's engine is ${engine}; only InnoDB adds indexes online (convert it with ALTER TABLE ... ENGINE=InnoDB)`,
    };
  }
  const hashed = indexes.find((i) => i[0]?.index_type === 'HASH' && Number(i[0].non_unique) === 0);
  if (hashed?.[0] === undefined) return {};
  return {
    noOnlineBuild:
      `its long UNIQUE key ${hashed[0].name} is kept by a hidden hash column (USING HASH, over 3072 bytes), ` +
      'and MariaDB cannot add an index online next to one: shorten that key to fit 3072 bytes, or add ' +
      'this index in a maintenance window',
  };
}

function indexTypePrefix(type: string): string {
  return type === 'FULLTEXT' || type === 'SPATIAL' ? `${type} ` : '';
}

/**
 * InnoDB's own index for a foreign key: named as InnoDB names it (fkIndexName) with exactly the key's
 * columns. InnoDB drops it by itself when another index serves the key.
 */
function markImplicit(indexes: ExistingIndex[], foreignKeys: readonly ForeignKeyInfo[]): ExistingIndex[] {
  return indexes.map((i) => {
    const forKey = foreignKeys.some(
      (f) =>
        f.table === i.table &&
        fkIndexName(f) === i.name &&
        !i.unique &&
        f.columns.length === i.columns.length &&
        f.columns.every((c, k) => i.columns[k]?.name === c),
    );
    return forKey ? { ...i, implicit: true } : i;
  });
}

function toForeignKey(parts: readonly ForeignKeyRow[]): ForeignKeyInfo {
  const first = parts[0] as ForeignKeyRow;
  return {
    name: first.name,
    table: first.table_name,
    columns: parts.map((p) => p.column_name),
    refTable: first.ref_table,
    refColumns: parts.map((p) => p.ref_column),
  };
}

/** Fixed key sizes in bytes by DATA_TYPE (InnoDB storage; a decimal counted at its widest). */
const FIXED_BYTES: Readonly<Record<string, number>> = {
  tinyint: 1,
  smallint: 2,
  mediumint: 3,
  int: 4,
  bigint: 8,
  float: 4,
  double: 8,
  decimal: 32,
  date: 3,
  time: 6,
  datetime: 8,
  timestamp: 7,
  year: 1,
  bit: 8,
  enum: 2,
  set: 8,
  uuid: 16,
  inet4: 4,
  inet6: 16,
};

/** MariaDB's BOOLEAN is TINYINT(1) (information_schema reports `tinyint(1)`). */
const BOOLEAN_TYPE = /^tinyint\(1\)/i;

const PREFIX_ONLY = /^(tiny|medium|long)?(text|blob)$|^json$/;

export function columnKeyInfo(
  c: Pick<ColumnRow, 'data_type' | 'column_type' | 'octets' | 'chars'>,
): ColumnKeyInfo {
  const type = c.column_type;
  const dataType = c.data_type.toLowerCase();
  const octets = c.octets === null ? undefined : Number(c.octets);
  const chars = c.chars === null ? undefined : Number(c.chars);
  if (PREFIX_ONLY.test(dataType)) {
    const perChar = octets !== undefined && chars !== undefined && chars > 0 ? Math.round(octets / chars) : 4;
    return { keyBytes: Math.max(1, perChar), needsPrefix: true, type };
  }
  if (octets !== undefined) return { keyBytes: octets, needsPrefix: false, type };
  if (BOOLEAN_TYPE.test(type)) return { keyBytes: 1, needsPrefix: false, type, boolean: true };
  return { keyBytes: FIXED_BYTES[dataType] ?? 8, needsPrefix: false, type };
}
