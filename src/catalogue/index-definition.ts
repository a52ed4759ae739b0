/**
 * An index definition is data, never SQL text: each dialect renders it, and the engine can plan, skip,
 * verify and roll back exactly what it owns. Identifiers are checked against IDENTIFIER_PATTERN by
 * `validateCatalogue` and quoted by the dialect on top of that.
 */

export type SortOrder = 'ASC' | 'DESC';

export interface IndexColumn {
  readonly name: string;
  readonly order: SortOrder;
  /**
   * Key prefix length in characters: set by the planner for a TEXT/BLOB column on a dialect that indexes
   * those only by a prefix (MariaDB), never by a catalogue.
   */
  readonly length?: number;
}

/** A literal in a partial-index predicate. Rendered by the dialect (booleans differ: true vs 1). */
export type PredicateLiteral = string | number | boolean;

/** One condition of a partial-index predicate; a predicate is the AND of its conditions. */
export type Condition =
  | { readonly column: string; readonly op: 'IS NULL' | 'IS NOT NULL' }
  | { readonly column: string; readonly op: '=' | '<>'; readonly value: PredicateLiteral }
  | { readonly column: string; readonly op: 'IN'; readonly values: readonly PredicateLiteral[] };

export interface IndexDefinition {
  /** Index name, unique in the database schema (PostgreSQL and SQLite share one namespace per schema). */
  readonly name: string;
  readonly table: string;
  readonly columns: readonly IndexColumn[];
  readonly unique: boolean;
  /** Partial-index predicate (AND of conditions); empty for a full index. */
  readonly where: readonly Condition[];
  /** Covering columns (PostgreSQL INCLUDE). Left out where the dialect lacks the capability. */
  readonly include: readonly string[];
  /** Name of the phase the index belongs to. */
  readonly phase: string;
  /** One line: the query or foreign key the index serves. */
  readonly reason: string;
  /**
   * What the index serves, as data a test can check (see serves.ts): names of the catalogue's hot
   * queries the index is used by, and `fk:<table>.<column>[,<column>]` for a foreign key of its table
   * whose column(s) lead the key. Optional; the built-in catalogue gives every index one.
   */
  readonly serves?: readonly string[];
}

/** Strict identifier pattern for table, column, index and phase names. */
export const IDENTIFIER_PATTERN = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * Column shorthand used by catalogue files: `'created_at DESC'` or `'team_id'`.
 * Parsing is strict; anything else is reported by validation as a bad identifier.
 */
export function column(spec: string): IndexColumn {
  const m = /^(\S+)(?:\s+(ASC|DESC))?$/i.exec(spec.trim());
  if (!m?.[1]) return { name: spec, order: 'ASC' };
  return { name: m[1], order: (m[2]?.toUpperCase() ?? 'ASC') as SortOrder };
}

/** Renders a predicate canonically (dialect-neutral) for comparison and display. */
export function canonicalPredicate(where: readonly Condition[]): string {
  return [...where].map(renderCondition).sort().join(' AND ');
}

function renderLiteral(v: PredicateLiteral): string {
  if (typeof v === 'string') return `'${v.replaceAll("'", "''")}'`;
  return String(v);
}

function renderCondition(c: Condition): string {
  switch (c.op) {
    case 'IS NULL':
    case 'IS NOT NULL':
      return `${c.column} ${c.op}`;
    case '=':
    case '<>':
      return `${c.column} ${c.op} ${renderLiteral(c.value)}`;
    case 'IN':
      return `${c.column} IN (${c.values.map(renderLiteral).join(', ')})`;
  }
}

/**
 * The shape that makes two indexes "the same index" whatever their names: table, columns in order with
 * direction, uniqueness, predicate. INCLUDE columns are not part of it (a covering index serves the
 * same lookups), so two definitions differing only in INCLUDE count as duplicates.
 */
export function indexShapeKey(def: Pick<IndexDefinition, 'table' | 'columns' | 'unique' | 'where'>): string {
  const cols = def.columns.map((c) => `${c.name} ${c.order}`).join(', ');
  return `${def.table}(${cols})${def.unique ? ' UNIQUE' : ''}${def.where.length ? ` WHERE ${canonicalPredicate(def.where)}` : ''}`;
}
