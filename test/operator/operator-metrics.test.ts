import { it } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import { createMetrics } from '../../src/metrics/metrics.js';
import { operatorMetrics } from '../../src/operator/operator-metrics.js';

void it('operator metrics: state, progress, phase durations and rollbacks from status writes', async () => {
  const metrics = createMetrics(new Registry(), { defaultMetrics: false });
  const hooks = operatorMetrics(metrics);
  const running = { phase: 'Running', phases: [{ name: 'core', state: 'Running' }] } as const;
  const done = {
    phase: 'RolledBack',
    progress: { indexesDone: 3, indexesTotal: 9, summary: '3/9' },
    phases: [
      { name: 'core', state: 'Succeeded', durationSeconds: 2.5 },
      { name: 'rbac', state: 'RolledBack' },
    ],
  } as const;
  hooks.statusWritten?.({ namespace: 'apps', migration: 'mcp', previous: running, status: done });
  hooks.statusWritten?.({ namespace: 'apps', migration: 'mcp', previous: done, status: done });
  hooks.reconciled?.({ result: 'ok', seconds: 0.01 });
  hooks.leader?.(true);
  const text = await metrics.registry.metrics();
  assert.match(text, /index_operator_migration_state\{migration="apps\/mcp",state="RolledBack"\} 1/);
  assert.match(text, /index_operator_indexes_done\{migration="apps\/mcp"\} 3/);
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
