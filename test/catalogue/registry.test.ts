import { test } from 'node:test';
import assert from 'node:assert/strict';
import { builtInCatalogueNames, loadBuiltInCatalogue } from '../../src/catalogue/registry.js';
import { UsageError } from '../../src/errors.js';

void test('the example catalogue is built in', () => {
  assert.ok(builtInCatalogueNames().includes('example'));
  const c = loadBuiltInCatalogue('example');
  assert.equal(c.name, 'example');
  assert.deepEqual(
    c.phases.map((p) => p.name),
    ['core', 'lookups', 'reporting'],
  );
});

void test('an unknown name is a UsageError listing the known ones', () => {
  assert.throws(
    () => loadBuiltInCatalogue('nope'),
    (e: unknown) =>
      e instanceof UsageError && /unknown catalogue 'nope'; built-in catalogues: .*example/.test(e.message),
  );
  assert.throws(() => loadBuiltInCatalogue('toString'), UsageError);
});
