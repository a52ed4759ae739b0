import type { ExplainResult, IndexSearch } from './dialect.js';

interface PlanNode {
  readonly 'Node Type'?: unknown;
  readonly 'Index Name'?: unknown;
  readonly 'Relation Name'?: unknown;
  readonly 'Index Cond'?: unknown;
  readonly Plans?: unknown;
}

const INDEX_SCANS = new Set(['Index Scan', 'Index Only Scan', 'Bitmap Index Scan']);

/** Reads `EXPLAIN (FORMAT JSON)` output: index names used, tables scanned sequentially, a summary. */
export function summarizePostgresPlan(explainJson: unknown): ExplainResult {
  const root = Array.isArray(explainJson)
    ? (explainJson[0] as { Plan?: unknown } | undefined)?.Plan
    : undefined;
  const indexesUsed: string[] = [];
  const seqScans: string[] = [];
  const steps: string[] = [];
  const searches: IndexSearch[] = [];
  const walk = (node: unknown): void => {
    if (typeof node !== 'object' || node === null) return;
    const n = node as PlanNode;
    const type = typeof n['Node Type'] === 'string' ? n['Node Type'] : '?';
    const index = typeof n['Index Name'] === 'string' ? n['Index Name'] : undefined;
    const relation = typeof n['Relation Name'] === 'string' ? n['Relation Name'] : undefined;
    if (INDEX_SCANS.has(type) && index !== undefined) {
      indexesUsed.push(index);
      searches.push({ index, cond: typeof n['Index Cond'] === 'string' ? n['Index Cond'] : '' });
      steps.push(`${type} using ${index}${relation === undefined ? '' : ` on ${relation}`}`);
    } else if (type === 'Seq Scan' && relation !== undefined) {
      seqScans.push(relation);
      steps.push(`Seq Scan on ${relation}`);
    }
    if (Array.isArray(n.Plans)) n.Plans.forEach(walk);
  };
  walk(root);
  return {
    indexesUsed: [...new Set(indexesUsed)],
    seqScans: [...new Set(seqScans)],
    summary: steps.length === 0 ? nodeType(root) : steps.join('; '),
    searches,
  };
}

function nodeType(node: unknown): string {
  const type = typeof node === 'object' && node !== null ? (node as PlanNode)['Node Type'] : undefined;
  return typeof type === 'string' ? type : 'empty plan';
}
