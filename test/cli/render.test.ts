import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderPlan } from '../../src/cli/render-plan.js';
import { renderRunReport } from '../../src/cli/render-run.js';
import { defineIndex } from '../../src/catalogue/define-phase.js';
import type { Plan, PlannedIndex, RunReport } from '../../src/engine/engine.js';

const def = (name: string, columns: string[], extra: object = {}) =>
  defineIndex('core', { name, table: 'tools', columns, reason: 'r', ...extra });

const planned = (p: Partial<PlannedIndex> & Pick<PlannedIndex, 'index' | 'action'>): PlannedIndex => ({
  dropped: [],
  owned: false,
  ...p,
});

void test('plan text: phase state and checksum, every action with its reason, a summary', () => {
  const plan: Plan = {
    catalogue: 'contextforge',
    dialect: 'postgresql',
    target: 'postgresql://app@db:5432/app',
    counts: { create: 1, exists: 1, rebuild: 1, conflict: 1, skip: 1 },
    estimate: {
      model: {
        fixedSeconds: 0.08,
        overheadSeconds: 0.02,
        bytesPerSecond: 80e6,
        rowsPerSecond: 200e3,
        analyzeSampleRows: 30_000,
        analyzeBytesPerSecond: 12e6,
        probeReferenceSeconds: 0.3,
        source: 'default',
        speedFactor: 1,
        samples: 0,
      },
      phases: [
        {
          name: 'core',
          builds: 2,
          seconds: 75.5,
          analyzeSeconds: 0.5,
          indexes: [
            { name: 'idx_a', table: 'tools', seconds: 70 },
            { name: 'idx_c', table: 'tools', seconds: 5 },
          ],
        },
      ],
      totalSeconds: 75.5,
    },
    phases: [
      {
        name: 'core',
        description: 'core',
        checksum: 'a'.repeat(64),
        appliedChecksum: 'b'.repeat(64),
        status: 'succeeded',
        applied: true,
        drift: true,
        indexes: [
          planned({
            index: def('idx_a', ['team_id', 'created_at DESC'], { include: ['name'] }),
            action: 'create',
          }),
          planned({
            index: def('idx_b', ['name']),
            action: 'exists',
            existingName: 'tools_name_key',
            reason: 'same shape',
          }),
          planned({ index: def('idx_c', ['gateway_id']), action: 'rebuild', reason: 'INVALID leftover' }),
          planned({
            index: def('idx_d', ['url'], { unique: true }),
            action: 'conflict',
            reason: 'idx_d is tools(uri)',
          }),
          planned({
            index: def('idx_e', ['team_id'], { where: [{ column: 'enabled', op: '=', value: true }] }),
            action: 'skip',
            reason: "column 'team_id' does not exist",
          }),
        ],
      },
    ],
  };
  const text = renderPlan(plan).join('\n');
  assert.match(
    text,
    /catalogue contextforge on postgresql:\/\/app@db:5432\/app \(postgresql\); nothing is changed/,
  );
  assert.match(text, /phase core: drift \(checksum aaaaaaaaaaaa, estimated 1m 16s\)/);
  assert.match(text, /changed since it was applied \(was bbbbbbbbbbbb\)/);
  assert.match(text, /create\s+idx_a\s+tools\(team_id, created_at DESC\) INCLUDE \(name\)/);
  assert.match(text, /exists\s+idx_b\s+tools\(name\)\s+as tools_name_key; same shape/);
  assert.match(text, /invalid→rebuild\s+idx_c\s+tools\(gateway_id\)\s+INVALID leftover/);
  assert.match(text, /conflict\s+idx_d\s+UNIQUE tools\(url\)\s+idx_d is tools\(uri\)/);
  assert.match(
    text,
    /skip\s+idx_e\s+tools\(team_id\) WHERE enabled = true\s+column 'team_id' does not exist/,
  );
  assert.match(text, /Summary: 1 create, 1 exists, 1 rebuild, 1 conflict, 1 skip/);
  assert.match(text, /Conflicts must be resolved/);
  assert.match(
    text,
    /Estimated build time: 1m 16s for 2 indexes \(one at a time; default rate of this dialect: 100ms per index \+ 80 MB\/s \+ 200k rows\/s, ANALYZE 12 MB\/s\)/,
  );
});

void test('run report text: a row per phase and the error with phase and index', () => {
  const report: RunReport = {
    command: 'up',
    ok: false,
    runId: 'run-1',
    catalogue: 'contextforge',
    startedAt: '2026-01-01T00:00:00.000Z',
    finishedAt: '2026-01-01T00:00:03.000Z',
    durationMs: 3000,
    phases: [
      {
        name: 'core',
        outcome: 'failed',
        checksum: 'x',
        durationMs: 2500,
        indexesCreated: 0,
        indexesSkipped: 1,
        indexesDropped: 2,
        indexes: [],
      },
      {
        name: 'rbac',
        outcome: 'not_run',
        checksum: 'y',
        durationMs: 0,
        indexesCreated: 0,
        indexesSkipped: 0,
        indexesDropped: 0,
        indexes: [],
      },
    ],
    error: {
      message: 'duplicate key (email)=(a@b)',
      errorClass: 'permanent',
      reason: 'unique_violation',
      phase: 'core',
      index: 'uq_x',
    },
  };
  const lines = renderRunReport(report);
  assert.match(lines.join('\n'), /up FAILED in 3\.0s \(catalogue contextforge, run run-1\)/);
  assert.ok(
    lines.some((l) => /^\s+core\s+failed\s+2\.5s\s+0\s+1\s+2$/.test(l)),
    lines.join('\n'),
  );
  assert.ok(lines.some((l) => /^\s+rbac\s+not run\s+-\s+0\s+0\s+0$/.test(l)));
  assert.equal(lines.at(-1), 'error (phase core, index uq_x): duplicate key (email)=(a@b)');
});
