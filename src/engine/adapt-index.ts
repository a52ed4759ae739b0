/**
 * Fitting a catalogue definition to what the database can build, keeping its intent as closely as the
 * database allows. Pure: capabilities and the table as introspected in, the definition to build out,
 * with every adaptation recorded (so `plan` shows it) or the reason it cannot be built at all.
 *
 * - no INCLUDE: left out (the index still serves the lookups, only not covering);
 * - no partial index: the predicate's columns are appended to the key, so the index still narrows by
 *   them (a partial UNIQUE index cannot be kept: uniqueness over all rows is another constraint);
 * - no descending keys: built ascending (a B-tree is read backwards for ORDER BY ... DESC);
 * - boolean key columns where `IS TRUE`/`IS FALSE` cannot search them (MariaDB): built as written, the
 *   adaptation recorded so `plan` says that `.is_(True)` filters them in the index, not by a search;
 * - index limits (MariaDB/InnoDB): name length, TEXT/BLOB columns keyed by a prefix, total key bytes.
 * (A table the database cannot index online, TableInfo.noOnlineBuild, is the planner's: see planIndex.)
 */
import type { IndexColumn, IndexDefinition } from '../catalogue/index-definition.js';
import type { DialectCapabilities, IndexLimits, TableInfo } from '../dialects/dialect.js';
import type { DroppedFeature } from './engine.js';

export type AdaptCapabilities = Pick<DialectCapabilities, 'supportsInclude' | 'supportsPartialIndex'> &
  Partial<Pick<DialectCapabilities, 'supportsDescendingIndex' | 'indexLimits' | 'searchesBooleanIs'>>;

export interface AdaptedIndex {
  readonly index: IndexDefinition;
  readonly dropped: DroppedFeature[];
  /** Why the definition cannot be built on this database at all (the planner skips it). */
  readonly unsupported?: string;
}

export function adaptIndex(
  def: IndexDefinition,
  caps: AdaptCapabilities,
  table: TableInfo | undefined,
): AdaptedIndex {
  const dropped: DroppedFeature[] = [];
  let index = def;
  if (!caps.supportsInclude && def.include.length > 0) {
    index = { ...index, include: [] };
    dropped.push('include');
  }
  if (!caps.supportsPartialIndex && def.where.length > 0) {
    if (def.unique) {
      return { index, dropped, unsupported: 'a partial unique index is not supported by this database' };
    }
    index = { ...index, columns: withPredicateColumns(index), where: [] };
    dropped.push('where');
  }
  if (caps.supportsDescendingIndex === false && index.columns.some((c) => c.order === 'DESC')) {
    index = { ...index, columns: index.columns.map((c) => ({ ...c, order: 'ASC' as const })) };
    dropped.push('desc');
  }
  if (caps.searchesBooleanIs === false && index.columns.some((c) => table?.keyInfo?.get(c.name)?.boolean)) {
    dropped.push('boolean-is');
  }
  if (caps.indexLimits === undefined) return { index, dropped };
  return fitLimits(index, dropped, caps.indexLimits, table);
}

/** The key, then each predicate column not already in it (ascending), in the predicate's order. */
function withPredicateColumns(def: IndexDefinition): IndexColumn[] {
  const key = [...def.columns];
  for (const c of def.where) {
    if (!key.some((k) => k.name === c.column)) key.push({ name: c.column, order: 'ASC' });
  }
  return key;
}

function fitLimits(
  index: IndexDefinition,
  dropped: DroppedFeature[],
  limits: IndexLimits,
  table: TableInfo | undefined,
): AdaptedIndex {
  if (index.name.length > limits.maxNameLength) {
    return {
      index,
      dropped,
      unsupported:
        `the index name '${index.name}' is ${index.name.length} characters; this database allows ` +
        `${limits.maxNameLength}: shorten it in the catalogue`,
    };
  }
  const info = table?.keyInfo;
  if (info === undefined) return { index, dropped };
  const prefixed = index.columns.filter((c) => info.get(c.name)?.needsPrefix === true);
  if (prefixed.length > 0 && index.unique) {
    return {
      index,
      dropped,
      unsupported:
        `unique key column${prefixed.length === 1 ? '' : 's'} ${names(prefixed)} of ${index.table} ` +
        'can be indexed only by a prefix here, and uniqueness of a prefix is another constraint: ' +
        'change the column to VARCHAR(n) or leave it out of the unique index',
    };
  }
  const fixedBytes = sumBytes(
    index.columns.filter((c) => !prefixed.includes(c)),
    info,
  );
  const perChar = sumBytes(prefixed, info);
  const room = perChar === 0 ? 0 : Math.floor((limits.maxKeyBytes - fixedBytes) / perChar);
  const length = Math.min(limits.defaultPrefixLength, room);
  if (fixedBytes > limits.maxKeyBytes || (prefixed.length > 0 && length < 1)) {
    return { index, dropped, unsupported: keyTooLong(index, info, limits) };
  }
  if (prefixed.length === 0) return { index, dropped };
  const columns = index.columns.map((c) => (prefixed.includes(c) ? { ...c, length } : c));
  return { index: { ...index, columns }, dropped: [...dropped, 'prefix'] };
}

function sumBytes(columns: readonly IndexColumn[], info: ReadonlyMap<string, { keyBytes: number }>): number {
  return columns.reduce((sum, c) => sum + (info.get(c.name)?.keyBytes ?? 0), 0);
}

function names(columns: readonly IndexColumn[]): string {
  return columns.map((c) => `'${c.name}'`).join(', ');
}

function keyTooLong(
  index: IndexDefinition,
  info: ReadonlyMap<string, { keyBytes: number; type: string }>,
  limits: IndexLimits,
): string {
  const parts = index.columns.map((c) => {
    const col = info.get(c.name);
    return `${c.name} ${col?.type ?? '?'} ${col?.keyBytes ?? 0}B`;
  });
  return (
    `the key of '${index.name}' is too long for this database: ${parts.join(' + ')} exceeds ` +
    `${limits.maxKeyBytes} bytes; shorten the columns or index fewer of them`
  );
}
