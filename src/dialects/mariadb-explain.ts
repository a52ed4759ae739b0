import type { ExplainResult, IndexSearch } from './dialect.js';
import { tableAliases } from './sqlite-explain.js';

/** Access types that read the whole table (`ALL`); every other access with a `key` uses that index. */
const FULL_SCAN = 'ALL';
/** Reads a whole index, in key order. */
const FULL_INDEX = 'index';

interface TableAccess {
  readonly table_name?: unknown;
  readonly access_type?: unknown;
  readonly key?: unknown;
  readonly used_key_parts?: unknown;
  readonly index_merge?: unknown;
  readonly message?: unknown;
}

/**
 * Reads `EXPLAIN FORMAT=JSON` output: every `"table": {...}` object anywhere in the tree (nested loops,
 * filesort, temporary tables, subqueries) is one access, by index (`key`, also inside `index_merge`)
 * or as a full scan (`access_type: ALL`). MariaDB names an aliased table by its alias: `sql` maps it back.
 * An index searched (every access but a whole-index read, `access_type: index`) is searched on its
 * `used_key_parts`: they are its search condition, as `used key parts: a, b`.
 */
export function summarizeMariadbPlan(explainJson: unknown, sql = ''): ExplainResult {
  const aliases = tableAliases(sql);
  const root: unknown = typeof explainJson === 'string' ? parse(explainJson) : explainJson;
  const indexesUsed: string[] = [];
  const seqScans: string[] = [];
  const steps: string[] = [];
  const searches: IndexSearch[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) {
      node.forEach(walk);
      return;
    }
    if (typeof node !== 'object' || node === null) return;
    for (const [key, value] of Object.entries(node)) {
      if (key === 'table' && typeof value === 'object' && value !== null) access(value as TableAccess);
      walk(value);
    }
  };
  const access = (t: TableAccess): void => {
    if (typeof t.message === 'string' && t.table_name === undefined) {
      // Answered while planning (MIN/MAX read from an index end, a const row read by a unique key, or
      // an impossible WHERE): no access is left to name, so none is counted.
      steps.push(`answered while planning: ${t.message}`);
      return;
    }
    const named = typeof t.table_name === 'string' ? t.table_name : '?';
    const table = aliases.get(named) ?? named;
    const type = typeof t.access_type === 'string' ? t.access_type : '?';
    const keys = [t.key, ...mergedKeys(t.index_merge)].filter((k): k is string => typeof k === 'string');
    if (type === FULL_INDEX && keys[0] === 'PRIMARY') {
      // InnoDB's primary key is the table itself: reading all of it is a full table scan.
      seqScans.push(table);
      steps.push(`full scan of ${table} (by its primary key)`);
    } else if (keys.length > 0) {
      indexesUsed.push(...keys);
      searches.push(...searchesOf(t, type));
      steps.push(`${type} on ${table} using ${keys.join(', ')}`);
    } else if (type === FULL_SCAN) {
      seqScans.push(table);
      steps.push(`full scan of ${table}`);
    }
  };
  walk(root);
  return {
    indexesUsed: [...new Set(indexesUsed)],
    seqScans: [...new Set(seqScans)],
    summary: steps.length === 0 ? 'no table access' : steps.join('; '),
    searches,
  };
}

/** The searches of one access: its key, or each key an index_merge reads, on their used key parts. */
function searchesOf(t: TableAccess, type: string): IndexSearch[] {
  if (typeof t.key !== 'string') {
    return keyedNodes(t.index_merge).flatMap((n) => searchesOf(n, 'index_merge'));
  }
  const parts = Array.isArray(t.used_key_parts) ? t.used_key_parts.filter((p) => typeof p === 'string') : [];
  const cond = type === FULL_INDEX || parts.length === 0 ? '' : `used key parts: ${parts.join(', ')}`;
  return [{ index: t.key, cond }];
}

/** Objects with a `key` anywhere under an index_merge. */
function keyedNodes(merge: unknown): TableAccess[] {
  const found: TableAccess[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (typeof node === 'object' && node !== null) {
      if (typeof (node as TableAccess).key === 'string') found.push(node);
      else Object.values(node).forEach(walk);
    }
  };
  walk(merge);
  return found;
}

function mergedKeys(merge: unknown): unknown[] {
  return keyedNodes(merge).map((n) => n.key);
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
