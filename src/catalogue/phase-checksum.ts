/**
 * A phase's checksum: sha256 over a canonical serialisation of what the phase builds. Stable under key
 * order, index order and predicate order; `reason` and descriptions are left out (they change no index),
 * so only a change to what lands in the database counts as drift.
 */
import { createHash } from 'node:crypto';
import type { Phase } from './catalogue.js';
import { canonicalPredicate, type IndexDefinition } from './index-definition.js';

export function phaseChecksum(phase: Pick<Phase, 'indexes'>): string {
  const defs = [...phase.indexes].map(canonicalDefinition).sort((a, b) => a.name.localeCompare(b.name));
  return createHash('sha256').update(canonicalJson(defs)).digest('hex');
}

function canonicalDefinition(def: IndexDefinition): Record<string, unknown> & { name: string } {
  return {
    name: def.name,
    table: def.table,
    columns: def.columns.map((c) => `${c.name} ${c.order}`),
    unique: def.unique,
    where: canonicalPredicate(def.where),
    include: [...def.include].sort(),
  };
}

/** JSON with object keys sorted at every level. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
