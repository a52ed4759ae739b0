/**
 * The split of the fixed-cost rounds at the statements: which statements the clock times and under
 * which key, and the figures computed from the timings shown (pure; no database).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { statementKey } from '../../bench/statement-clock.js';
import { byKey, geomean, median, splitAtStatements } from '../../bench/statement-split.js';

void test('statementKey: CREATE INDEX by index name, ANALYZE by its tables, nothing else', () => {
  const cases: [string, string | undefined][] = [
    ['CREATE INDEX CONCURRENTLY "idx_a" ON "t" ("x")', 'create:idx_a'],
    ['CREATE UNIQUE INDEX CONCURRENTLY "uq_b" ON "t" ("x") WHERE "y" IS TRUE', 'create:uq_b'],
    ['create index idx_c on t (x)', 'create:idx_c'],
    [
      'CREATE INDEX IF NOT EXISTS index_operator_index_builds_phase ON x (a)',
      'create:index_operator_index_builds_phase',
    ],
    ['ANALYZE "tools", "servers"', 'analyze:tools,servers'],
    ['SELECT 1', undefined],
    ['DROP INDEX CONCURRENTLY IF EXISTS "idx_a"', undefined],
    ['INSERT INTO index_operator_index_builds (id) VALUES ($1)', undefined],
  ];
  for (const [sql, key] of cases) assert.equal(statementKey(sql), key, sql);
});

void test('median, geometric mean and byKey', () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.ok(Math.abs(geomean([0.5, 2]) - 1) < 1e-12);
  assert.deepEqual(
    byKey([
      { key: 'create:a', ms: 5 },
      { key: 'create:a', ms: 7 },
      { key: 'analyze:t', ms: 1 },
    ]),
    { 'create:a': 12, 'analyze:t': 1 },
  );
});

void test('splitAtStatements: outside time, paired ratios and the whole ratio rebuilt from them', () => {
  // Two indexes, two rounds. Round 1: the engine's builds take 2x (a snapshot wait, say) and it spends
  // 0.2 s outside them; round 2: the same builds both sides, the engine 0.1 s outside.
  const rounds = [
    {
      directSeconds: 3.05,
      engineSeconds: 6.25,
      directStatements: { 'create:a': 1000, 'create:b': 2000, 'analyze:t': 50 },
      engineStatements: { 'create:a': 2000, 'create:b': 4000, 'analyze:t': 50 },
      engineRecordedMs: { a: 2010, b: 4012 },
    },
    {
      directSeconds: 3.05,
      engineSeconds: 3.15,
      directStatements: { 'create:a': 1000, 'create:b': 2000, 'analyze:t': 50 },
      engineStatements: { 'create:a': 1000, 'create:b': 2000, 'analyze:t': 50 },
    },
  ];
  const s = splitAtStatements(2, rounds);
  assert.ok(s);
  const near = (a: number, b: number, what: string): void =>
    assert.ok(Math.abs(a - b) < 1e-9, `${what}: ${a} vs ${b}`);
  near(s.directBuildSeconds, 6, 'direct build');
  near(s.engineBuildSeconds, 9, 'engine build');
  near(s.directAnalyzeSeconds, 0.1, 'direct analyze');
  near(s.directOutsideSeconds, 0, 'direct outside');
  near(s.engineOutsideSeconds, 0.3, 'engine outside');
  near(s.outsideOverheadMsPerIndex, 75, '(a): 0.3 s over 2 indexes and 2 rounds');
  near(s.outsideOverheadMsPerIndexByRound[0] ?? NaN, 100, 'round 1');
  near(s.outsideOverheadMsPerIndexByRound[1] ?? NaN, 50, 'round 2');
  assert.equal(s.buildPairs, 4);
  near(s.buildRatioMedian, 1.5, 'median of 2, 2, 1, 1');
  near(s.buildRatioGeomean, Math.SQRT2, 'geometric mean of 2, 2, 1, 1');
  assert.deepEqual(
    s.buildRatioByRound.map((r) => [r.median, r.geomean, r.sum]),
    [
      [2, 2, 2],
      [1, 1, 1],
    ],
  );
  near(s.buildRatioSum, 1.5, 'time-weighted: 9 s over 6 s');
  near(s.analyzeRatioGeomean, 1, 'analyze');
  near(s.partsRatio, (6.1 + 0.3 + (Math.SQRT2 - 1) * 6) / 6.1, 'rebuilt');
  near(s.recordedOverStatementMs ?? NaN, 11, 'recorded over statement: 10 and 12 ms');
});

void test('splitAtStatements: engine statements faster than direct are not credited to the engine', () => {
  const s = splitAtStatements(1, [
    {
      directSeconds: 2.1,
      engineSeconds: 1.2,
      directStatements: { 'create:a': 2000, 'analyze:t': 100 },
      engineStatements: { 'create:a': 1000, 'analyze:t': 50 },
    },
  ]);
  assert.ok(s);
  assert.ok(Math.abs(s.buildRatioGeomean - 0.5) < 1e-9);
  // direct 2.1 s + 0.15 s outside the engine's statements - 0 s outside the direct ones, statements at 1
  assert.ok(Math.abs(s.partsRatio - 2.25 / 2.1) < 1e-9, `${s.partsRatio}`);
});

void test('splitAtStatements: nothing timed, nothing split', () => {
  assert.equal(splitAtStatements(3, [{ directSeconds: 1, engineSeconds: 1 }]), undefined);
});
