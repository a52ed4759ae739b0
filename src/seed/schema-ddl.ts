/**
 * Renders a ContextForge schema (from the facts) as DDL for one dialect: CREATE TABLE with primary
 * keys, unique constraints and foreign keys (tables in dependency order), then CREATE INDEX for the
 * `index: true` columns and table-level indexes. Pure: statements in, nothing run here.
 */
import type { DialectName } from '../dialects/dialect.js';
import { quoteIdentifier } from '../dialects/render-sql.js';
import type {
  ColumnFact,
  ForeignKeyFact,
  SchemaFacts,
  TableFact,
} from '../catalogue/contextforge/schema-facts.js';
import { tableIndexes, type SchemaIndex } from './schema-indexes.js';

interface DdlStyle {
  readonly types: Readonly<Record<string, string>>;
  /** `varchar(n)`; `varchar` alone when the model gives no length. */
  readonly varchar: (length: string | undefined) => string;
  readonly booleans: readonly [string, string];
  /**
   * `after-load`: CREATE TABLE without foreign keys and ALTER TABLE ... ADD FOREIGN KEY once the rows
   * are in (one validating join per key instead of a trigger check per row); `inline`: in CREATE TABLE
   * (SQLite cannot add a constraint to an existing table). The keys end up the same either way.
   */
  readonly foreignKeys: 'inline' | 'after-load';
  /**
   * `per-table`: what comes after the load is one ALTER TABLE per table with all its non-unique
   * indexes and foreign keys (MariaDB: InnoDB reads the table once for all of them instead of once per
   * index, and each statement carries its own session setting).
   */
  readonly afterLoad?: 'per-table';
}

/** Column types and literals per dialect (data, not branches: SQLAlchemy's own mapping). */
const STYLES: Readonly<Record<DialectName, DdlStyle>> = {
  postgresql: {
    types: {
      text: 'text',
      integer: 'integer',
      bigint: 'bigint',
      boolean: 'boolean',
      timestamptz: 'timestamp with time zone',
      float: 'double precision',
      json: 'json',
    },
    varchar: (n) => (n === undefined ? 'varchar' : `varchar(${n})`),
    booleans: ['false', 'true'],
    foreignKeys: 'after-load',
  },
  sqlite: {
    types: {
      text: 'TEXT',
      integer: 'INTEGER',
      bigint: 'BIGINT',
      boolean: 'BOOLEAN',
      timestamptz: 'DATETIME',
      float: 'FLOAT',
      json: 'JSON',
    },
    varchar: (n) => (n === undefined ? 'VARCHAR' : `VARCHAR(${n})`),
    booleans: ['0', '1'],
    foreignKeys: 'inline',
  },
  // SQLAlchemy's MariaDB types: a String without length needs one there (VARCHAR(255)); JSON is
  // LONGTEXT with a JSON check; BOOLEAN is TINYINT(1). Foreign keys after the load, once the unique
  // indexes they reference exist (InnoDB wants the referenced columns indexed).
  mariadb: {
    types: {
      text: 'TEXT',
      integer: 'INT',
      bigint: 'BIGINT',
      boolean: 'BOOLEAN',
      timestamptz: 'DATETIME(6)',
      float: 'DOUBLE',
      json: 'JSON',
    },
    varchar: (n) => `VARCHAR(${n ?? '255'})`,
    booleans: ['0', '1'],
    foreignKeys: 'after-load',
    afterLoad: 'per-table',
  },
};

const q = quoteIdentifier;

function columnType(c: ColumnFact, style: DdlStyle): string {
  const m = /^varchar(?:\((\d+)\))?$/.exec(c.type);
  if (m) return style.varchar(m[1]);
  const t = style.types[c.type];
  if (t === undefined) throw new Error(`no DDL type for ${c.type}`);
  return t;
}

