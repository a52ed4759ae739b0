/**
 * Static checks of the shipped observability files with the real tools: `promtool check rules` and
 * `promtool test rules` (the alerts' unit tests), every alert's runbook anchor exists in
 * docs/runbooks.md, and the dashboard's variables and queries follow the contract.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { Registry } from 'prom-client';
import { createMetrics } from '../../src/metrics/metrics.js';

const RULES = 'alerts/index-operator.rules.yaml';

function promtool(args: readonly string[], cwd = '.'): string {
  const res = spawnSync('promtool', args, { encoding: 'utf8', cwd });
  assert.equal(res.error, undefined, 'promtool runs (Debian package prometheus)');
  const out = `${res.stdout}${res.stderr}`;
  assert.equal(res.status, 0, out);
  return out;
}

interface Rule {
  readonly alert: string;
  readonly expr: string;
  readonly labels: Record<string, string>;
  readonly annotations: Record<string, string>;
}

const rules = (parse(readFileSync(RULES, 'utf8')) as { groups: { rules: Rule[] }[] }).groups.flatMap(
  (g) => g.rules,
);

void test('promtool check rules passes', () => {
  assert.match(promtool(['check', 'rules', RULES]), /SUCCESS: 5 rules found/);
});

void test('promtool test rules passes (unit tests of every alert)', () => {
  assert.match(promtool(['test', 'rules', 'index-operator.rules.test.yaml'], 'alerts'), /SUCCESS/);
  const tested = readFileSync('alerts/index-operator.rules.test.yaml', 'utf8');
  for (const r of rules) assert.match(tested, new RegExp(`alertname: ${r.alert}\\b`), `${r.alert} is tested`);
});

void test('the five alerts exist, each with severity, summary and a runbook anchor that exists', () => {
  assert.deepEqual(rules.map((r) => r.alert).sort(), [
    'IndexOperatorBuildStalled',
    'IndexOperatorDown',
    'IndexOperatorInvalidIndex',
    'IndexOperatorMigrationFailed',
    'IndexOperatorUnindexedForeignKeys',
  ]);
  const headings = new Set(
    readFileSync('docs/runbooks.md', 'utf8')
      .split('\n')
      .filter((l) => l.startsWith('## '))
      .map((l) => l.slice(3).trim().toLowerCase()),
  );
  for (const r of rules) {
    assert.match(r.labels['severity'] ?? '', /^(critical|warning)$/, r.alert);
    assert.ok((r.annotations['summary'] ?? '').length > 10, `${r.alert} summary`);
    const anchor = /docs\/runbooks\.md#([a-z0-9-]+)$/.exec(r.annotations['runbook_url'] ?? '')?.[1];
    assert.equal(anchor, r.alert.toLowerCase(), `${r.alert} runbook_url anchor`);
    assert.ok(headings.has(anchor), `docs/runbooks.md has a section for ${r.alert}`);
  }
});

interface Panel {
  readonly title: string;
  readonly type: string;
  readonly datasource?: { readonly uid: string };
  readonly targets?: readonly { readonly expr: string }[];
}
interface Dashboard {
  readonly uid: string;
  readonly templating: { readonly list: readonly { readonly name: string; readonly type: string }[] };
  readonly panels: readonly Panel[];
}

void test('dashboard: datasource, namespace and migration variables; every query uses known metrics', async () => {
  const d = JSON.parse(readFileSync('dashboards/index-operator.json', 'utf8')) as Dashboard;
  assert.deepEqual(
    d.templating.list.map((v) => `${v.name}:${v.type}`),
    ['datasource:datasource', 'namespace:query', 'migration:query'],
  );
  const known = new Set((await createMetrics(new Registry()).registry.getMetricsAsJSON()).map((m) => m.name));
  known.add('up');
  const titles = d.panels.map((p) => p.title);
  for (const wanted of [
    'Phase timeline',
    'Phase durations (mean per run)',
    'Live build progress',
    'Estimated time left',
    'Indexes done / planned',
    'Retries and lock timeouts',
    'Invalid indexes',
    'Unused indexes',
    'Duplicate and overlapping indexes',
    'Unindexed foreign keys',
    'Largest indexes',
    'Sequential vs index scans per table',
  ]) {
    assert.ok(titles.includes(wanted), `panel ${wanted}`);
  }
  for (const p of d.panels.filter((x) => x.type !== 'row')) {
    assert.equal(p.datasource?.uid, '${datasource}', `${p.title} uses the datasource variable`);
    assert.ok((p.targets ?? []).length > 0, `${p.title} has a query`);
    for (const t of p.targets ?? []) {
      assert.match(t.expr, /namespace=~"\$namespace"/, `${p.title} filters by namespace`);
      for (const name of t.expr.match(/\b(?:index_operator_\w+|up)\b(?=\{)/g) ?? []) {
        const base = name.replace(/_(bucket|sum|count)$/, '');
        assert.ok(known.has(name) || known.has(base), `${p.title}: ${name} is a metric we export`);
      }
    }
  }
});
