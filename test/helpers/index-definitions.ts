/**
 * Index definitions for tests: one ascending column on a table, not unique, no predicate and no
 * INCLUDE columns, phase core; `over` replaces any of it. And indexes as introspection reports them.
 */
import type { IndexDefinition } from '../../src/catalogue/index-definition.js';
import type { ExistingIndex } from '../../src/dialects/dialect.js';

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

/**
 * An index as introspection reports it: on table t, ascending column a, full, valid and ready, not
 * unique; `over` replaces any of it (the definition names the index).
 */
export function existingIndex(over: Partial<ExistingIndex> & Pick<ExistingIndex, 'name'>): ExistingIndex {
  return {
    table: 't',
    columns: [{ name: 'a', order: 'ASC' }],
    include: [],
    unique: false,
    primary: false,
    predicate: '',
    valid: true,
    ready: true,
    definition: `CREATE INDEX ${over.name} ON t (a)`,
    ...over,
  };
}
