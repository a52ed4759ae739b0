/**
 * Shorthand for the ContextForge phase files. `ix(table, columns, reason)` names an index the way
 * upstream does: when the definition is one of the 102 indexes upstream's own migration for the plan
 * creates (same table, columns, uniqueness, no predicate), it takes upstream's name, so a database that
 * already ran upstream's migration is recognised by name; otherwise `idx_<table>_<columns>`. A partial
 * index always passes its own `name` (its columns alone would collide with a full index's name).
 *
 * An index whose key is, or starts with, another index's key (same table, same predicate), in the
 * catalogue or in the application's own schema, says why both are worth having with `overlaps`: its
 * reason then ends in `(overlaps <index>[, <index>]: <why>)`, and the catalogue tests check that each
 * named index exists and really overlaps it. The shorter index carries the note, or the catalogue's
 * index when the shorter one is the application's.
 */
import type { IndexSpec } from '../../src/catalogue/define-phase.js';
import type { Condition, PredicateLiteral } from '../../src/catalogue/index-definition.js';
import { upstreamEpicIndexes } from '../../src/catalogue/contextforge/schema-facts.js';

export interface IndexExtras {
  readonly name?: string;
  readonly unique?: boolean;
  readonly where?: readonly Condition[];
  readonly include?: readonly string[];
  readonly overlaps?: Overlap;
  /** Hot query names and `fk:<table>.<column>` (see src/catalogue/serves.ts). */
  readonly serves?: readonly string[];
}

/** Why an index is kept next to another one it overlaps (see above). */
export interface Overlap {
  readonly with: readonly string[];
  readonly why: string;
}

const OVERLAP_NOTE = /\(overlaps ([a-z0-9_]+(?:, [a-z0-9_]+)*): ([^()]+)\)/g;

export function overlapNote(o: Overlap): string {
  return `(overlaps ${o.with.join(', ')}: ${o.why})`;
}

/** The overlap notes of a reason, as written by overlapNote. */
export function parseOverlaps(reason: string): Overlap[] {
  return [...reason.matchAll(OVERLAP_NOTE)].map((m) => ({
    with: (m[1] ?? '').split(', '),
    why: m[2] ?? '',
  }));
}

const UPSTREAM_NAMES = new Map(
  upstreamEpicIndexes().map((u) => [
    `${u.table}(${u.columns.join(',')})${u.unique ? ' UNIQUE' : ''}`,
    u.name,
  ]),
);

function bareName(spec: string): string {
  return spec.split(/\s+/)[0] ?? spec;
}

/** Upstream's name for the same full ascending index, if it has one. */
export function upstreamName(table: string, columns: readonly string[], unique: boolean): string | undefined {
  if (columns.some((c) => /\s+DESC$/i.test(c))) return undefined;
  return UPSTREAM_NAMES.get(`${table}(${columns.map(bareName).join(',')})${unique ? ' UNIQUE' : ''}`);
}

export function ix(
  table: string,
  columns: readonly string[],
  reason: string,
  extras: IndexExtras = {},
): IndexSpec {
  const unique = extras.unique ?? false;
  const where = extras.where ?? [];
  const fallback = `idx_${table}_${columns.map(bareName).join('_')}`;
  // Upstream's indexes have no predicate and no INCLUDE: only a plain index can take upstream's name.
  const plain = where.length === 0 && (extras.include ?? []).length === 0;
  const name = extras.name ?? (plain ? upstreamName(table, columns, unique) : undefined) ?? fallback;
  const note = extras.overlaps ? ` ${overlapNote(extras.overlaps)}` : '';
  return {
    name,
    table,
    columns,
    unique,
    where,
    include: extras.include ?? [],
    reason: `${reason}${note}`,
    ...(extras.serves === undefined ? {} : { serves: extras.serves }),
  };
}

export function eq(column: string, value: PredicateLiteral): Condition {
  return { column, op: '=', value };
}

export function isNotNull(column: string): Condition {
  return { column, op: 'IS NOT NULL' };
}
