/**
 * Index definitions for tests: one ascending column on a table, not unique, no predicate and no
 * INCLUDE columns, phase core; `over` replaces any of it.
 */
import type { IndexDefinition } from '../../src/catalogue/index-definition.js';

export function testIndex(
  name: string,
  table: string,
  column: string,
  over: Partial<IndexDefinition> = {},
): IndexDefinition {
  return {
    name,
    table,
    columns: [{ name: column, order: 'ASC' }],
    unique: false,
    where: [],
    include: [],
    phase: 'core',
    reason: 'test',
    ...over,
  };
}
