import type { ExplainResult, IndexSearch, JoinScan } from './dialect.js';

interface PlanNode {
  readonly 'Node Type'?: unknown;
  readonly 'Index Name'?: unknown;
  readonly 'Relation Name'?: unknown;
  readonly Alias?: unknown;
  readonly 'Plan Rows'?: unknown;
  readonly 'Total Cost'?: unknown;
  readonly 'Index Cond'?: unknown;
  readonly 'Hash Cond'?: unknown;
  readonly 'Merge Cond'?: unknown;
  readonly 'Join Type'?: unknown;
  readonly Plans?: unknown;
}

const INDEX_SCANS = new Set(['Index Scan', 'Index Only Scan', 'Bitmap Index Scan']);

/**
 * Reads `EXPLAIN (FORMAT JSON)` output: index names used, tables scanned sequentially (and which of those
 * scans feed a hash or merge join, on which column), the plan's total cost, a summary.
 */
export function summarizePostgresPlan(explainJson: unknown): ExplainResult {
  const root = Array.isArray(explainJson)
    ? (explainJson[0] as { Plan?: unknown } | undefined)?.Plan
    : undefined;
  const indexesUsed: string[] = [];
  const seqScans: string[] = [];
  const joinScans: JoinScan[] = [];
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
    joinScans.push(...scansFeedingJoin(n));
    if (Array.isArray(n.Plans)) n.Plans.forEach(walk);
  };
  walk(root);
  const cost = typeof root === 'object' && root !== null ? (root as PlanNode)['Total Cost'] : undefined;
  return {
    indexesUsed: [...new Set(indexesUsed)],
    seqScans: [...new Set(seqScans)],
    ...(joinScans.length > 0 ? { joinScans } : {}),
    ...(typeof cost === 'number' ? { totalCost: cost } : {}),
    summary: steps.length === 0 ? nodeType(root) : steps.join('; '),
    searches,
  };
}

function nodeType(node: unknown): string {
  const type = typeof node === 'object' && node !== null ? (node as PlanNode)['Node Type'] : undefined;
  return typeof type === 'string' ? type : 'empty plan';
}

const text = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/**
 * Which inputs of a join (0 outer, 1 inner) the join reads whole whatever indexes exist: the preserved
 * side of an outer join (every row is output, matched or not) and the side an anti join keeps. No
 * nested loop can probe such a side by its join column, so its scan is no stand-in for an index probe.
 */
const READ_WHOLE: Readonly<Record<string, readonly number[]>> = {
  Left: [0],
  Anti: [0],
  Right: [1],
  'Right Anti': [1],
  Full: [0, 1],
};

function readWhole(joinType: string | undefined): readonly number[] {
  return (joinType === undefined ? undefined : READ_WHOLE[joinType]) ?? [];
}

/**
 * The sequential scans that are direct inputs of a hash join (through its Hash node) or a merge join,
 * with the scanned table's column in the join condition (`((alias.column)::text = …)`); not a side the
 * join needs whole (see readWhole: e.g. the listed table of a `LEFT OUTER JOIN` eager load).
 */
function scansFeedingJoin(n: PlanNode): JoinScan[] {
  const cond = text(n['Hash Cond']) ?? text(n['Merge Cond']);
  if (cond === undefined || !Array.isArray(n.Plans)) return [];
  const whole = readWhole(text(n['Join Type']));
  const inputs = (n.Plans as PlanNode[]).map((c, i) =>
    whole.includes(i)
      ? undefined
      : text(c['Node Type']) === 'Hash' && Array.isArray(c.Plans)
        ? (c.Plans[0] as PlanNode | undefined)
        : c,
  );
  const out: JoinScan[] = [];
  for (const input of inputs) {
    const table = text(input?.['Relation Name']);
    if (input === undefined || text(input['Node Type']) !== 'Seq Scan' || table === undefined) continue;
    const alias = text(input.Alias) ?? table;
    const column = [...cond.matchAll(/\b(\w+)\.(\w+)\b/g)].find((m) => m[1] === alias)?.[2];
    const rows = input['Plan Rows'];
    if (column !== undefined && typeof rows === 'number') out.push({ table, column, rows });
  }
  return out;
}
