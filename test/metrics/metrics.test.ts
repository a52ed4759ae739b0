/**
 * The metrics module and the observer, without I/O: names, units and help texts, the observer's
 * bookkeeping of a run, health export replacing stale series, and removal of a deleted migration.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import type { IndexDefinition } from '../../src/catalogue/index-definition.js';
import { exportHealthMetrics } from '../../src/health/health-metrics.js';
import type { HealthReport, IndexHealth } from '../../src/health/health-report.js';
import { createMetrics, removeMigrationSeries, type Metrics } from '../../src/metrics/metrics.js';
import { metricsObserver } from '../../src/metrics/metrics-observer.js';
import { testIndex } from '../helpers/index-definitions.js';

function fresh(): Metrics {
  return createMetrics(new Registry(), { version: '1.2.3' });
}

async function value(m: Metrics, name: string, labels: Record<string, string>): Promise<number | undefined> {
  const metric = m.registry.getSingleMetric(name);
  assert.ok(metric, `metric ${name} exists`);
  const { values } = await metric.get();
  const hit = values.find((v) => Object.entries(labels).every(([k, x]) => String(v.labels[k]) === x));
  return hit?.value;
}

const def = (name: string, table = 'tools'): IndexDefinition => testIndex(name, table, 'team_id');

void test('every metric of ours has the prefix, a help text, and a unit or _total where it counts', async () => {
  const m = fresh();
  const ours = (await m.registry.getMetricsAsJSON()).filter((x) => x.name.startsWith('index_operator_'));
  assert.ok(ours.length >= 30, `found ${ours.length}`);
  for (const metric of ours) {
    assert.ok(metric.help.length > 10, `${metric.name} has help`);
    if (String(metric.type) === 'counter') assert.match(metric.name, /_total$/);
    else assert.doesNotMatch(metric.name, /_total$/, `${metric.name} is not a counter`);
    if (String(metric.type) === 'histogram') assert.match(metric.name, /_seconds$/);
  }
  assert.ok((await m.registry.getMetricsAsJSON()).some((x) => x.name === 'process_cpu_seconds_total'));
  assert.equal(await value(m, 'index_operator_build_info', { version: '1.2.3' }), 1);
});

void test('the observer records a run: planned/done, current phase, durations, retries, lock timeouts, state', async () => {
  const m = fresh();
  const o = metricsObserver({ metrics: m, migration: 'app' });
  o.runStarted?.({ phases: ['core', 'rbac'], indexesTotal: 3 });
  assert.equal(await value(m, 'index_operator_migration_state', { migration: 'app', state: 'Running' }), 1);
  o.phaseStarted?.({ phase: 'core', indexesTotal: 2 });
  assert.equal(await value(m, 'index_operator_current_phase', { phase: 'core' }), 1);
  assert.equal(await value(m, 'index_operator_retries_total', { phase: 'core' }), 0);
  o.indexStarted?.({ phase: 'core', index: def('idx_a'), attempt: 1 });
  o.indexRetry?.({ phase: 'core', index: def('idx_a'), attempt: 1, reason: 'lock_timeout', delayMs: 10 });
  o.indexFinished?.({ phase: 'core', index: def('idx_a'), action: 'create', attempt: 2, durationMs: 2500 });
  o.indexFailed?.({
    phase: 'core',
    index: def('idx_b'),
    attempt: 1,
    reason: 'unique_violation',
    message: 'x',
  });
  o.phaseFinished?.({
    phase: 'core',
    result: 'rolled_back',
    durationMs: 4000,
    indexesCreated: 1,
    indexesSkipped: 0,
  });
  o.rollback?.({ phase: 'core', indexesDropped: 1 });
  o.phaseStarted?.({ phase: 'rbac', indexesTotal: 1 });
  assert.equal(await value(m, 'index_operator_current_phase', { phase: 'core' }), 0);
  assert.equal(await value(m, 'index_operator_current_phase', { phase: 'rbac' }), 1);
  o.runFinished?.({ ok: false, durationMs: 5000 });

  assert.equal(await value(m, 'index_operator_indexes_planned', { migration: 'app' }), 3);
  assert.equal(await value(m, 'index_operator_indexes_done', { migration: 'app' }), 1);
  assert.equal(await value(m, 'index_operator_retries_total', { phase: 'core' }), 1);
  assert.equal(await value(m, 'index_operator_lock_timeouts_total', { phase: 'core' }), 1);
  assert.equal(await value(m, 'index_operator_rollbacks_total', { phase: 'core' }), 1);
  assert.equal(await value(m, 'index_operator_failures_total', { reason: 'unique_violation' }), 1);
  assert.equal(
    await value(m, 'index_operator_phase_duration_seconds', {
      phase: 'core',
      result: 'rolled_back',
      le: '5',
    }),
    1,
  );
  assert.equal(
    await value(m, 'index_operator_index_build_duration_seconds', { action: 'create', le: '1' }),
    0,
  );
  assert.equal(
    await value(m, 'index_operator_index_build_duration_seconds', { action: 'create', le: '5' }),
    1,
  );
  assert.equal(await value(m, 'index_operator_migration_state', { state: 'Failed' }), 1);
  assert.equal(await value(m, 'index_operator_migration_state', { state: 'Running' }), 0);
});

function health(indexes: readonly IndexHealth[], unindexed: boolean): HealthReport {
  return {
    dialect: 'postgresql',
    target: '127.0.0.1:5432/x',
    catalogue: null,
    inspectedAt: '2026-01-01T00:00:00.000Z',
    statistics: true,
    note: null,
    statsResetAt: '2025-12-31T00:00:00.000Z',
    tablesInspected: ['tools'],
    indexes,
    tables: [{ table: 'tools', seqScans: 5, indexScans: 7, liveRows: 10 }],
    findings: {
      invalid: indexes.filter((i) => i.state === 'invalid'),
      missing: [],
      unused: indexes.filter((i) => i.scans === 0),
      duplicates: [],
      unindexedForeignKeys: unindexed
        ? [{ table: 'tools', constraint: 'tools_team_fk', columns: ['team_id'], refTable: 'teams' }]
        : [],
    },
    ok: !unindexed,
  };
}

const ix = (name: string, scans: number, state: IndexHealth['state'] = 'valid'): IndexHealth => ({
  name,
  table: 'tools',
  state,
  inCatalogue: false,
  unique: false,
  primary: false,
  sizeBytes: 8192,
  scans,
  definition: '',
});

void test('health export sets counts by kind and replaces per-index series of the previous export', async () => {
  const m = fresh();
  await exportHealthMetrics(m, 'app', health([ix('idx_old', 0), ix('idx_bad', 1, 'invalid')], true));
  assert.equal(await value(m, 'index_operator_index_unused', { index: 'idx_old' }), 1);
  assert.equal(await value(m, 'index_operator_index_invalid', { index: 'idx_bad' }), 1);
  assert.equal(await value(m, 'index_operator_health_findings', { kind: 'unindexed_foreign_key' }), 1);
  assert.equal(await value(m, 'index_operator_health_stats_reset_timestamp_seconds', {}), 1767139200);

  await exportHealthMetrics(m, 'app', health([ix('idx_new', 4)], false));
  assert.equal(await value(m, 'index_operator_index_unused', { index: 'idx_old' }), undefined);
  assert.equal(await value(m, 'index_operator_index_size_bytes', { index: 'idx_old' }), undefined);
  assert.equal(await value(m, 'index_operator_index_scans', { index: 'idx_new' }), 4);
  assert.equal(await value(m, 'index_operator_unindexed_foreign_key', { table: 'tools' }), undefined);
  assert.equal(await value(m, 'index_operator_health_findings', { kind: 'unindexed_foreign_key' }), 0);
  assert.equal(await value(m, 'index_operator_health_findings', { kind: 'invalid' }), 0);
});

void test("removeMigrationSeries drops a deleted migration's series and keeps the others", async () => {
  const m = fresh();
  for (const migration of ['gone', 'kept']) {
    const o = metricsObserver({ metrics: m, migration });
    o.runStarted?.({ phases: ['core'], indexesTotal: 1 });
    o.phaseStarted?.({ phase: 'core', indexesTotal: 1 });
    o.phaseFinished?.({
      phase: 'core',
      result: 'succeeded',
      durationMs: 10,
      indexesCreated: 1,
      indexesSkipped: 0,
    });
    await exportHealthMetrics(m, migration, health([ix('idx_x', 0)], true));
  }
  await removeMigrationSeries(m, 'gone');
  const text = await m.registry.metrics();
  assert.doesNotMatch(text, /migration="gone"/);
  assert.match(text, /index_operator_phase_duration_seconds_bucket\{le="1",migration="kept"/);
  assert.match(text, /index_operator_index_unused\{migration="kept"/);
});