function defaultLiteral(value: ColumnFact['default'], style: DdlStyle): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'boolean') return style.booleans[value ? 1 : 0];
  if (typeof value === 'number') return String(value);
  return `'${value.replaceAll("'", "''")}'`;
}

function columnDdl(t: TableFact, c: ColumnFact, style: DdlStyle): string {
  const parts = [q(c.name), columnType(c, style)];
  if (!c.nullable || c.primary_key) parts.push('NOT NULL');
  const def = defaultLiteral(c.default, style);
  if (def !== undefined) parts.push(`DEFAULT ${def}`);
  const singlePk = c.primary_key && t.primary_key.length === 1;
  if (c.unique === true && c.index !== true && !singlePk) parts.push('UNIQUE');
  return parts.join(' ');
}

function foreignKeyDdl(f: ForeignKeyFact): string {
  const onDelete = f.on_delete === undefined ? '' : ` ON DELETE ${f.on_delete}`;
  const refs = `${q(f.ref_table)} (${f.ref_columns.map(q).join(', ')})`;
  return `FOREIGN KEY (${f.columns.map(q).join(', ')}) REFERENCES ${refs}${onDelete}`;
}

/** CREATE TABLE with keys and constraints; foreign keys too unless `foreignKeys` is false. */
export function createTableDdl(t: TableFact, dialect: DialectName, foreignKeys = true): string {
  const style = STYLES[dialect];
  const lines = t.columns.map((c) => columnDdl(t, c, style));
  lines.push(`PRIMARY KEY (${t.primary_key.map(q).join(', ')})`);
  for (const u of t.unique_constraints)
    lines.push(`CONSTRAINT ${q(u.name)} UNIQUE (${u.columns.map(q).join(', ')})`);
  if (foreignKeys) lines.push(...t.foreign_keys.map(foreignKeyDdl));
  return `CREATE TABLE ${q(t.name)} (\n  ${lines.join(',\n  ')}\n)`;
}

/** CREATE INDEX for an index that is not part of CREATE TABLE (primary keys and constraints are). */
export function createSchemaIndexDdl(i: SchemaIndex, dialect: DialectName): string {
  // A dialect without the predicate (MariaDB has no partial indexes) gets the full index, as SQLAlchemy
  // ignores another dialect's `postgresql_where`.
  const predicate = i.whereSql?.[dialect];
  const where = predicate === undefined ? '' : ` WHERE ${predicate}`;
  const key = indexKey(i);
  const name = q(i.name);
  return `CREATE ${i.unique ? 'UNIQUE ' : ''}INDEX ${name} ON ${q(i.table)} ${key.slice(name.length + 1)}${where}`;
}

/** `"name" ("col", "col" DESC)`, as CREATE INDEX and ALTER TABLE ... ADD INDEX write it. */
function indexKey(i: SchemaIndex): string {
  return `${q(i.name)} (${i.columns.map((c) => `${q(c.name)}${c.order === 'DESC' ? ' DESC' : ''}`).join(', ')})`;
}

/**
 * One ALTER TABLE per table with its indexes and foreign keys, foreign key checks off for the statement
 * (InnoDB then adds a key in place); for a dialect with no partial index (the predicate is dropped, as
 * createSchemaIndexDdl does for it).
 */
function perTableAlters(
  tables: readonly TableFact[],
  indexes: readonly SchemaIndex[],
  dialect: DialectName,
): string[] {
  const stray = indexes.find((i) => !tables.some((t) => t.name === i.table));
  if (stray !== undefined) throw new Error(`index ${stray.name}: no table ${stray.table} in the schema`);
  return tables.flatMap((t) => {
    const own = indexes.filter((i) => i.table === t.name);
    if (own.some((i) => i.whereSql?.[dialect] !== undefined)) {
      throw new Error(`per-table DDL for ${t.name}: ${dialect} has a partial index; render it alone`);
    }
    const parts = [
      ...own.map((i) => `ADD ${i.unique ? 'UNIQUE ' : ''}INDEX ${indexKey(i)}`),
      ...t.foreign_keys.map((f) => `ADD ${foreignKeyDdl(f)}`),
    ];
    if (parts.length === 0) return [];
    return [`SET STATEMENT foreign_key_checks = 0 FOR ALTER TABLE ${q(t.name)} ${parts.join(', ')}`];
  });
}

