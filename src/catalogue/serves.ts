/**
 * What an index serves, kept as data on the definition (`serves`): a hot query of the catalogue by
 * name, or a foreign key of the index's own table as `fk:<table>.<column>[,<column>]`. Validation checks
 * the form (a named query exists and reads the table; a foreign key's columns lead the index key); the
 * catalogue's own tests check each claim against the schema and with EXPLAIN.
 */
import type { IndexDefinition } from './index-definition.js';

export type ServesClaim =
  | { readonly kind: 'query'; readonly name: string }
  | { readonly kind: 'fk'; readonly table: string; readonly columns: readonly string[] };

const NAME = '[a-z_][a-z0-9_]{0,62}';
const QUERY_CLAIM = new RegExp(`^${NAME}$`);
const FK_CLAIM = new RegExp(`^fk:(${NAME})\\.(${NAME}(?:,${NAME})*)$`);

/** One `serves` entry, or undefined when it has neither form. */
export function parseServes(entry: string): ServesClaim | undefined {
  const fk = FK_CLAIM.exec(entry);
  if (fk?.[1] !== undefined && fk[2] !== undefined) {
    return { kind: 'fk', table: fk[1], columns: fk[2].split(',') };
  }
  return QUERY_CLAIM.test(entry) ? { kind: 'query', name: entry } : undefined;
}

export function fkClaim(table: string, columns: readonly string[]): string {
  return `fk:${table}.${columns.join(',')}`;
}

/** The claims of an index, well-formed entries only. */
export function servesClaims(def: Pick<IndexDefinition, 'serves'>): ServesClaim[] {
  return (def.serves ?? []).flatMap((s) => parseServes(s) ?? []);
}

/** True when the index key starts with exactly these columns (in any order among themselves). */
export function keyLeadsWith(def: Pick<IndexDefinition, 'columns'>, columns: readonly string[]): boolean {
  const lead = new Set(def.columns.slice(0, columns.length).map((c) => c.name));
  return columns.length <= def.columns.length && columns.every((c) => lead.has(c));
}

/** The hot queries an index claims, by name. */
export function servedQueries(def: Pick<IndexDefinition, 'serves'>): string[] {
  return servesClaims(def).flatMap((c) => (c.kind === 'query' ? [c.name] : []));
}
