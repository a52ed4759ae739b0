/**
 * Overlaps between the catalogue's indexes and an application's own indexes, computed from the data:
 * two indexes on one table with the same predicate where one's key columns are the other's, or a
 * leading prefix of them. Shared by the catalogue overlap tests (schema facts) and the health test
 * (a real database).
 */
import {
  canonicalPredicate,
  type IndexColumn,
  type IndexDefinition,
} from '../../src/catalogue/index-definition.js';
import type { SchemaIndex } from '../../src/seed/schema-indexes.js';

export type AnyIndex = IndexDefinition | SchemaIndex;

export interface OverlapPair {
  /** The index whose key is the other's key or a leading prefix of it. */
  readonly shorter: AnyIndex;
  readonly longer: AnyIndex;
  /** The catalogue index that must say why (the shorter one if it is the catalogue's). */
  readonly explainedBy: IndexDefinition;
  readonly other: AnyIndex;
}

function isCatalogue(i: AnyIndex): i is IndexDefinition {
  return 'reason' in i;
}

const names = (cols: readonly IndexColumn[]): string[] => cols.map((c) => c.name);
const keyed = (cols: readonly IndexColumn[]): string[] => cols.map((c) => `${c.name} ${c.order}`);

function startsWith(long: readonly string[], short: readonly string[]): boolean {
  return short.length <= long.length && short.every((c, k) => long[k] === c);
}

/** Column names only: a different direction on the same columns still overlaps (and needs a reason). */
export function overlaps(a: AnyIndex, b: AnyIndex): boolean {
  if (a === b || a.table !== b.table) return false;
  if (canonicalPredicate(a.where) !== canonicalPredicate(b.where)) return false;
  return startsWith(names(b.columns), names(a.columns)) || startsWith(names(a.columns), names(b.columns));
}

/** Every overlapping pair that involves at least one catalogue index, each pair once. */
export function overlapPairs(catalogue: readonly IndexDefinition[], app: readonly AnyIndex[]): OverlapPair[] {
  const out: OverlapPair[] = [];
  catalogue.forEach((c, ci) => {
    const others = [...catalogue.slice(ci + 1), ...app].filter((o) => overlaps(c, o));
    for (const o of others) {
      const cShorter = c.columns.length <= o.columns.length;
      const [shorter, longer] = cShorter ? [c, o] : [o, c];
      const explainedBy = isCatalogue(shorter) ? shorter : c;
      out.push({ shorter, longer, explainedBy, other: explainedBy === c ? o : c });
    }
  });
  return out;
}

/**
 * What the health inspector reports for a pair: the shorter index, when it is not unique and its key
 * (directions included) is a strict leading prefix of the longer one's. Equal keys are duplicates,
 * which the catalogue tests rule out.
 */
export function healthFlags(p: OverlapPair): string | undefined {
  const s = keyed(p.shorter.columns);
  const l = keyed(p.longer.columns);
  if (p.shorter.unique || s.length === l.length || !startsWith(l, s)) return undefined;
  return p.shorter.name;
}
