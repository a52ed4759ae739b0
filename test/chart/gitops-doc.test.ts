/**
 * docs/gitops.md's promises: the chart relies on no Helm hook (Argo CD renders and applies it), the CRD
 * it tells Argo CD and Flux to apply first is the chart's own, and the Argo CD health check reads the
 * conditions the operator writes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { render } from './render-chart.js';

const doc = readFileSync(new URL('../../docs/gitops.md', import.meta.url), 'utf8');

void test('the chart renders no Helm hook, with or without the migration and monitoring', () => {
  for (const values of [{}, { migration: { enabled: true } }, { watchNamespaces: ['mcp'] }]) {
    for (const obj of render(values)) {
      const annotations = (obj.metadata as { annotations?: Record<string, string> }).annotations ?? {};
      assert.equal(annotations['helm.sh/hook'], undefined, `${obj.kind} ${obj.metadata.name ?? ''}`);
    }
  }
});

void test('the doc applies the CRD from crds/ first and skips the chart copy, for Argo CD and Flux', () => {
  assert.match(doc, /path: crds/);
  assert.match(doc, /skipCrds: true/);
  assert.match(doc, /path: \.\/crds/);
  assert.match(doc, /crds: Skip/);
  assert.match(doc, /dependsOn:/);
  assert.match(doc, /argocd\.argoproj\.io\/sync-wave: '-1'/);
});

void test('the Argo CD health check maps the Ready, Progressing and Degraded conditions', () => {
  assert.match(doc, /resource\.customizations\.health\.index-operator\.io_IndexMigration/);
  for (const [condition, health] of [
    ['Ready', 'Healthy'],
    ['Progressing', 'Progressing'],
    ['Degraded', 'Degraded'],
  ] as const) {
    assert.match(
      doc,
      new RegExp(`byType\\["${condition}"\\].status == "True" then\\s+return \\{ status = "${health}"`),
    );
  }
});
