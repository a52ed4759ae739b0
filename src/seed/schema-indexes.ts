/**
 * Every index a ContextForge schema has on its own, derived from the schema facts the way SQLAlchemy
 * creates them: primary keys, unique constraints, `unique: true` columns, `index: true` columns
 * (`ix_<table>_<column>`) and table-level indexes. `seed` creates them; the catalogue tests compare the
 * catalogue with them.
 */
import { column, type Condition, type IndexColumn } from '../catalogue/index-definition.js';
import type { DialectName } from '../dialects/dialect.js';
import type {
  IndexFact,
  SchemaFacts,
  TableFact,
  UpstreamIndexFact,
} from '../catalogue/contextforge/schema-facts.js';

export type SchemaIndexKind = 'primary' | 'unique_constraint' | 'index';

export interface SchemaIndex {
  readonly name: string;
  readonly table: string;
  readonly columns: readonly IndexColumn[];
  readonly unique: boolean;
  /** The predicate as conditions (for shape comparison); empty for a full index. */
  readonly where: readonly Condition[];
  /** The predicate as each dialect writes it in DDL, for a partial index (none where it has none). */
  readonly whereSql?: Readonly<Partial<Record<DialectName, string>>>;
  readonly kind: SchemaIndexKind;
}

/** The indexes a table's DDL creates. */
export function tableIndexes(t: TableFact): SchemaIndex[] {
  const cols = (names: readonly string[]): IndexColumn[] => names.map(column);
  const out: SchemaIndex[] = [
    {
      name: `${t.name}_pkey`,
      table: t.name,
      columns: cols(t.primary_key),
      unique: true,
      where: [],
      kind: 'primary',
    },
  ];
  for (const u of t.unique_constraints) {
    out.push({
      name: u.name,
      table: t.name,
      columns: cols(u.columns),
      unique: true,
      where: [],
      kind: 'unique_constraint',
    });
  }
  for (const c of t.columns) {
    if (c.primary_key && t.primary_key.length === 1) continue;
    if (c.index === true) {
      out.push({
        ...full(`ix_${t.name}_${c.name}`, t.name, [c.name]),
        unique: c.unique === true,
        kind: 'index',
      });
    } else if (c.unique === true) {
      out.push({
        ...full(`${t.name}_${c.name}_key`, t.name, [c.name]),
        unique: true,
        kind: 'unique_constraint',
      });
    }
  }
  for (const i of t.indexes) out.push(fromIndexFact(t.name, i));
  return out;
}

function full(name: string, table: string, columns: readonly string[]): Omit<SchemaIndex, 'unique' | 'kind'> {
  return { name, table, columns: columns.map(column), where: [] };
}

function fromIndexFact(table: string, i: IndexFact): SchemaIndex {
  const base = { ...full(i.name, table, i.columns), unique: i.unique, kind: 'index' as const };
  if (i.postgresql_where === undefined || i.sqlite_where === undefined) return base;
  return {
    ...base,
    where: parseFactPredicate(i.postgresql_where),
    whereSql: { postgresql: i.postgresql_where, sqlite: i.sqlite_where },
  };
}

/**
 * The facts' predicates are ANDs of `col IS [NOT] NULL` and `col = true|false|'text'|number`.
 * Anything else is a bad fact file and throws.
 */
export function parseFactPredicate(sql: string): Condition[] {
  return sql.split(/\s+AND\s+/i).map((part) => {
    const m = /^(\w+)\s+(IS NULL|IS NOT NULL|=|<>)\s*(.*)$/i.exec(part.trim());
    if (!m?.[1] || !m[2]) throw new Error(`unsupported predicate in schema facts: ${sql}`);
    const op = m[2].toUpperCase();
    if (op === 'IS NULL' || op === 'IS NOT NULL') return { column: m[1], op };
    const raw = (m[3] ?? '').trim();
    const value =
      raw === 'true' ? true : raw === 'false' ? false : /^'.*'$/.test(raw) ? raw.slice(1, -1) : Number(raw);
    return { column: m[1], op: op === '=' ? '=' : '<>', value };
  });
}

/** All indexes of a schema. */
export function schemaIndexes(schema: SchemaFacts): SchemaIndex[] {
  return schema.tables.flatMap(tableIndexes);
}

/**
 * Upstream's plan indexes that its migration creates on top of `schema`: it skips one when the table is
 * missing or an index with the same name or the same columns already exists.
 */
export function upstreamIndexesFor(
  schema: SchemaFacts,
  upstream: readonly UpstreamIndexFact[],
): SchemaIndex[] {
  const existing = schemaIndexes(schema);
  const tables = new Set(schema.tables.map((t) => t.name));
  const names = new Set(existing.map((i) => i.name));
  const columnSets = new Set(existing.map((i) => `${i.table}(${i.columns.map((c) => c.name).join(',')})`));
  return upstream
    .filter(
      (u) =>
        tables.has(u.table) && !names.has(u.name) && !columnSets.has(`${u.table}(${u.columns.join(',')})`),
    )
    .map((u) => ({ ...full(u.name, u.table, u.columns), unique: u.unique, kind: 'index' as const }));
}
