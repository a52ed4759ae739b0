import type { ExplainResult, IndexSearch } from './dialect.js';
import { tokenize, type Token } from './predicate-parser.js';

/**
 * Reads `EXPLAIN QUERY PLAN` rows. `SEARCH t USING [COVERING] INDEX i` and `SCAN t USING [COVERING]
 * INDEX i` use index i; a plain `SCAN t` (or one through an AUTOMATIC index SQLite builds on the fly)
 * is a sequential scan. Rowid/primary-key lookups are neither. SQLite names an aliased table by its
 * alias (`SCAN a`): `aliases` (from `tableAliases(sql)`) maps it back to the table.
 */
export function summarizeSqlitePlan(
  rows: readonly { readonly detail: string }[],
  aliases: ReadonlyMap<string, string> = new Map(),
): ExplainResult {
  const indexesUsed: string[] = [];
  const seqScans: string[] = [];
  const searches: IndexSearch[] = [];
  for (const { detail } of rows) {
    const m = /^(SEARCH|SCAN) (?:TABLE )?(\S+)(?: AS \S+)?(.*)$/.exec(detail);
    if (!m?.[2] || m[2].startsWith('(') || m[2] === 'CONSTANT') continue;
    const rest = m[3] ?? '';
    const used = /USING (?:COVERING )?INDEX (\S+)(?: \((.*)\))?/.exec(rest);
    const index = used?.[1];
    const automatic = rest.includes('AUTOMATIC');
    if (index !== undefined && !automatic) {
      indexesUsed.push(index);
      searches.push({ index, cond: used?.[2] ?? '' });
    } else if (automatic || (m[1] === 'SCAN' && !/PRIMARY KEY/.test(rest)))
      seqScans.push(aliases.get(m[2]) ?? m[2]);
  }
  return {
    indexesUsed: [...new Set(indexesUsed)],
    seqScans: [...new Set(seqScans)],
    summary: rows.map((r) => r.detail).join('; '),
    searches,
  };
}

const NOT_AN_ALIAS =
  /^(WHERE|JOIN|INNER|LEFT|RIGHT|FULL|CROSS|NATURAL|OUTER|ON|USING|GROUP|ORDER|LIMIT|HAVING|WINDOW|UNION|EXCEPT|INTERSECT|SET|VALUES|RETURNING|INDEXED|NOT)$/i;

/** `alias → table` for `FROM t [AS] a`, `JOIN t [AS] a` and `FROM t a, u b` in a statement. */
export function tableAliases(sql: string): Map<string, string> {
  const tokens = tokenize(sql) ?? [];
  const out = new Map<string, string>();
  for (let i = 0; i < tokens.length; i++) {
    if (!isWord(tokens[i], /^(FROM|JOIN)$/i)) continue;
    for (let j = i + 1; ;) {
      const table = tokens[j];
      if (table?.t !== 'id') break;
      j += 1;
      if (isWord(tokens[j], /^AS$/i)) j += 1;
      const alias = tokens[j];
      if (alias?.t === 'id' && (alias.quoted || !NOT_AN_ALIAS.test(alias.v))) {
        out.set(alias.v, table.v);
        j += 1;
      }
      const comma = tokens[j];
      if (comma?.t !== 'op' || comma.v !== ',') break;
      j += 1;
    }
  }
  return out;
}

function isWord(tok: Token | undefined, pattern: RegExp): boolean {
  return tok?.t === 'id' && !tok.quoted && pattern.test(tok.v);
}
