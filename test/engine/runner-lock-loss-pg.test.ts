/**
 * The runner lock's session dies during a run (its backend is terminated, as a failover or an admin
 * would): the run notices, starts no new build, lets the running one finish and record itself, rolls
 * nothing back, and fails with a transient `runner_lock_lost` error. The next run finishes the phase.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { exampleCatalogue } from '../../src/catalogue/example/example-catalogue.js';
import { applyPhases, readStatus } from '../../src/engine/engine.js';
import { waitFor } from '../cli/cli-process.js';
import { pgClient } from '../cli/fixtures.js';
import { assertBookkeepingMatchesDatabase, catalogueIndexesInDb, engineFixture } from './engine-fixture.js';

const OWNER = 'lock-loss-test';

void test('a lost runner lock stops new builds and fails the run with a transient error', async () => {
  const f = await engineFixture('postgresql');
  const admin = await pgClient(f.db.url);
  // An open transaction writing posts: the first build of `core` (idx_posts_author_id) waits for it.
  const writer = await pgClient(f.db.url);
  await writer.query('BEGIN');
  await writer.query('UPDATE posts SET title = title WHERE id = 1');

  const run = applyPhases(f.deps(), exampleCatalogue, {
    phases: ['core'],
    lockTimeoutMs: 60_000,
    owner: OWNER,
  });
  await waitFor('the first build to start', () =>
    f.events.some(
      (e) => e.event === 'indexStarted' && JSON.stringify(e.payload).includes('idx_posts_author_id'),
    ),
  );
  const terminated = await admin.query(
    `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND application_name = $2`,
    [f.db.name, `index-operator runner: ${OWNER}`],
  );
  assert.equal(terminated.rowCount, 1, 'the runner lock session was found and terminated');
  await waitFor('the run to notice the lost lock', () => f.logLines.some((l) => /runner lock lost/.test(l)));
  await writer.query('COMMIT');
  const report = await run;

  assert.equal(report.ok, false);
  assert.equal(report.error?.reason, 'runner_lock_lost', JSON.stringify(report.error));
  assert.equal(report.error?.errorClass, 'transient');
  assert.match(report.error?.message ?? '', /phase core stopped: the runner lock on .* was lost/);
  assert.match(report.error?.message ?? '', /another runner may hold it now/);
  const phase = report.phases[0];
  assert.equal(phase?.outcome, 'failed');
  assert.deepEqual(
    phase?.indexes.map((i) => [i.name, i.status]),
    [
      ['idx_posts_author_id', 'succeeded'],
      ['idx_comments_post_id', 'not_run'],
      ['idx_comments_author_id', 'not_run'],
    ],
    'the running build finished; no new build started',
  );
  assert.equal(phase?.indexesDropped, 0, 'nothing is rolled back after a lost lock');
  assert.deepEqual([...(await catalogueIndexesInDb(f.dialect))], [['idx_posts_author_id', true]]);
  await assertBookkeepingMatchesDatabase(f.dialect);
  const status = await readStatus(f.deps(), exampleCatalogue);
  assert.equal(status.phases[0]?.status, 'failed');
  assert.match(status.phases[0]?.message ?? '', /runner lock .* was lost/);

  const next = await applyPhases(f.deps(), exampleCatalogue, { phases: ['core'] });
  assert.equal(next.ok, true, next.error?.message);
  assert.deepEqual([...(await catalogueIndexesInDb(f.dialect)).keys()].sort(), [
    'idx_comments_author_id',
    'idx_comments_post_id',
    'idx_posts_author_id',
  ]);
  await assertBookkeepingMatchesDatabase(f.dialect);
});
