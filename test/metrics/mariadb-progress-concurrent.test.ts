/**
 * Two online builds at once on one MariaDB server (the engine's concurrency 2): each must show its own
 * progress or none, never a figure that belongs to the other. InnoDB's Innodb_onlineddl_pct_progress is
 * server-wide, so with two online ALTERs neither gets it (0, "not measured"). Where performance_schema
 * records InnoDB's ALTER stages (instruments `stage/innodb/alter%`, consumer `events_stages_current`),
 * each build's own WORK_COMPLETED / WORK_ESTIMATED is its ratio: checked on a server of the test's own
 * started with those options, next to the shared server (performance_schema off) where both stay at 0.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import mariadb from 'mariadb';
import type { BuildOptions, BuildProgress } from '../../src/dialects/dialect.js';
import {
  ForwardProgress,
  mariadbBuildProgress,
  mariadbRatio,
  type MariadbProgressRow,
} from '../../src/dialects/mariadb-progress.js';
import { openDialect } from '../../src/dialects/open-dialect.js';
import { freshMariadb } from '../helpers/databases.js';
import { testIndex } from '../helpers/index-definitions.js';
import { progressRow } from '../helpers/mariadb-progress-row.js';
import { startOwnMariadb } from '../helpers/mariadb-server.js';

const BUILD: BuildOptions = { lockTimeoutMs: 30_000, statementTimeoutMs: 0, busyTimeoutMs: 5000 };
const ROWS = 400_000;

/** Two online ALTERs on the server, the server-wide counter at 40%. */
const row = (over: Partial<MariadbProgressRow>): MariadbProgressRow =>
  progressRow({ onlineAlters: 2, onlinePct: 4_000, ...over });

void test('the ratio: the build’s own InnoDB stage work first, the server-wide counter only when alone', () => {
  assert.equal(mariadbRatio(row({ work: { done: 300, total: 1_000 } })), 0.3);
  assert.equal(mariadbRatio(row({})), 0, 'two online ALTERs and no stage work: not measured');
  assert.equal(mariadbRatio(row({ onlineAlters: 1 })), 0.4, 'alone: the server-wide counter is its own');
  assert.equal(mariadbRatio(row({ work: { done: 5, total: 0 }, onlineAlters: 1 })), 0.4, 'no estimate yet');
  assert.equal(
    mariadbRatio(row({ work: { done: 300, total: 1_000 }, state: 'Waiting for table metadata lock' })),
    0,
  );
});

void test('an overtaken InnoDB estimate (done = total before the last stages) is not a finished build', () => {
  const stage = (name: string) => `stage/innodb/alter table (${name})`;
  const work = (done: number, total: number, name: string) => ({ done, total, stage: stage(name) });
  // The sequence seen on 10.11 while reading a table whose statistics undercounted its rows.
  assert.equal(mariadbRatio(row({ work: work(1_952, 1_952, 'read PK and internal sort') })), 0);
  assert.equal(
    mariadbRatio(row({ work: work(1_952, 1_952, 'read PK and internal sort'), onlineAlters: 1 })),
    0.4,
    'alone: the server-wide counter instead',
  );
  assert.equal(mariadbRatio(row({ work: work(2_149, 4_232, 'merge sort') })), 2_149 / 4_232);
  assert.equal(mariadbRatio(row({ work: work(4_339, 4_339, 'insert') })), 0);
  assert.equal(mariadbRatio(row({ work: work(5_353, 5_353, 'log apply index') })), 1);
});

void test('a build’s reported ratio never moves back within its phase; a new phase or build starts afresh', () => {
  const hold = new ForwardProgress();
  const sample = (session: number, info: string, over: Partial<MariadbProgressRow>) => {
    const progress = mariadbBuildProgress(row({ id: session, info, ...over }), 0);
    assert.ok(progress !== undefined, info);
    return { session, progress };
  };
  const a = 'ALTER TABLE t ADD INDEX ia (x)';
  const b = 'ALTER TABLE u ADD INDEX ib (y)';
  const poll = (...s: ReturnType<typeof sample>[]) => hold.apply(s).map((p) => p.ratio);
  const w = (done: number, total: number) => ({ work: { done, total, stage: 'x (merge sort)' } });
  assert.deepEqual(poll(sample(1, a, w(50, 100)), sample(2, b, w(10, 100))), [0.5, 0.1]);
  assert.deepEqual(poll(sample(1, a, w(40, 100)), sample(2, b, {})), [0.5, 0.1], 're-estimated, absent');
  assert.deepEqual(poll(sample(1, a, w(70, 100))), [0.7]);
  assert.deepEqual(poll(sample(1, a, { state: 'Committing alter table to storage engine' })), [0]);
  assert.deepEqual(poll(sample(2, b, w(5, 100))), [0.05], 'forgotten when not seen');
});

