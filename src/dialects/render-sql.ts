/**
 * SQL rendering shared by the dialects: identifier quoting, predicate literals and the CREATE/DROP
 * INDEX statements. Pure functions over the catalogue's data; nothing from a catalogue is concatenated
 * raw (identifiers are quoted, literals escaped).
 */
import type { Condition, IndexDefinition, PredicateLiteral } from '../catalogue/index-definition.js';
import { UsageError } from '../errors.js';

/** Double-quotes an identifier; an embedded `"` is doubled so the name cannot break out. */
export function quoteIdentifier(name: string): string {
  if (name === '' || name.includes('\0')) {
    throw new UsageError(`invalid identifier ${JSON.stringify(name)}: empty or contains a NUL byte`, {
      reason: 'bad_identifier',
    });
  }
  return `"${name.replaceAll('"', '""')}"`;
}

/** How a dialect writes a boolean literal: PostgreSQL `true`/`false`, SQLite `1`/`0`. */
export type BooleanStyle = 'keyword' | 'integer';

export function renderLiteral(v: PredicateLiteral, booleans: BooleanStyle): string {
  if (typeof v === 'string') return `'${v.replaceAll("'", "''")}'`;
  if (typeof v === 'boolean') {
    if (booleans === 'integer') return v ? '1' : '0';
    return v ? 'true' : 'false';
  }
  if (!Number.isFinite(v)) {
    throw new UsageError(`invalid predicate literal ${String(v)}: numbers must be finite`, {
      reason: 'bad_predicate',
    });
  }
  return String(v);
}

export function renderCondition(c: Condition, booleans: BooleanStyle): string {
  const col = quoteIdentifier(c.column);
  switch (c.op) {
    case 'IS NULL':
    case 'IS NOT NULL':
      return `${col} ${c.op}`;
    case '=':
    case '<>':
      return `${col} ${c.op} ${renderLiteral(c.value, booleans)}`;
    case 'IN':
      return `${col} IN (${c.values.map((v) => renderLiteral(v, booleans)).join(', ')})`;
  }
}

export interface CreateIndexStyle {
  readonly concurrently: boolean;
  readonly include: boolean;
  readonly booleans: BooleanStyle;
}

/** `CREATE [UNIQUE] INDEX [CONCURRENTLY] "i" ON "t" ("a", "b" DESC) [INCLUDE (...)] [WHERE ...]`. */
export function renderCreateIndex(def: IndexDefinition, style: CreateIndexStyle): string {
  const cols = def.columns
    .map((c) => `${quoteIdentifier(c.name)}${c.order === 'DESC' ? ' DESC' : ''}`)
    .join(', ');
  const parts = [
    `CREATE ${def.unique ? 'UNIQUE ' : ''}INDEX ${style.concurrently ? 'CONCURRENTLY ' : ''}` +
      `${quoteIdentifier(def.name)} ON ${quoteIdentifier(def.table)} (${cols})`,
  ];
  if (style.include && def.include.length > 0) {
    parts.push(`INCLUDE (${def.include.map(quoteIdentifier).join(', ')})`);
  }
  if (def.where.length > 0) {
    parts.push(`WHERE ${def.where.map((c) => renderCondition(c, style.booleans)).join(' AND ')}`);
  }
  return parts.join(' ');
}

/** `DROP INDEX [CONCURRENTLY] IF EXISTS "i"`. */
export function renderDropIndex(name: string, concurrently: boolean): string {
  return `DROP INDEX ${concurrently ? 'CONCURRENTLY ' : ''}IF EXISTS ${quoteIdentifier(name)}`;
}
