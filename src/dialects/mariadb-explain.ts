import type { ExplainResult } from './dialect.js';
import { tableAliases } from './sqlite-explain.js';

/** Access types that read the whole table (`ALL`); every other access with a `key` uses that index. */
const FULL_SCAN = 'ALL';
/** Reads a whole index, in key order. */
const FULL_INDEX = 'index';

interface TableAccess {
  readonly table_name?: unknown;
  readonly access_type?: unknown;
  readonly key?: unknown;
  readonly index_merge?: unknown;
}

/**
 * Reads `EXPLAIN FORMAT=JSON` output: every `"table": {...}` object anywhere in the tree (nested loops,
 * filesort, temporary tables, subqueries) is one access, by index (`key`, also inside `index_merge`)
 * or as a full scan (`access_type: ALL`). MariaDB names an aliased table by its alias: `sql` maps it back.
 */
export function summarizeMariadbPlan(explainJson: unknown, sql = ''): ExplainResult {
  const aliases = tableAliases(sql);
  const root: unknown = typeof explainJson === 'string' ? parse(explainJson) : explainJson;
  const indexesUsed: string[] = [];
  const seqScans: string[] = [];
  const steps: string[] = [];
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
  };
}

function mergedKeys(merge: unknown): unknown[] {
  const found: unknown[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (typeof node === 'object' && node !== null) {
      for (const [k, v] of Object.entries(node)) {
        if (k === 'key') found.push(v);
        walk(v);
      }
    }
  };
  walk(merge);
  return found;
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
