/**
 * Shorthand for writing catalogue files: columns as `'created_at DESC'`, optional fields defaulted,
 * and each index's `phase` filled in from the phase it is listed in.
 */
import type { Phase } from './catalogue.js';
import { column, type Condition, type IndexDefinition } from './index-definition.js';

export interface IndexSpec {
  readonly name: string;
  readonly table: string;
  /** `'team_id'`, `'created_at DESC'`. */
  readonly columns: readonly string[];
  readonly unique?: boolean;
  readonly where?: readonly Condition[];
  readonly include?: readonly string[];
  readonly reason: string;
  readonly serves?: readonly string[];
}

export function definePhase(name: string, description: string, specs: readonly IndexSpec[]): Phase {
  return { name, description, indexes: specs.map((spec) => defineIndex(name, spec)) };
}

export function defineIndex(phase: string, spec: IndexSpec): IndexDefinition {
  return {
    name: spec.name,
    table: spec.table,
    columns: spec.columns.map(column),
    unique: spec.unique ?? false,
    where: spec.where ?? [],
    include: spec.include ?? [],
    phase,
    reason: spec.reason,
    ...(spec.serves === undefined ? {} : { serves: spec.serves }),
  };
}
