/**
 * The planner: pure. Catalogue phases + schema snapshot + bookkeeping rows → what to do per index.
 * The runner re-checks each index right before building it (the database may have changed).
 */
import type { Phase } from '../catalogue/catalogue.js';
import { phaseChecksum } from '../catalogue/phase-checksum.js';
import { canonicalPredicate, indexShapeKey, type IndexDefinition } from '../catalogue/index-definition.js';
import type { ExistingIndex, SchemaSnapshot } from '../dialects/dialect.js';
import { adaptIndex, type AdaptCapabilities } from './adapt-index.js';
import type { MigrationRow } from './bookkeeping-store.js';
import { derivePhaseState, incompleteMessage } from './phase-state.js';
import type { ActionCounts, PlannedIndex, PlannedPhase } from './engine.js';

export interface PlannerInput {
  readonly phases: readonly Phase[];
  readonly snapshot: SchemaSnapshot;
  readonly capabilities: AdaptCapabilities;
  readonly migrations: readonly MigrationRow[];
  /** Index names the engine owns. */
  readonly owned: ReadonlySet<string>;
}

export function planPhases(input: PlannerInput): PlannedPhase[] {
  const rows = new Map(input.migrations.map((r) => [r.phase, r]));
  return input.phases.map((phase) => {
    const row = rows.get(phase.name);
    const checksum = phaseChecksum(phase);
    const indexes = phase.indexes.map((def) => planIndex(def, input));
    const status = derivePhaseState(row, indexes);
    return {
      name: phase.name,
      description: phase.description,
      checksum,
      status,
      applied: status === 'succeeded',
      ...(row ? { appliedChecksum: row.checksum } : {}),
      drift: row?.status === 'succeeded' && row.checksum !== checksum,
      ...(status === 'incomplete' ? { message: incompleteMessage(indexes) } : {}),
      indexes,
    };
  });
}

export function countActions(phases: readonly PlannedPhase[]): ActionCounts {
  const counts = { create: 0, exists: 0, rebuild: 0, conflict: 0, skip: 0 };
  for (const p of phases) for (const i of p.indexes) counts[i.action] += 1;
  return counts;
}

/** One index against the snapshot (also used by the runner's re-check right before a build). */
export function planIndex(
  def: IndexDefinition,
  input: Omit<PlannerInput, 'phases' | 'migrations'>,
): PlannedIndex {
  const { index, dropped, unsupported } = adaptIndex(
    def,
    input.capabilities,
    input.snapshot.tables.get(def.table),
  );
  const owned = input.owned.has(def.name);
  const base = { index, dropped, owned };
  if (unsupported) return { ...base, action: 'skip', reason: unsupported };
  const missing = missingObjects(index, input.snapshot);
  if (missing) return { ...base, action: 'skip', reason: missing };
  const sameName = input.snapshot.indexes.find((e) => e.name === index.name);
  if (sameName) return { ...base, ...compareSameName(index, sameName, input.capabilities.supportsInclude) };
  const equivalent = input.snapshot.indexes.find(
    (e) => e.valid && e.ready && e.implicit !== true && sameShape(index, e),
  );
  if (equivalent) {
    return {
      ...base,
      action: 'exists',
      existingName: equivalent.name,
      reason: `an equivalent index '${equivalent.name}' already exists`,
    };
  }
  const unique = def.unique ? undefined : input.snapshot.indexes.find((e) => servesAsUnique(index, e));
  if (unique) {
    return {
      ...base,
      action: 'exists',
      existingName: unique.name,
      reason: `the unique index '${unique.name}' has the same key and predicate and serves its lookups`,
    };
  }
  const noOnline = input.snapshot.tables.get(def.table)?.noOnlineBuild;
  if (noOnline !== undefined) {
    return { ...base, action: 'skip', reason: `cannot be built without blocking writes: ${noOnline}` };
  }
  return { ...base, action: 'create' };
}

/**
 * A valid unique index with the same key (columns in order, directions) and predicate serves every
 * lookup of a plain index. Never the other way round: a plain index does not enforce uniqueness.
 */
function servesAsUnique(def: IndexDefinition, e: ExistingIndex): boolean {
  return !def.unique && e.unique && e.valid && e.ready && sameShape({ ...def, unique: true }, e);
}

function missingObjects(def: IndexDefinition, snapshot: SchemaSnapshot): string | undefined {
  const table = snapshot.tables.get(def.table);
  if (!table) return `table '${def.table}' does not exist`;
  const needed = [...def.columns.map((c) => c.name), ...def.include, ...def.where.map((c) => c.column)];
  const have = new Set(table.columns);
  const missing = [...new Set(needed.filter((n) => !have.has(n)))];
  if (missing.length === 0) return undefined;
  return `table '${def.table}' has no column${missing.length === 1 ? '' : 's'} ${missing.map((m) => `'${m}'`).join(', ')}`;
}

function compareSameName(
  def: IndexDefinition,
  existing: ExistingIndex,
  compareInclude: boolean,
): Pick<PlannedIndex, 'action' | 'existingName' | 'reason'> {
  if (!existing.valid || !existing.ready) {
    return {
      action: 'rebuild',
      existingName: existing.name,
      reason: 'INVALID leftover of an interrupted build',
    };
  }
  if (sameShape(def, existing) && (!compareInclude || sameInclude(def, existing))) {
    return { action: 'exists', existingName: existing.name };
  }
  return { action: 'conflict', existingName: existing.name, reason: conflictMessage(def, existing) };
}

export function conflictMessage(def: IndexDefinition, existing: ExistingIndex): string {
  return (
    `index '${def.name}' already exists with a different definition: the database has ` +
    `[${existing.definition}], the catalogue wants [${describeDefinition(def)}]; ` +
    `rename the catalogue's index or drop the existing one`
  );
}

/** Dialect-neutral one-line description of a definition, for messages. */
export function describeDefinition(def: IndexDefinition): string {
  const include = def.include.length > 0 ? ` INCLUDE (${def.include.join(', ')})` : '';
  return `${indexShapeKey(def)}${include}`;
}

/** Equivalence: table, key columns in order with direction, uniqueness, predicate. INCLUDE is ignored. */
export function sameShape(def: IndexDefinition, e: ExistingIndex): boolean {
  if (e.table !== def.table || e.unique !== def.unique) return false;
  if (e.columns.length !== def.columns.length) return false;
  const columnsMatch = def.columns.every(
    (c, i) => e.columns[i]?.name === c.name && e.columns[i]?.order === c.order,
  );
  return columnsMatch && e.predicate === canonicalPredicate(def.where);
}

function sameInclude(def: IndexDefinition, e: ExistingIndex): boolean {
  const a = [...def.include].sort();
  const b = [...e.include].sort();
  return a.length === b.length && a.every((n, i) => n === b[i]);
}
