/**
 * The state of a phase as the database really is, not only as its bookkeeping row says: a phase is
 * `succeeded` (applied) only when its row says so AND every index it plans is there (exists or skipped).
 * A phase recorded `succeeded` whose indexes are not all there (a killed `down`, an index dropped by
 * hand, a table created after the phase was recorded) is `incomplete`: `up` runs it again and builds what
 * is missing. `plan`, `status`, the Umzug storage and the operator's reader all derive the state here, so
 * they cannot disagree. Pure.
 */
import type { MigrationRow, MigrationStatus } from './bookkeeping-store.js';
import type { PlannedIndex } from './engine.js';

/** A recorded status, `pending` (no row) or `incomplete` (recorded succeeded, indexes missing now). */
export type PhaseState = MigrationStatus | 'pending' | 'incomplete';

/** Planned actions that mean the index is not there (as the catalogue defines it). */
const NOT_THERE: ReadonlySet<PlannedIndex['action']> = new Set(['create', 'rebuild', 'conflict']);

export function derivePhaseState(
  row: MigrationRow | undefined,
  indexes: readonly PlannedIndex[],
): PhaseState {
  if (row === undefined) return 'pending';
  if (row.status !== 'succeeded') return row.status;
  return missingIndexes(indexes).length > 0 ? 'incomplete' : 'succeeded';
}

/** Names of the phase's indexes that are not there now (to be created, rebuilt, or in conflict). */
export function missingIndexes(indexes: readonly PlannedIndex[]): string[] {
  return indexes.filter((i) => NOT_THERE.has(i.action)).map((i) => i.index.name);
}

/** The message of an `incomplete` phase: how many of its indexes are missing, and what to do. */
export function incompleteMessage(indexes: readonly PlannedIndex[]): string {
  const missing = missingIndexes(indexes);
  const shown = missing.slice(0, 5).join(', ') + (missing.length > 5 ? ', …' : '');
  return (
    `recorded as applied, but ${missing.length} of its ${indexes.length} indexes are not in the database ` +
    `(${shown}): run up to build them`
  );
}
