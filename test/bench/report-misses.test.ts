/**
 * The bench's repeat rule for sub-ms queries, and its list of hot queries short of an aim: every query that misses ≥10x or p50 < 1 ms after is
 * listed (none left out, none that meets both), and its reason class follows from its plans and times.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { QueryComparison, QueryMeasurement } from '../../bench/bench-result.js';
import { classify, misses, renderMisses } from '../../bench/report-misses.js';
import { explainedTime, measureQuery, type ResolvedQuery } from '../../bench/measure-queries.js';
import type { Dialect } from '../../src/dialects/dialect.js';
import type { BenchResult } from '../../bench/bench-result.js';

function m(
  p50Ms: number,
  plan: string,
  indexesUsed: string[],
  seqScans: string[] = [],
  rows = 1,
): QueryMeasurement {
  return { p50Ms, p95Ms: p50Ms * 2, rows, plan, indexesUsed, seqScans };
}

function q(
  name: string,
  before: QueryMeasurement,
  after: QueryMeasurement,
  extra: Partial<QueryComparison> = {},
): QueryComparison {
  return { name, description: name, before, after, speedup: before.p50Ms / after.p50Ms, ...extra };
}

const pk = 'Index Scan using users_pkey on users';
const seq = 'Seq Scan on tools';
const idx = 'Index Scan using idx_tools_listing on tools';

const QUERIES: QueryComparison[] = [
  // meets both aims: not listed
  q('fast', m(50, seq, [], ['tools']), m(0.2, idx, ['idx_tools_listing'])),
  // same plan, sub-ms before, slower after
  q('lookup', m(0.26, pk, ['users_pkey']), m(0.83, pk, ['users_pkey'])),
  // same plan, ≥ 1 ms before
  q('unchanged', m(1.2, pk, ['users_pkey']), m(1.1, pk, ['users_pkey'])),
  // another plan, sub-ms before
  q('sub_ms_other_plan', m(0.3, pk, ['users_pkey']), m(0.25, idx, ['idx_tools_listing'])),
  // ≥10x, still ≥ 1 ms after
  q('listing', m(4667, seq, [], ['tools'], 51), m(6.35, idx, ['idx_tools_listing'], [], 51)),
  // index before too, < 10x
  q(
    'team_listing',
    m(11.5, 'Bitmap Index Scan using uq_team', ['uq_team']),
    m(2.9, idx, ['idx_tools_listing']),
  ),
  // seq scan before, < 10x
  q('expired', m(9.4, seq, [], ['tools'], 3379), m(3.9, idx, ['idx_tools_listing'], [], 3379)),
  // a shape the catalogue names a rewrite for: that comes first
  q('deep_page', m(2913, seq, [], ['tools']), m(1486, idx, ['idx_tools_listing']), {
    shapeLimit: { why: 'OR-form cursor', rewrite: '(created_at, id) < (:c, :i)' },
  }),
];

void test('every query short of either aim is listed once, and none that meets both', () => {
  const list = misses({ queries: QUERIES });
  assert.deepEqual(
    list.map((x) => x.name),
    QUERIES.filter((x) => x.speedup < 10 || x.after.p50Ms >= 1).map((x) => x.name),
  );
  assert.ok(!list.some((x) => x.name === 'fast'));
  assert.deepEqual(list.find((x) => x.name === 'listing')?.missed, ['<1 ms']);
  assert.deepEqual(list.find((x) => x.name === 'lookup')?.missed, ['≥10x']);
  assert.deepEqual(list.find((x) => x.name === 'expired')?.missed, ['≥10x', '<1 ms']);
});

void test('the reason class follows from the plans and the times', () => {
  const cls = Object.fromEntries(misses({ queries: QUERIES }).map((x) => [x.name, x.reasonClass]));
  assert.deepEqual(cls, {
    lookup: 'same plan, under 1 ms before',
    unchanged: 'plan unchanged',
    sub_ms_other_plan: 'under 1 ms before',
    listing: 'index plan, still ≥1 ms',
    team_listing: 'index plan before too',
    expired: 'new plan, under 10x',
    deep_page: 'query shape',
  });
  const deep = QUERIES.find((x) => x.name === 'deep_page');
  assert.ok(deep);
  assert.match(
    classify(deep).reason,
    /verify names a rewrite for its shape: \(created_at, id\) < \(:c, :i\)/,
  );
});

void test("the server's time is given beside the client's when both sides have it", () => {
  const server = (planningMs: number, executionMs: number, sharedRead = 0) => ({
    runs: 5,
    planningMs,
    executionMs,
    sharedHit: 3,
    sharedRead,
  });
  const lookup = q(
    'lookup',
    { ...m(0.26, pk, ['users_pkey']), server: server(0.02, 0.015) },
    { ...m(0.83, pk, ['users_pkey']), server: server(0.03, 0.02, 2) },
  );
  const reason = classify(lookup).reason;
  assert.match(
    reason,
    /server time \(planning \+ execution\) 0\.035 → 0\.05 ms \(planning 0\.02 → 0\.03 ms\)/,
  );
  assert.match(reason, /2 pages read from outside shared_buffers after/);
  const text = renderMisses({ queries: [lookup] } as unknown as BenchResult).join('\n');
  assert.match(text, /1 of 1 hot queries miss an aim/);
  assert.match(text, /\| lookup \| ≥10x \| 0\.26 \| 0\.83 \|/);
});

void test("EXPLAIN ANALYZE's JSON gives planning and execution time and the shared buffers of both", () => {
  const doc = [
    {
      Plan: { 'Node Type': 'Index Scan', 'Shared Hit Blocks': 3, 'Shared Read Blocks': 1 },
      Planning: { 'Shared Hit Blocks': 4, 'Shared Read Blocks': 2 },
      'Planning Time': 0.027,
      'Execution Time': 0.016,
    },
  ];
  assert.deepEqual(explainedTime(doc), {
    planningMs: 0.027,
    executionMs: 0.016,
    sharedHit: 7,
    sharedRead: 3,
  });
  assert.throws(() => explainedTime([{ Plan: {} }]), /no execution time/);
});

void test('after its runs a query is timed on to cheapRuns while its runs add up to under 250 ms', async () => {
  const fake = (delayMs: number) => {
    let calls = 0;
    const db = {
      name: 'sqlite',
      transaction: async <T>(fn: (tx: { query: () => Promise<unknown[]> }) => Promise<T>) =>
        fn({
          query: async () => {
            calls++;
            if (delayMs > 0) await new Promise((r) => setTimeout(r, delayMs));
            return [{ x: 1 }];
          },
        }),
      explain: () => Promise.resolve({ summary: 'Seq Scan on t', indexesUsed: [], seqScans: ['t'] }),
    } as unknown as Dialect;
    return { db, calls: () => calls };
  };
  const query = { query: { name: 'q' }, sql: 'SELECT 1', params: [] } as unknown as ResolvedQuery;
  const cheap = fake(0);
  assert.equal((await measureQuery(cheap.db, query, { runs: 15, cheapRuns: 100 })).runs, 100);
  assert.equal(cheap.calls(), 101, 'one warm-up run, then 100 timed');
  // 30 ms or more per run: 4 runs, then on only while under 250 ms in all (9 runs take at least 270 ms)
  const slow = fake(30);
  const slowRuns = (await measureQuery(slow.db, query, { runs: 4, cheapRuns: 100 })).runs ?? 0;
  assert.ok(slowRuns >= 4 && slowRuns <= 9, `${slowRuns} runs`);
  assert.equal((await measureQuery(cheap.db, query, { runs: 15 })).runs, 15, 'without cheapRuns, runs');
});
