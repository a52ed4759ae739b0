import { canonicalPredicate, type IndexDefinition } from '../catalogue/index-definition.js';

/** `UNIQUE tools(team_id, created_at DESC) INCLUDE (name) WHERE enabled = true`, for text output. */
export function describeIndex(def: IndexDefinition): string {
  const cols = def.columns.map((c) => (c.order === 'DESC' ? `${c.name} DESC` : c.name)).join(', ');
  const include = def.include.length > 0 ? ` INCLUDE (${def.include.join(', ')})` : '';
  const where = def.where.length > 0 ? ` WHERE ${canonicalPredicate(def.where)}` : '';
  return `${def.unique ? 'UNIQUE ' : ''}${def.table}(${cols})${include}${where}`;
}
