/**
 * A runner killed in the middle of CREATE INDEX CONCURRENTLY (the CLI as a child process, SIGKILL, as
 * when a Job's pod is killed): the server notices its client is gone (client_connection_check_interval
 * on the build session) and ends the build session by itself; nobody terminates it. The next `up`
 * repairs the INVALID index the cancelled build left.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { freshPostgres } from '../helpers/databases.js';
import { describeResult, runCliProcess, startCli, waitFor } from '../cli/cli-process.js';
import { listIndexes, migrationRows, pgClient, writeCatalogueFile } from '../cli/fixtures.js';

void test('a killed runner: the server ends its build session by itself; the next up repairs the INVALID index', async () => {
  const db = await freshPostgres('iopkilled');
  const setup = await pgClient(db.url);
  await setup.query('CREATE TABLE events (id bigserial PRIMARY KEY, account_id integer NOT NULL)');
  await setup.query('INSERT INTO events (account_id) SELECT i % 100 FROM generate_series(1, 20000) i');
  const catalogue = writeCatalogueFile({
    name: 'killtest',
    description: 'killed runner test',
    phases: [
      {
        name: 'events_phase',
        description: 'one index',
        indexes: [
          { name: 'idx_events_account', table: 'events', columns: ['account_id'], reason: 'test index' },
        ],
      },
    ],
  });
  // A snapshot older than the build: CONCURRENTLY registers the index (INVALID), builds it, then waits
  // for this snapshot before marking it valid. The runner is killed during that wait.
  const blocker = await pgClient(db.url);
  await blocker.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
  await blocker.query('SELECT 1');
  const watcher = await pgClient(db.url);

  const run = startCli([
    'up',
    '--database',
    db.url,
    '--catalogue-file',
    catalogue,
    '--lock-timeout',
    '2m',
    '--snapshot-wait',
    '0', // let the build itself wait on the snapshot (with its INVALID index), as it did before
  ]);
  const pid = await waitFor('the build to wait with an INVALID index', async () => {
    const r = await watcher.query<{ pid: number }>(
      `SELECT p.pid FROM pg_stat_progress_create_index p JOIN pg_index i ON i.indexrelid = p.index_relid
        WHERE p.datid = (SELECT oid FROM pg_database WHERE datname = $1) AND NOT i.indisvalid`,
      [db.name],
    );
    return r.rows[0]?.pid;
  });
  run.child.kill('SIGKILL');
  const killed = await run.done;
  assert.equal(killed.signal, 'SIGKILL', describeResult(killed));

  // No pg_terminate_backend here: the server checks its client every couple of seconds.
  await waitFor(
    'the build session to end by itself',
    async () => (await watcher.query('SELECT 1 FROM pg_stat_activity WHERE pid = $1', [pid])).rowCount === 0,
    30_000,
  );
  const sessions = await watcher.query(
    `SELECT 1 FROM pg_stat_activity WHERE datname = $1 AND application_name LIKE 'index-operator%'`,
    [db.name],
  );
  assert.equal(sessions.rowCount, 0, 'no session of the killed runner is left');
  assert.equal(
    (await blocker.query<{ n: number }>('SELECT 1 AS n')).rows[0]?.n,
    1,
    'the old snapshot is still open: the build did not finish, it was cancelled',
  );
  await blocker.query('ROLLBACK');
  const left = await listIndexes('postgresql', db);
  assert.deepEqual(
    left.map((i) => [i.name, i.valid]),
    [['idx_events_account', false]],
    'the cancelled build left its INVALID index',
  );

  const next = await runCliProcess(['up', '--database', db.url, '--catalogue-file', catalogue]);
  assert.equal(next.code, 0, describeResult(next));
  const repaired = await listIndexes('postgresql', db);
  assert.deepEqual(
    repaired.map((i) => [i.name, i.valid]),
    [['idx_events_account', true]],
    'no INVALID index after the next up',
  );
  assert.deepEqual(
    (await migrationRows('postgresql', db)).map((m) => [m.phase, m.status]),
    [['events_phase', 'succeeded']],
  );
});
