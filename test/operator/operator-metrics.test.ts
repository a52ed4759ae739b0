import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import { createMetrics, type Metrics } from '../../src/metrics/metrics.js';
import { operatorMetrics } from '../../src/operator/operator-metrics.js';
import type { AppliedPhase } from '../../src/operator/decide-run.js';
import type { IndexMigrationStatus } from '../../src/operator/types.js';
import { loadBuiltInCatalogue } from '../../src/catalogue/registry.js';

const fresh = (): Metrics => createMetrics(new Registry(), { defaultMetrics: false });
const at = { namespace: 'apps', migration: 'mcp' };

const failed: IndexMigrationStatus = {
  phase: 'RolledBack',
  progress: { indexesDone: 3, indexesTotal: 9, summary: '3/9' },
  phases: [
    { name: 'core', state: 'Succeeded', durationSeconds: 2.5 },
    { name: 'rbac', state: 'RolledBack' },
    { name: 'teams', state: 'Pending' },
  ],
};

void describe('operator metrics', () => {
  void it('phase durations and rollbacks count status transitions, once each', async () => {
    const metrics = fresh();
    const hooks = operatorMetrics(metrics);
    const running = { phase: 'Running', phases: [{ name: 'core', state: 'Running' }] } as const;
    hooks.statusWritten?.({ ...at, previous: running, status: failed });
    hooks.statusWritten?.({ ...at, previous: failed, status: failed });
    hooks.reconciled?.({ result: 'ok', seconds: 0.01 });
    hooks.leader?.(true);
    const text = await metrics.registry.metrics();
    assert.match(
      text,
      /phase_duration_seconds_count\{migration="apps\/mcp",phase="core",result="succeeded"\} 1/,
    );
    assert.match(
      text,
      /rollbacks_total\{migration="apps\/mcp",phase="rbac"\} 1/,
      'counted once, not per write',
    );
    assert.match(text, /^index_operator_leader 1$/m);
  });

  void it('state, progress and current phase follow every reconcile, not only status writes', async () => {
    // A restarted operator whose first reconcile finds the status already right writes nothing.
    const metrics = fresh();
    operatorMetrics(metrics).statusObserved?.({ ...at, status: failed });
    const text = await metrics.registry.metrics();
    assert.match(text, /migration_state\{migration="apps\/mcp",state="RolledBack"\} 1/);
    assert.match(text, /migration_state\{migration="apps\/mcp",state="Running"\} 0/);
    assert.match(text, /indexes_done\{migration="apps\/mcp"\} 3/);
    assert.match(text, /indexes_planned\{migration="apps\/mcp"\} 9/);
    assert.match(text, /current_phase\{migration="apps\/mcp",phase="core"\} 0/);
    assert.doesNotMatch(text, /current_phase\{[^}]*phase="teams"/, 'a phase not touched has no series');
  });

  void it('estimated_remaining_seconds follows status.progress, and goes when the status has none', async () => {
    const metrics = fresh();
    const hooks = operatorMetrics(metrics);
    const progress = { indexesDone: 3, indexesTotal: 9, summary: '3/9', estimatedRemainingSeconds: 125 };
    hooks.statusObserved?.({ ...at, status: { ...failed, progress } });
    assert.match(
      await metrics.registry.metrics(),
      /^index_operator_estimated_remaining_seconds\{migration="apps\/mcp"\} 125$/m,
    );
    hooks.statusObserved?.({ ...at, status: failed });
    assert.doesNotMatch(await metrics.registry.metrics(), /estimated_remaining_seconds\{/);
  });

  void it('a standby exports the state from its watch; a replica that stops leading keeps only that', async () => {
    const metrics = fresh();
    const hooks = operatorMetrics(metrics);
    hooks.stateObserved?.({ ...at, phase: 'Failed', deleted: false });
    let text = await metrics.registry.metrics();
    assert.match(text, /migration_state\{migration="apps\/mcp",state="Failed"\} 1/);
    assert.doesNotMatch(text, /indexes_done\{/);

    hooks.leader?.(true);
    hooks.statusObserved?.({ ...at, status: failed });
    hooks.stateObserved?.({ ...at, phase: 'Running', deleted: false });
    text = await metrics.registry.metrics();
    assert.match(text, /state="RolledBack"\} 1/, "the leader's reconcile, not its lagging watch, sets it");

    hooks.leader?.(false);
    await hooks.stoodDown?.();
    text = await metrics.registry.metrics();
    assert.match(text, /migration_state\{migration="apps\/mcp",state="RolledBack"\} 1/);
    for (const gone of ['indexes_done', 'indexes_planned', 'current_phase', 'phase_duration_seconds_count'])
      assert.doesNotMatch(text, new RegExp(`index_operator_${gone}\\{`), gone);

    hooks.stateObserved?.({ ...at, phase: 'RolledBack', deleted: true });
    assert.doesNotMatch(await metrics.registry.metrics(), /migration_state\{/);
  });

  void it('build counters are totals of the build rows: a second read or a restart counts nothing twice', async () => {
    const builds = {
      retries: 2,
      lockTimeouts: 3,
      failures: { lock_timeout: 1 },
      durations: [
        { action: 'create', seconds: 0.5 },
        { action: 'exists', seconds: 0 },
      ],
    };
    const applied = new Map<string, AppliedPhase>([
      [
        'core',
        { applied: false, status: 'failed', indexesCreated: 0, indexesSkipped: 0, indexesDone: 1, builds },
      ],
      ['rbac', { applied: false, status: 'pending', indexesCreated: 0, indexesSkipped: 0, indexesDone: 0 }],
    ]);
    const seen = {
      ...at,
      url: 'postgres://x',
      catalogue: loadBuiltInCatalogue('contextforge'),
      running: false,
    };
    const read = async (metrics: Metrics, times: number): Promise<string> => {
      const hooks = operatorMetrics(metrics);
      for (let i = 0; i < times; i++) hooks.databaseSeen?.({ ...seen, applied });
      return metrics.registry.metrics();
    };
    for (const text of [await read(fresh(), 1), await read(fresh(), 3)]) {
      assert.match(text, /retries_total\{migration="apps\/mcp",phase="core"\} 2$/m);
      assert.match(text, /lock_timeouts_total\{migration="apps\/mcp",phase="core"\} 3$/m);
      assert.match(text, /failures_total\{migration="apps\/mcp",phase="core",reason="lock_timeout"\} 1$/m);
      assert.match(text, /rollbacks_total\{migration="apps\/mcp",phase="core"\} 0$/m);
      assert.match(
        text,
        /index_build_duration_seconds_count\{migration="apps\/mcp",phase="core",action="create"\} 1$/m,
      );
      assert.match(
        text,
        /index_build_duration_seconds_sum\{migration="apps\/mcp",phase="core",action="create"\} 0.5$/m,
      );
      assert.doesNotMatch(text, /phase="rbac"/, 'a phase never run has no series');
    }
  });
});
