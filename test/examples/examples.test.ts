/**
 * Every example in examples/ is checked: IndexMigration manifests are admitted by the CRD (OpenAPI
 * schema, defaults and CEL rules, as the API server would), and Helm values files render with the chart
 * into an admitted IndexMigration.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { createCrdValidator } from '../kube/crd-validator.js';
import { only, render } from '../chart/render-chart.js';

const EXAMPLES = 'examples';
const files = readdirSync(EXAMPLES)
  .filter((f) => f.endsWith('.yaml'))
  .sort();
const validator = createCrdValidator();

const load = (file: string): Record<string, unknown> =>
  parseYaml(readFileSync(join(EXAMPLES, file), 'utf8')) as Record<string, unknown>;

void test('examples/ has an IndexMigration for PostgreSQL, MariaDB and SQLite, and values for the chart', () => {
  const dialects = files
    .map(load)
    .filter((doc) => doc['kind'] === 'IndexMigration')
    .map(
      (doc) => ((doc['spec'] as Record<string, unknown>)['database'] as Record<string, unknown>)['dialect'],
    );
  assert.deepEqual([...new Set(dialects)].sort(), ['mariadb', 'postgresql', 'sqlite']);
  assert.ok(files.some((f) => f.startsWith('values-')));
});

for (const file of files) {
  void test(`${file} is accepted`, () => {
    const doc = load(file);
    const migration = doc['kind'] === 'IndexMigration' ? doc : only(render(doc), 'IndexMigration');
    assert.equal(migration['apiVersion'], 'index-operator.io/v1alpha1');
    const result = validator.admit({
      ...migration,
      metadata: { namespace: 'mcp', ...(migration['metadata'] as object) },
    });
    assert.ok(result.ok, result.ok ? '' : result.causes.map((c) => c.message).join('\n'));
  });
}

void test('the CRD check rejects a broken example (the check can fail)', () => {
  const doc = load('indexmigration-postgresql.yaml');
  const spec = doc['spec'] as Record<string, unknown>;
  const fieldsOf = (change: Record<string, unknown>): string[] => {
    const result = validator.admit({ ...doc, spec: { ...spec, ...change } });
    return result.ok ? [] : result.causes.map((c) => c.field);
  };
  assert.deepEqual(fieldsOf({ concurrency: 99 }), ['spec.concurrency']);
  assert.ok(fieldsOf({ phases: ['core', 'core'] }).some((f) => f.startsWith('spec.phases')));
  assert.ok(fieldsOf({ lockTimeout: '5 s' }).includes('spec.lockTimeout'));
});
