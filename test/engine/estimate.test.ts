/** The estimate's math, pure: build seconds, the measured speed, per-phase sums, time left. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { defineIndex } from '../../src/catalogue/define-phase.js';
import type { BuildCost, TableSize } from '../../src/dialects/dialect.js';
import type { BuildRow } from '../../src/engine/bookkeeping-store.js';
import type { PlannedAction, PlannedIndex } from '../../src/engine/engine.js';
import {
  PRIOR_SECONDS,
  PROBE_UNTIL_SECONDS,
  analyzeSeconds,
  buildSamples,
  buildSeconds,
  compareEstimate,
  estimatePhases,
  fitModel,
  probeReading,
  remainingByPhase,
  wantsProbe,
  type ProbeReading,
} from '../../src/engine/estimate.js';
import { runningBuilds } from '../../src/engine/read-estimate.js';

const COST: BuildCost = {
  fixedSeconds: 0.5,
  overheadSeconds: 0.1,
  bytesPerSecond: 1e6,
  rowsPerSecond: 1e4,
  analyzeSampleRows: 1e4,
  analyzeBytesPerSecond: 4e6,
  probeReferenceSeconds: 0.5,
};
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

void describe('analyzeSeconds: the bytes of the rows ANALYZE samples', () => {
  const cases: { name: string; size: TableSize; seconds: number }[] = [
    { name: 'empty table', size: { bytes: 0, rows: 0 }, seconds: 0 },
    { name: 'fewer rows than the sample: the whole table', size: { bytes: 4e6, rows: 5e3 }, seconds: 1 },
    { name: 'exactly the sample', size: { bytes: 4e6, rows: 1e4 }, seconds: 1 },
    // 1e4 of 4e4 rows sampled: a quarter of the bytes; 10x the rows later, the same sample.
    { name: '4x the sample: a quarter of the bytes', size: { bytes: 4e6, rows: 4e4 }, seconds: 0.25 },
    { name: '10x the table: the same sample', size: { bytes: 4e7, rows: 4e5 }, seconds: 0.25 },
    { name: 'rows unknown: 100 bytes a row', size: { bytes: 4e6, rows: -1 }, seconds: 0.25 },
  ];
  for (const c of cases) void test(c.name, () => close(analyzeSeconds(COST, c.size), c.seconds, c.name));

  void test('every row sampled: the whole table', () =>
    close(analyzeSeconds({ ...COST, analyzeSampleRows: Infinity }, { bytes: 4e7, rows: 4e5 }), 10, 'all'));
});

void describe('analyzeSeconds where ANALYZE reads every index whole (SQLite): rows x indexes', () => {
  const cost: BuildCost = { ...COST, analyzeSampleRows: Infinity, analyzeIndexEntriesPerSecond: 1e5 };
  const cases: { name: string; size: TableSize; indexes?: number; seconds: number }[] = [
    { name: 'one index: the rows once', size: { bytes: 4e7, rows: 2e5 }, indexes: 1, seconds: 2 },
    { name: 'three indexes: three times', size: { bytes: 4e7, rows: 2e5 }, indexes: 3, seconds: 6 },
    { name: 'the bytes do not count', size: { bytes: 4e9, rows: 2e5 }, indexes: 3, seconds: 6 },
    { name: 'indexes not given: one', size: { bytes: 4e7, rows: 2e5 }, seconds: 2 },
    {
      name: 'no index: still the rows once (a count)',
      size: { bytes: 4e7, rows: 2e5 },
      indexes: 0,
      seconds: 2,
    },
    { name: 'rows unknown: 100 bytes a row', size: { bytes: 2e7, rows: -1 }, indexes: 2, seconds: 4 },
  ];
  for (const c of cases)
    void test(c.name, () => close(analyzeSeconds(cost, c.size, c.indexes), c.seconds, c.name));

  void test('a measured speed scales the entries rate too', () => {
    const model = fitModel(cost, [{ seconds: 2 * 2.5 + PRIOR_SECONDS, size: { bytes: 1e6, rows: 1e4 } }]);
    close(model.speedFactor, (5 + 2 * PRIOR_SECONDS) / (2.5 + PRIOR_SECONDS), 'speed');
    close(model.analyzeIndexEntriesPerSecond ?? NaN, 1e5 / model.speedFactor, 'entries rate');
  });

  void test("estimatePhases counts the indexes a table has, then each phase's creates in order", () => {
    const sizes = new Map([
      ['big', { bytes: 4e6, rows: 1e5 }],
      ['other', { bytes: 4e6, rows: 2e5 }],
    ]);
    const estimate = estimatePhases(
      [
        { name: 'core', indexes: [planned('a', 'big', 'create'), planned('b', 'big', 'create')] },
        { name: 'done', indexes: [planned('c', 'big', 'exists')] },
        {
          name: 'rbac',
          indexes: [
            planned('d', 'big', 'create'),
            planned('e', 'other', 'create'),
            planned('f', 'big', 'skip'),
          ],
        },
      ],
      sizes,
      fitModel(cost, []),
      new Map([
        ['big', 2],
        ['unrelated', 7],
      ]),
    );
    // big: 2 there + 2 built = 4 indexes of 1e5 rows at 1e5/s; then 5 (and other: 0 + 1 of 2e5 rows).
    assert.deepEqual(
      estimate.phases.map((p) => p.analyzeSeconds),
      [4, 0, 5 + 2],
    );
  });
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
        c.actual.map((seconds) => ({ seconds, size })),
      );
      close(model.speedFactor, c.speed, 'speed factor');
      assert.equal(model.samples, c.actual.length);
      assert.equal(model.source, c.actual.length === 0 ? 'default' : 'measured');
      close(buildSeconds(model, size), 2.5 * c.speed, 'scaled estimate');
      close(analyzeSeconds(model, size), 0.25 * c.speed, 'scaled ANALYZE');
    });
  }
});

void describe('the speed probe: its factor scales the defaults, and is the prior of recorded builds', () => {
  const size = { bytes: 1e6, rows: 1e4 }; // default estimate 0.5 + 1 + 1 = 2.5 s
  // COST.probeReferenceSeconds is 0.5: a probe of 1 s says the server is 2x slower than the defaults.
  const slow = probeReading(COST, [3, 1, 0.2]);

  void test('its reading: the median of its runs over the reference', () => {
    assert.deepEqual(slow, {
      status: 'measured',
      seconds: 1,
      runs: [3, 1, 0.2],
      referenceSeconds: 0.5,
      factor: 2,
    });
    close(probeReading(COST, [0.4, 0.2]).seconds, 0.3, 'two runs: their mean');
  });

  const cases: { name: string; probe?: ProbeReading; actual: number[]; source: string; speed: number }[] = [
    { name: 'no builds, probe 2x: every term 2x', probe: slow, actual: [], source: 'probe', speed: 2 },
    {
      name: 'no builds, probe 0.5x',
      probe: probeReading(COST, [0.25]),
      actual: [],
      source: 'probe',
      speed: 0.5,
    },
    {
      name: 'no builds, the probe failed: the defaults',
      probe: { status: 'failed', reason: 'statement timeout' },
      actual: [],
      source: 'default',
      speed: 1,
    },
    // (Σ actual + PRIOR x probe factor) / (Σ default + PRIOR): one build moves it from the probe's 2x...
    {
      name: 'one build as fast as the default, probe 2x',
      probe: slow,
      actual: [2.5],
      source: 'measured',
      speed: (2.5 + 2 * PRIOR_SECONDS) / (2.5 + PRIOR_SECONDS),
    },
    // ...and a full run's builds outweigh it.
    {
      name: '40 builds as fast as the default, probe 2x',
      probe: slow,
      actual: Array<number>(40).fill(2.5),
      source: 'measured',
      speed: (100 + 2 * PRIOR_SECONDS) / (100 + PRIOR_SECONDS),
    },
    {
      name: 'one build, the probe failed: the defaults are the prior',
      probe: { status: 'failed', reason: 'x' },
      actual: [10],
      source: 'measured',
      speed: (10 + PRIOR_SECONDS) / (2.5 + PRIOR_SECONDS),
    },
  ];
  for (const c of cases) {
    void test(c.name, () => {
      const model = fitModel(
        COST,
        c.actual.map((seconds) => ({ seconds, size })),
        c.probe,
      );
      assert.equal(model.source, c.source);
      assert.deepEqual(model.probe, c.probe);
      close(model.speedFactor, c.speed, 'speed factor');
      close(buildSeconds(model, size), 2.5 * c.speed, 'scaled build');
      close(model.overheadSeconds, COST.overheadSeconds * c.speed, 'scaled overhead');
      close(analyzeSeconds(model, size), 0.25 * c.speed, 'scaled ANALYZE');
      assert.equal(model.probeReferenceSeconds, COST.probeReferenceSeconds);
    });
  }

  void test('wanted until the recorded builds weigh PROBE_UNTIL_SECONDS at the default rates', () => {
    const builds = (n: number) => Array.from({ length: n }, () => ({ seconds: 9, size }));
    const enough = Math.ceil(PROBE_UNTIL_SECONDS / 2.5);
    assert.equal(wantsProbe(COST, []), true);
    assert.equal(wantsProbe(COST, builds(enough - 1)), true);
    assert.equal(wantsProbe(COST, builds(enough)), false);
    // What they took does not matter, only how much work they were: 8 builds of 2.5 s default is enough.
    assert.equal(
      wantsProbe(
        COST,
        builds(enough).map((b) => ({ ...b, seconds: 0.1 })),
      ),
      false,
    );
  });
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

void describe('buildSamples: every completed build recorded, oldest first', () => {
  const sizes = new Map([['tools', { bytes: 10, rows: 1 }]]);
  const tools = { bytes: 10, rows: 1 };
  const at = (s: number) => `2026-01-01T00:00:${String(s).padStart(2, '0')}.000Z`;
  /** A build of `seconds` starting at second `start` of the minute. */
  const build = (id: string, start: number, seconds: number, over: Partial<BuildRow> = {}): BuildRow =>
    row({ id, startedAt: at(start), finishedAt: at(start + seconds), durationMs: seconds * 1000, ...over });
  const cases: { name: string; rows: BuildRow[]; seconds: number[] }[] = [
    {
      name: 'succeeded and built-then-rolled-back builds count (a rollback keeps the measurement)',
      rows: [build('a', 1, 2), build('b', 3, 4, { status: 'rolled_back', action: 'rebuild' })],
      seconds: [2, 4],
    },
    {
      name: 'oldest first, whatever order the rows come in',
      rows: [build('b', 10, 4, { runId: 'run-2' }), build('a', 1, 2)],
      seconds: [2, 4],
    },
    {
      name: 'exists, skip, drop, failed and running rows are no completed builds',
      rows: [
        build('a', 1, 1, { action: 'exists' }),
        build('b', 3, 1, { action: 'drop' }),
        build('c', 5, 1, { status: 'failed' }),
        build('d', 7, 1, { action: 'skip' }),
        row({ id: 'e', startedAt: at(9), status: 'running', finishedAt: null, durationMs: null }),
      ],
      seconds: [],
    },
    {
      name: 'a table dropped since is left out',
      rows: [build('a', 1, 2, { tableName: 'gone' }), build('b', 5, 3)],
      seconds: [3],
    },
    {
      name: 'builds that overlapped in one run (concurrency 2) are left out, the one after them counts',
      rows: [build('a', 1, 4), build('b', 2, 4), build('c', 6, 1)],
      seconds: [1],
    },
    {
      name: 'a build running beside a finished one: the finished one is left out',
      rows: [build('a', 1, 4), row({ id: 'b', startedAt: at(3), status: 'running', finishedAt: null })],
      seconds: [],
    },
    {
      name: 'builds of two runs at the same time are not one run at concurrency 2: both count',
      rows: [build('a', 1, 4), build('b', 2, 4, { runId: 'run-2' })],
      seconds: [4, 4],
    },
  ];
  for (const c of cases) {
    void test(c.name, () => {
      assert.deepEqual(
        buildSamples(c.rows, sizes),
        c.seconds.map((seconds) => ({ seconds, size: tools })),
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
  // big: build 0.5 + 4 + 1 = 5.5 s and 0.1 s of the engine's own, ANALYZE 4e6 bytes at 4e6/s = 1 s, once
  // per phase whatever the builds.
  close(estimate.phases[0]?.seconds ?? NaN, 0.6 + 5.6 + 1, 'core');
  close(estimate.phases[0]?.analyzeSeconds ?? NaN, 1, 'core ANALYZE');
  close(estimate.phases[1]?.seconds ?? NaN, 5.6 + 0.6 + 1, 'rbac (a missing table counts as empty)');
  assert.equal(estimate.phases[2]?.analyzeSeconds, 0, 'nothing built: no ANALYZE');
  close(estimate.totalSeconds, 14.4, 'total');
});

void describe('remainingByPhase and runningBuilds', () => {
  const sizes = new Map([['big', { bytes: 4e6, rows: 1e4 }]]); // 5.6 s each, ANALYZE 1 s
  const estimate = estimatePhases(
    [{ name: 'core', indexes: [planned('a', 'big', 'create'), planned('b', 'big', 'create')] }],
    sizes,
    fitModel(COST, []),
  );
  const cases: { name: string; elapsed: Record<string, number>; left: number }[] = [
    { name: 'nothing running', elapsed: {}, left: 12.2 },
    { name: 'a ran 2 s', elapsed: { a: 2 }, left: 10.2 },
    { name: 'a ran past its estimate: 0 left of it, never less', elapsed: { a: 60 }, left: 6.6 },
    { name: 'an index not in the plan', elapsed: { other: 3 }, left: 12.2 },
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
