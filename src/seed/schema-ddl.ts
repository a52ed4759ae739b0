/**
 * Renders a ContextForge schema (from the facts) as DDL for one dialect: CREATE TABLE with primary
 * keys, unique constraints and foreign keys (tables in dependency order), then CREATE INDEX for the
 * `index: true` columns and table-level indexes. Pure: statements in, nothing run here.
 */
import type { DialectName } from '../dialects/dialect.js';
import { quoteIdentifier } from '../dialects/render-sql.js';
import type { ColumnFact, SchemaFacts, TableFact } from '../catalogue/contextforge/schema-facts.js';
import { tableIndexes, type SchemaIndex } from './schema-indexes.js';

interface DdlStyle {
  readonly types: Readonly<Record<string, string>>;
  /** `varchar(n)`; `varchar` alone when the model gives no length. */
  readonly varchar: (length: string | undefined) => string;
  readonly booleans: readonly [string, string];
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

export function createTableDdl(t: TableFact, dialect: DialectName): string {
  const style = STYLES[dialect];
  const lines = t.columns.map((c) => columnDdl(t, c, style));
  lines.push(`PRIMARY KEY (${t.primary_key.map(q).join(', ')})`);
  for (const u of t.unique_constraints)
    lines.push(`CONSTRAINT ${q(u.name)} UNIQUE (${u.columns.map(q).join(', ')})`);
  for (const f of t.foreign_keys) {
    const onDelete = f.on_delete === undefined ? '' : ` ON DELETE ${f.on_delete}`;
    lines.push(
      `FOREIGN KEY (${f.columns.map(q).join(', ')}) REFERENCES ${q(f.ref_table)} (${f.ref_columns.map(q).join(', ')})${onDelete}`,
    );
  }
  return `CREATE TABLE ${q(t.name)} (\n  ${lines.join(',\n  ')}\n)`;
}

/** CREATE INDEX for an index that is not part of CREATE TABLE (primary keys and constraints are). */
export function createSchemaIndexDdl(i: SchemaIndex, dialect: DialectName): string {
  const cols = i.columns.map((c) => `${q(c.name)}${c.order === 'DESC' ? ' DESC' : ''}`).join(', ');
  const where = i.whereSql === undefined ? '' : ` WHERE ${i.whereSql[dialect]}`;
  return `CREATE ${i.unique ? 'UNIQUE ' : ''}INDEX ${q(i.name)} ON ${q(i.table)} (${cols})${where}`;
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

/** Every statement that creates the schema (each table followed by its indexes, as SQLAlchemy does). */
export function schemaDdl(
  schema: SchemaFacts,
  dialect: DialectName,
  extraIndexes: readonly SchemaIndex[] = [],
): string[] {
  const perTable = tablesInDependencyOrder(schema).flatMap((t) => [
    createTableDdl(t, dialect),
    ...tableIndexes(t)
      .filter((i) => i.kind === 'index')
      .map((i) => createSchemaIndexDdl(i, dialect)),
  ]);
  return [...perTable, ...extraIndexes.map((i) => createSchemaIndexDdl(i, dialect))];
}
