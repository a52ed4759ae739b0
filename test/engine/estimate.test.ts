/** The estimate's math, pure: build seconds, the measured speed, per-phase sums, time left. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { defineIndex } from '../../src/catalogue/define-phase.js';
import type { BuildCost, TableSize } from '../../src/dialects/dialect.js';
import type { BuildRow, MigrationRow } from '../../src/engine/bookkeeping-store.js';
import type { PlannedAction, PlannedIndex } from '../../src/engine/engine.js';
import {
  PRIOR_SECONDS,
  buildSeconds,
  compareEstimate,
  estimatePhases,
  fitModel,
  phaseSamples,
  remainingByPhase,
} from '../../src/engine/estimate.js';
import { runningBuilds } from '../../src/engine/read-estimate.js';

const COST: BuildCost = { fixedSeconds: 0.5, bytesPerSecond: 1e6, rowsPerSecond: 1e4 };
const close = (actual: number, expected: number, what: string) =>
  assert.ok(Math.abs(actual - expected) < 1e-9, `${what}: ${actual} ≠ ${expected}`);

void describe('buildSeconds', () => {
  const cases: { name: string; size: TableSize; seconds: number }[] = [
    { name: 'empty table: the fixed cost', size: { bytes: 0, rows: 0 }, seconds: 0.5 },
    { name: 'bytes and rows add up', size: { bytes: 2e6, rows: 3e4 }, seconds: 0.5 + 2 + 3 },
    { name: 'same bytes, 5x the rows', size: { bytes: 2e6, rows: 15e4 }, seconds: 0.5 + 2 + 15 },
    { name: 'rows unknown: 100 bytes a row', size: { bytes: 1e6, rows: -1 }, seconds: 0.5 + 1 + 1 },
  ];
  for (const c of cases) void test(c.name, () => close(buildSeconds(COST, c.size), c.seconds, c.name));
});

void describe('fitModel', () => {
  const size = { bytes: 1e6, rows: 1e4 }; // default estimate 0.5 + 1 + 1 = 2.5 s
  const cases: { name: string; actual: number[]; speed: number }[] = [
    { name: 'no earlier builds: the default', actual: [], speed: 1 },
    { name: 'builds as fast as the default', actual: [2.5, 2.5], speed: 1 },
    // (Σ actual + PRIOR) / (Σ default + PRIOR): one slow build moves it a little...
    { name: 'one build 4x slower', actual: [10], speed: (10 + PRIOR_SECONDS) / (2.5 + PRIOR_SECONDS) },
    // ...a full run moves it nearly all the way.
    {
      name: '40 builds 2x faster',
      actual: Array<number>(40).fill(1.25),
      speed: (50 + PRIOR_SECONDS) / (100 + PRIOR_SECONDS),
    },
  ];
  for (const c of cases) {
    void test(c.name, () => {
      const model = fitModel(
        COST,
        c.actual.map((seconds) => ({ seconds, sizes: [size] })),
      );
      close(model.speedFactor, c.speed, 'speed factor');
      assert.equal(model.samples, c.actual.length);
      assert.equal(model.source, c.actual.length === 0 ? 'default' : 'measured');
      close(buildSeconds(model, size), 2.5 * c.speed, 'scaled estimate');
    });
  }
});

const row = (over: Partial<BuildRow>): BuildRow => ({
  id: 'x',
  runId: 'run-1',
  phase: 'core',
  indexName: 'idx',
  tableName: 'tools',
  action: 'create',
  status: 'succeeded',
  attempt: 1,
  startedAt: '2026-01-01T00:00:00.000Z',
  finishedAt: '2026-01-01T00:00:02.000Z',
  durationMs: 2000,
  errorCode: null,
  errorMessage: null,
  owned: true,
  ...over,
});

void describe('phaseSamples: phase runs with the builds they did', () => {
  const sizes = new Map([['tools', { bytes: 10, rows: 1 }]]);
  const tools = sizes.get('tools');
  const now = Date.parse('2026-01-01T00:01:00.000Z');
  const migration = (over: Partial<MigrationRow>): MigrationRow => ({
    phase: 'core',
    catalogue: 'c',
    checksum: 'x',
    status: 'succeeded',
    startedAt: '2026-01-01T00:00:00.000Z',
    finishedAt: '2026-01-01T00:00:30.000Z',
    durationMs: 30_000,
    indexesCreated: 1,
    indexesSkipped: 0,
    message: null,
    ...over,
  });
  const at = (s: number) => `2026-01-01T00:00:${String(s).padStart(2, '0')}.000Z`;
  const cases: {
    name: string;
    m: MigrationRow;
    rows: BuildRow[];
    samples: { seconds: number; n: number }[];
  }[] = [
    {
      name: 'a succeeded run: its duration, its builds',
      m: migration({}),
      rows: [row({ startedAt: at(1) }), row({ startedAt: at(5), action: 'rebuild' })],
      samples: [{ seconds: 30, n: 2 }],
    },
    {
      name: 'built, then rolled back: still a build',
      m: migration({}),
      rows: [row({ startedAt: at(1), status: 'rolled_back' })],
      samples: [{ seconds: 30, n: 1 }],
    },
    {
      name: 'exists, skip, drop and failed rows are no builds: no sample',
      m: migration({}),
      rows: [
        row({ startedAt: at(1), action: 'exists' }),
        row({ startedAt: at(2), action: 'drop' }),
        row({ startedAt: at(3), status: 'failed' }),
        row({ startedAt: at(4), action: 'skip' }),
      ],
      samples: [],
    },
    {
      name: 'builds of another phase or before the run do not count',
      m: migration({}),
      rows: [row({ startedAt: at(1), phase: 'rbac' }), row({ startedAt: '2025-12-31T00:00:00.000Z' })],
      samples: [],
    },
    {
      name: 'a table dropped since',
      m: migration({}),
      rows: [row({ startedAt: at(1), tableName: 'gone' })],
      samples: [],
    },
    {
      name: 'a failed run: no sample',
      m: migration({ status: 'failed' }),
      rows: [row({ startedAt: at(1) })],
      samples: [],
    },
    {
      name: 'the running phase: time so far less its running build, against the builds it finished',
      m: migration({ status: 'running', finishedAt: null, durationMs: null }),
      rows: [row({ startedAt: at(1) }), row({ startedAt: at(40), status: 'running', durationMs: null })],
      samples: [{ seconds: 60 - 20, n: 1 }],
    },
  ];
  for (const c of cases) {
    void test(c.name, () => {
      assert.deepEqual(
        phaseSamples([c.m], c.rows, sizes, now),
        c.samples.map((s) => ({ seconds: s.seconds, sizes: Array<typeof tools>(s.n).fill(tools) })),
      );
    });
  }
});

const planned = (name: string, table: string, action: PlannedAction): PlannedIndex => ({
  index: defineIndex('core', { name, table, columns: ['a'], reason: 'r' }),
  action,
  dropped: [],
  owned: false,
});

void test('estimatePhases: create and rebuild count, exists/skip/conflict do not; phases sum to the total', () => {
  const sizes = new Map([
    ['small', { bytes: 0, rows: 0 }],
    ['big', { bytes: 4e6, rows: 1e4 }],
  ]);
  const model = fitModel(COST, []);
  const estimate = estimatePhases(
    [
      {
        name: 'core',
        indexes: [
          planned('a', 'small', 'create'),
          planned('b', 'big', 'rebuild'),
          planned('c', 'big', 'exists'),
          planned('d', 'big', 'skip'),
          planned('e', 'big', 'conflict'),
        ],
      },
      { name: 'rbac', indexes: [planned('f', 'big', 'create'), planned('g', 'missing', 'create')] },
      { name: 'done', indexes: [planned('h', 'big', 'exists')] },
    ],
    sizes,
    model,
  );
  assert.deepEqual(
    estimate.phases.map((p) => [p.name, p.builds, p.indexes.map((i) => i.name)]),
    [
      ['core', 2, ['a', 'b']],
      ['rbac', 2, ['f', 'g']],
      ['done', 0, []],
    ],
  );
  close(estimate.phases[0]?.seconds ?? NaN, 0.5 + 5.5, 'core');
  close(estimate.phases[1]?.seconds ?? NaN, 5.5 + 0.5, 'rbac (a missing table counts as empty)');
  close(estimate.totalSeconds, 12, 'total');
});

void describe('remainingByPhase and runningBuilds', () => {
  const sizes = new Map([['big', { bytes: 4e6, rows: 1e4 }]]); // 5.5 s each
  const estimate = estimatePhases(
    [{ name: 'core', indexes: [planned('a', 'big', 'create'), planned('b', 'big', 'create')] }],
    sizes,
    fitModel(COST, []),
  );
  const cases: { name: string; elapsed: Record<string, number>; left: number }[] = [
    { name: 'nothing running', elapsed: {}, left: 11 },
    { name: 'a ran 2 s', elapsed: { a: 2 }, left: 9 },
    { name: 'a ran past its estimate: 0 left of it, never less', elapsed: { a: 60 }, left: 5.5 },
    { name: 'an index not in the plan', elapsed: { other: 3 }, left: 11 },
  ];
  for (const c of cases) {
    void test(c.name, () => {
      const running = Object.entries(c.elapsed).map(([indexName, elapsedSeconds]) => ({
        indexName,
        elapsedSeconds,
      }));
      close(remainingByPhase(estimate, running).get('core') ?? NaN, c.left, c.name);
    });
  }

  void test('runningBuilds: running rows of the newest run of a running phase, with elapsed time', () => {
    const now = Date.parse('2026-01-01T00:00:10.000Z');
    const builds = [
      row({ runId: 'old', indexName: 'stale', status: 'running', durationMs: null }),
      row({ runId: 'new', indexName: 'done' }),
      row({
        runId: 'new',
        indexName: 'a',
        status: 'running',
        durationMs: null,
        startedAt: '2026-01-01T00:00:07.000Z',
      }),
      row({ runId: 'new', phase: 'rbac', indexName: 'b', status: 'running', durationMs: null }),
    ];
    const phases = [
      { name: 'core', status: 'running' as const },
      { name: 'rbac', status: 'failed' as const },
    ];
    assert.deepEqual(runningBuilds(phases, builds, now), [{ indexName: 'a', elapsedSeconds: 3 }]);
  });
});

void test('compareEstimate: per phase the estimate, the successful builds and the phase wall time', () => {
  const estimate = {
    phases: [
      { name: 'core', builds: 2, seconds: 10, indexes: [] },
      { name: 'rbac', builds: 1, seconds: 4, indexes: [] },
    ],
  };
  const index = (action: string, status: string, durationMs: number) => ({ action, status, durationMs });
  const run = {
    phases: [
      {
        name: 'core',
        durationMs: 14_000,
        indexes: [
          index('create', 'succeeded', 5_000),
          index('rebuild', 'succeeded', 4_000),
          index('exists', 'succeeded', 0),
          index('create', 'failed', 900),
          index('drop', 'succeeded', 300),
        ],
      },
    ],
  };
  assert.deepEqual(compareEstimate(estimate, run), [
    { name: 'core', estimatedSeconds: 10, buildSeconds: 9, phaseSeconds: 14 },
    { name: 'rbac', estimatedSeconds: 4, buildSeconds: 0, phaseSeconds: 0 },
  ]);
});
