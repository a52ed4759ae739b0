import type { ExplainResult } from './dialect.js';

/**
 * Reads `EXPLAIN QUERY PLAN` rows. `SEARCH t USING [COVERING] INDEX i` and `SCAN t USING [COVERING]
 * INDEX i` use index i; a plain `SCAN t` (or one through an AUTOMATIC index SQLite builds on the fly)
 * is a sequential scan. Rowid/primary-key lookups are neither. SQLite names an aliased table by its
 * alias (`SCAN a`), so seqScans holds the alias in that case.
 */
export function summarizeSqlitePlan(rows: readonly { readonly detail: string }[]): ExplainResult {
  const indexesUsed: string[] = [];
  const seqScans: string[] = [];
  for (const { detail } of rows) {
    const m = /^(SEARCH|SCAN) (?:TABLE )?(\S+)(?: AS \S+)?(.*)$/.exec(detail);
    if (!m?.[2] || m[2].startsWith('(') || m[2] === 'CONSTANT') continue;
    const rest = m[3] ?? '';
    const index = /USING (?:COVERING )?INDEX (\S+)/.exec(rest)?.[1];
    const automatic = rest.includes('AUTOMATIC');
    if (index !== undefined && !automatic) indexesUsed.push(index);
    else if (automatic || (m[1] === 'SCAN' && !/PRIMARY KEY/.test(rest))) seqScans.push(m[2]);
  }
  return {
    indexesUsed: [...new Set(indexesUsed)],
    seqScans: [...new Set(seqScans)],
    summary: rows.map((r) => r.detail).join('; '),
  };
}