/** Both builds' samples while they ran together ('altering table' in the same poll). */
async function buildTwoAtOnce(url: string): Promise<{ together: BuildProgress[][]; all: BuildProgress[] }> {
  const setup = await openDialect(url);
  const builder = await openDialect(url);
  const watcher = await openDialect(url);
  try {
    for (const t of ['items_a', 'items_b']) {
      await setup.execute(`CREATE TABLE ${t} (id INT PRIMARY KEY, a INT, b VARCHAR(100)) ENGINE=InnoDB`);
      await setup.execute(
        `INSERT INTO ${t} SELECT seq, seq % 1000, CONCAT('value-', seq) FROM seq_1_to_${ROWS}`,
      );
    }
    await setup.analyze(['items_a', 'items_b']);
    const index = (t: string) =>
      testIndex(`idx_${t}_b_a`, t, 'b', {
        columns: [
          { name: 'b', order: 'ASC' },
          { name: 'a', order: 'ASC' },
        ],
      });
    let running = 2;
    const builds = ['items_a', 'items_b'].map((t) =>
      builder.createIndex(index(t), BUILD).finally(() => (running -= 1)),
    );
    const together: BuildProgress[][] = [];
    const all: BuildProgress[] = [];
    while (running > 0) {
      const poll = (await watcher.buildProgress()).filter((p) => p.tableName.startsWith('items_'));
      all.push(...poll);
      if (poll.filter((p) => p.phase === 'altering table').length === 2) together.push(poll);
      await new Promise((r) => setTimeout(r, 20));
    }
    await Promise.all(builds);
    return { together, all };
  } finally {
    await Promise.all([setup.close(), builder.close(), watcher.close()]);
  }
}

function perIndex(all: readonly BuildProgress[], name: string): number[] {
  return all.filter((p) => p.indexName === name && p.phase === 'altering table').map((p) => p.ratio);
}

void test('shared server (performance_schema off): two online builds at once both show 0, not a shared figure', async () => {
  const db = await freshMariadb('iopmdbprog2');
  const c = await mariadb.createConnection({ host: '127.0.0.1', port: 3306, user: 'root' });
  const [ps] = await c.query<{ on: number }[]>('SELECT @@performance_schema AS `on`');
  await c.end();
  assert.equal(Number(ps?.on), 0, 'this test is about a server without performance_schema');
  const { together } = await buildTwoAtOnce(db.url);
  assert.ok(together.length > 0, 'the two builds ran at the same time');
  for (const poll of together) {
    assert.deepEqual(
      poll.map((p) => p.ratio),
      [0, 0],
      JSON.stringify(poll),
    );
  }
});

void test('own server with performance_schema stages: two online builds at once, each its own ratio', async () => {
  const server = await startOwnMariadb([
    '--performance-schema=ON',
    '--performance-schema-instrument=stage/innodb/alter%=ON',
    '--performance-schema-consumer-events-stages-current=ON',
  ]);
  const c = await mariadb.createConnection({ host: '127.0.0.1', port: server.port, user: 'root' });
  await c.query('CREATE DATABASE progress');
  await c.end();
  const { together, all } = await buildTwoAtOnce(server.url('progress'));
  assert.ok(together.length > 0, 'the two builds ran at the same time');
  assert.ok(
    together.some((poll) => poll.every((p) => p.ratio > 0)),
    `both measured in one poll: ${JSON.stringify(together.map((p) => p.map((x) => x.ratio)))}`,
  );
  for (const name of ['idx_items_a_b_a', 'idx_items_b_b_a']) {
    const ratios = perIndex(all, name);
    console.log(
      `${name}: ${ratios.length} samples, ratio ${ratios[0]?.toFixed(3)} → ${ratios.at(-1)?.toFixed(3)}`,
    );
    assert.ok(
      ratios.every((r, i) => r <= 1 && (i === 0 || r >= (ratios[i - 1] ?? 0))),
      `forward only: ${ratios.join(' ')}`,
    );
    assert.ok(Math.max(...ratios) > 0.5, `past half way: ${ratios.join(' ')}`);
  }
});
