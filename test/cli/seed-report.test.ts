import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderSeedReport } from '../../src/cli/commands/seed.js';
import type { SeedReport } from '../../src/seed/seed.js';

const base: SeedReport = {
  schema: 'pre-epic',
  tables: 53,
  indexes: 125,
  rows: 100_584,
  schemaMs: 10,
  loadMs: 862,
  indexMs: 100,
  analyzeMs: 18,
  rowsPerSecond: 116_735,
};

void test('seed report: rows, load rate and ANALYZE time', () => {
  assert.deepEqual(renderSeedReport(base), [
    "schema pre-epic: 53 tables, 125 indexes of the application's own (10ms)",
    'data: 100,584 rows in 862ms (116,735 rows/s); ANALYZE 18ms',
  ]);
});

void test('seed report with --schema-only: says no data was loaded instead of a 0 rows/s rate', () => {
  const lines = renderSeedReport({ ...base, rows: 0, loadMs: 4, analyzeMs: 1, rowsPerSecond: 0 });
  assert.equal(lines[1], 'data: none (schema only)');
});
