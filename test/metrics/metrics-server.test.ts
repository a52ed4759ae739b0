/**
 * The metrics HTTP server (real sockets on 127.0.0.1) and the progress poller's pure parts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import { createMetrics } from '../../src/metrics/metrics.js';
import { startMetricsServer } from '../../src/metrics/metrics-server.js';
import { ProgressPoller } from '../../src/metrics/progress-poller.js';
import { lockersWaiting, progressRatio, type ProgressRow } from '../../src/dialects/postgres-progress.js';
import { freshSqlite } from '../helpers/databases.js';
import { withDialect } from '../helpers/dialects.js';

void test('serves /metrics, extra routes, 404 and 405; a failing beforeScrape still answers', async () => {
  const metrics = createMetrics(new Registry(), { version: '9.9.9' });
  let scrapes = 0;
  const server = await startMetricsServer({
    port: 0,
    registry: metrics.registry,
    routes: { '/healthz': () => ({ status: 200, body: 'ok\n' }) },
    beforeScrape: () => {
      scrapes += 1;
      return scrapes === 2 ? Promise.reject(new Error('inspection failed')) : Promise.resolve();
    },
  });
  try {
    assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    for (let i = 0; i < 2; i++) {
      const res = await fetch(`${server.url}/metrics`);
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /text\/plain/);
      assert.match(await res.text(), /index_operator_build_info\{version="9\.9\.9"/);
    }
    assert.equal(scrapes, 2);
    assert.equal(await (await fetch(`${server.url}/healthz`)).text(), 'ok\n');
    assert.equal((await fetch(`${server.url}/nope`)).status, 404);
    assert.equal((await fetch(`${server.url}/metrics`, { method: 'POST' })).status, 405);
  } finally {
    await server.close();
  }
  await assert.rejects(fetch(`${server.url}/metrics`));
});

const row = (over: Partial<ProgressRow>): ProgressRow => ({
  phase: 'initializing',
  indexName: 'idx',
  tableName: 't',
  lockersTotal: 0,
  lockersDone: 0,
  blocksTotal: 0,
  blocksDone: 0,
  tuplesTotal: 0,
  tuplesDone: 0,
  ...over,
});

void test('progress ratio follows the counters of the build phase', () => {
  const cases: [Partial<ProgressRow>, number, number][] = [
    [{ phase: 'initializing' }, 0, 0],
    [{ phase: 'building index: scanning table', blocksTotal: 200, blocksDone: 50, tuplesTotal: 9 }, 0.25, 0],
    [{ phase: 'building index: sorting live tuples', tuplesTotal: 10, tuplesDone: 10, blocksTotal: 5 }, 1, 0],
    [{ phase: 'building index: loading tuples in tree', tuplesTotal: 4, tuplesDone: 1 }, 0.25, 0],
    [{ phase: 'index validation: scanning index', blocksTotal: 10, blocksDone: 5 }, 0.5, 0],
    [{ phase: 'waiting for old snapshots', lockersTotal: 4, lockersDone: 1 }, 0.25, 3],
    [{ phase: 'waiting for writers before build', lockersTotal: 0, lockersDone: 0 }, 0, 0],
    [{ phase: 'building index: scanning table', blocksTotal: 0, blocksDone: 0 }, 0, 0],
  ];
  for (const [over, ratio, waiting] of cases) {
    assert.equal(progressRatio(row(over)), ratio, JSON.stringify(over));
    assert.equal(lockersWaiting(row(over)), waiting, JSON.stringify(over));
  }
});

void test('on SQLite (no build progress) the poller never polls', async () => {
  const db = freshSqlite('iopprog');
  await withDialect(db.url, (dialect) => {
    const metrics = createMetrics(new Registry(), { defaultMetrics: false });
    const poller = new ProgressPoller({ dialect, metrics, migration: 'm', intervalMs: 10 });
    poller.track('core', { name: 'idx_a', table: 't' });
    assert.equal(poller.active, false);
    poller.stop();
  });
});

void test('a slow refresh before the scrape does not hold the scrape past its budget', async () => {
  const metrics = createMetrics(new Registry(), { defaultMetrics: false });
  let release: () => void = () => undefined;
  const slow = new Promise<void>((resolve) => (release = resolve));
  const server = await startMetricsServer({
    port: 0,
    registry: metrics.registry,
    beforeScrape: () => slow,
    beforeScrapeBudgetMs: 50,
  });
  try {
    const res = await fetch(`${server.url}/metrics`);
    assert.equal(res.status, 200);
    assert.match(await res.text(), /index_operator_leader 0/);
  } finally {
    release();
    await server.close();
  }
});