/** Tables ordered so that every referenced table comes before the tables that reference it. */
export function tablesInDependencyOrder(schema: SchemaFacts): TableFact[] {
  const byName = new Map(schema.tables.map((t) => [t.name, t]));
  const done = new Set<string>();
  const out: TableFact[] = [];
  const visit = (t: TableFact, path: ReadonlySet<string>): void => {
    if (done.has(t.name) || path.has(t.name)) return;
    const next = new Set(path).add(t.name);
    for (const f of t.foreign_keys) {
      const ref = byName.get(f.ref_table);
      if (ref !== undefined && ref.name !== t.name) visit(ref, next);
    }
    done.add(t.name);
    out.push(t);
  };
  for (const t of [...schema.tables].sort((a, b) => a.name.localeCompare(b.name))) visit(t, new Set());
  return out;
}

/** The statements that create the schema, in the order to run them (tables, then after the data). */
export interface SchemaDdl {
  /** CREATE TABLE, then the unique indexes (constraints a foreign key may reference: before any row). */
  readonly tables: readonly string[];
  /**
   * The non-unique secondary indexes: CREATE INDEX each, or (a `per-table` dialect) one ALTER TABLE
   * per table with its indexes and foreign keys.
   */
  readonly indexes: readonly string[];
  /**
   * ALTER TABLE ... ADD FOREIGN KEY, where the dialect adds them after the load on their own (else
   * empty).
   */
  readonly foreignKeys: readonly string[];
  /** Secondary indexes created in all (unique and not; primary keys and constraints not counted). */
  readonly indexCount: number;
}

/**
 * The schema's DDL in parts, so a loader can build the non-unique indexes (one sort per index instead of
 * an index update per row) and, where it can, the foreign keys once the data is in; the resulting
 * schema is the same.
 */
export function schemaDdlParts(
  schema: SchemaFacts,
  dialect: DialectName,
  extraIndexes: readonly SchemaIndex[] = [],
): SchemaDdl {
  const ordered = tablesInDependencyOrder(schema);
  const indexes = ordered
    .flatMap((t) => tableIndexes(t).filter((i) => i.kind === 'index'))
    .concat(extraIndexes);
  const render = (i: SchemaIndex): string => createSchemaIndexDdl(i, dialect);
  const style = STYLES[dialect];
  const inline = style.foreignKeys === 'inline';
  const alters = ordered.flatMap((t) =>
    t.foreign_keys.map((f) => `ALTER TABLE ${q(t.name)} ADD ${foreignKeyDdl(f)}`),
  );
  const tables = [
    ...ordered.map((t) => createTableDdl(t, dialect, inline)),
    ...indexes.filter((i) => i.unique).map(render),
  ];
  const later = indexes.filter((i) => !i.unique);
  if (style.afterLoad === 'per-table') {
    const perTable = perTableAlters(ordered, later, dialect);
    return { tables, indexes: perTable, foreignKeys: [], indexCount: indexes.length };
  }
  return {
    tables,
    indexes: later.map(render),
    foreignKeys: inline ? [] : alters,
    indexCount: indexes.length,
  };
}

/** Every statement that creates the (empty) schema, in order. */
export function schemaDdl(
  schema: SchemaFacts,
  dialect: DialectName,
  extraIndexes: readonly SchemaIndex[] = [],
): string[] {
  const { tables, indexes, foreignKeys } = schemaDdlParts(schema, dialect, extraIndexes);
  return [...tables, ...indexes, ...foreignKeys];
}
