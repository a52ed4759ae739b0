/**
 * Failure behaviour against real PostgreSQL, through the real CLI process: SIGKILL in the middle of a
 * concurrent build, a conflicting lock (released in time, and not), a writer inserting throughout a
 * build. Each test gets its own database, dropped when the test ends.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type pg from 'pg';
import { freshPostgres, type FreshDatabase } from '../helpers/databases.js';
import {
  describeResult,
  runCliJson,
  runCliProcess,
  startCli,
  waitFor,
  type CliProcess,
} from './cli-process.js';
import { buildRows, listIndexes, migrationRows, pgClient, writeCatalogueFile } from './fixtures.js';
import type { Plan, StatusReport } from '../../src/engine/engine.js';

/** `events` with `rows` rows (account_id 0..999, unique ref, md5 payload) and a small `accounts`. */
async function createEvents(db: FreshDatabase, rows: number): Promise<void> {
  const c = await pgClient(db.url);
  await c.query(`CREATE TABLE accounts (id integer PRIMARY KEY, name text NOT NULL)`);
  await c.query(`INSERT INTO accounts SELECT i, 'account ' || i FROM generate_series(0, 999) i`);
  await c.query(`CREATE TABLE events (
      id bigserial PRIMARY KEY, account_id integer NOT NULL, ref text NOT NULL, payload text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now())`);
  await c.query(
    `INSERT INTO events (account_id, ref, payload, created_at)
     SELECT i % 1000, 'ref-' || i, md5(i::text), now() - i * interval '1 second' FROM generate_series(1, $1) i`,
    [rows],
  );
  await c.query('ANALYZE events');
}

interface IndexSpec {
  readonly name: string;
  readonly table: string;
  readonly columns: readonly string[];
  readonly unique?: boolean;
}

/** A one-phase catalogue file (`events_phase`) with the given indexes, in order. */
function catalogueFile(indexes: readonly IndexSpec[]): string {
  return writeCatalogueFile({
    name: 'failtest',
    description: 'failure tests',
    phases: [
      {
        name: 'events_phase',
        description: 'indexes on the test tables',
        indexes: indexes.map((i) => ({ ...i, reason: `test index ${i.name}` })),
      },
    ],
  });
}

const ACCOUNT_CREATED: IndexSpec = {
  name: 'idx_events_account_created',
  table: 'events',
  columns: ['account_id', 'created_at DESC'],
};
const PAYLOAD: IndexSpec = { name: 'idx_events_payload', table: 'events', columns: ['payload'] };
const ACCOUNT_NAME: IndexSpec = { name: 'idx_accounts_name', table: 'accounts', columns: ['name'] };

/** `up` of a catalogue file on db, in a child process, with more flags. */
function startUp(db: FreshDatabase, catalogue: string, ...flags: readonly string[]): CliProcess {
  return startCli(['up', '--database', db.url, '--catalogue-file', catalogue, ...flags]);
}

/** An open transaction that has written to `events`: CREATE INDEX CONCURRENTLY must wait for it. */
async function openWriterTransaction(db: FreshDatabase): Promise<pg.Client> {
  const blocker = await pgClient(db.url);
  await blocker.query('BEGIN');
  await blocker.query(`INSERT INTO events (account_id, ref, payload) VALUES (1, 'blocker', 'blocker')`);
  return blocker;
}

async function invalidIndexes(db: FreshDatabase): Promise<string[]> {
  return (await listIndexes('postgresql', db)).filter((i) => !i.valid).map((i) => i.name);
}

/** Bookkeeping agrees with the database: every owned index exists and is valid, nothing is `running`. */
async function assertBookkeepingMatches(
  db: FreshDatabase,
  catalogue: string,
  expectedOwned: readonly string[],
): Promise<void> {
  const status = await runCliJson<StatusReport>([
    'status',
    '--database',
    db.url,
    '--catalogue-file',
    catalogue,
  ]);
  assert.equal(status.code, 0, describeResult(status));
  assert.deepEqual([...status.json.ownedIndexes].sort(), [...expectedOwned].sort());
  const present = new Map((await listIndexes('postgresql', db)).map((i) => [i.name, i.valid]));
  for (const name of expectedOwned) assert.equal(present.get(name), true, `${name} must exist and be valid`);
  const running = (await buildRows('postgresql', db)).filter((b) => b.status === 'running');
  assert.deepEqual(running, [], 'no build may be left running');
}

void test('SIGKILL in the middle of a concurrent build leaves an INVALID index; the next up repairs it', async () => {
  const db = await freshPostgres('e3kill');
  await createEvents(db, 200_000);
  const catalogue = catalogueFile([ACCOUNT_CREATED, PAYLOAD]);
  // A snapshot older than the build (it writes nothing, so the build starts at once): CONCURRENTLY
  // registers the index, builds it, then waits for this snapshot before marking it valid.
  const blocker = await pgClient(db.url);
  await blocker.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
  await blocker.query('SELECT 1');
  const watcher = await pgClient(db.url);

  // --snapshot-wait 0: the build itself waits on the snapshot (with its INVALID index), as it did before.
  const first = startUp(db, catalogue, '--lock-timeout', '2m', '--snapshot-wait', '0');
  // The build has created its (invalid) catalog entry and waits for the old snapshot: mid-build.
  const pid = await waitFor('the build to be in progress with an INVALID index', async () => {
    const r = await watcher.query<{ pid: number }>(
      `SELECT a.pid FROM pg_stat_activity a
         JOIN pg_stat_progress_create_index p ON p.pid = a.pid
         JOIN pg_index i ON i.indexrelid = p.index_relid
        WHERE a.datname = $1 AND NOT i.indisvalid`,
      [db.name],
    );
    return r.rows[0]?.pid;
  });
  first.child.kill('SIGKILL');
  const killed = await first.done;
  assert.equal(killed.signal, 'SIGKILL', describeResult(killed));
  // The pod's connection dies with it: end the orphaned server session the way the server would.
  await watcher.query('SELECT pg_terminate_backend($1)', [pid]);
  await waitFor('the orphaned build session to end', async () => {
    const r = await watcher.query('SELECT 1 FROM pg_stat_activity WHERE pid = $1', [pid]);
    return r.rowCount === 0;
  });
  await blocker.query('ROLLBACK');

  assert.deepEqual(
    await invalidIndexes(db),
    [ACCOUNT_CREATED.name],
    'the killed build left an INVALID index',
  );
  const left = await buildRows('postgresql', db);
  assert.ok(
    left.some((b) => b.index_name === ACCOUNT_CREATED.name && b.status === 'running'),
    'the bookkeeping shows the build that was cut off',
  );

  const plan = await runCliJson<Plan>(['plan', '--database', db.url, '--catalogue-file', catalogue]);
  const planned = plan.json.phases[0]?.indexes.find((i) => i.index.name === ACCOUNT_CREATED.name);
  assert.equal(planned?.action, 'rebuild', describeResult(plan));

  const second = await runCliProcess([
    'up',
    '--database',
    db.url,
    '--catalogue-file',
    catalogue,
    '--lock-wait',
    '30s',
  ]);
  assert.equal(second.code, 0, describeResult(second));
  assert.deepEqual(await invalidIndexes(db), []);
  assert.deepEqual(
    (await migrationRows('postgresql', db)).map((m) => [m.phase, m.status]),
    [['events_phase', 'succeeded']],
  );
  await assertBookkeepingMatches(db, catalogue, [ACCOUNT_CREATED.name, PAYLOAD.name]);
});

void test('a conflicting lock released in time: the build times out, retries and succeeds', async () => {
  const db = await freshPostgres('e3lock');
  await createEvents(db, 20_000);
  const catalogue = catalogueFile([ACCOUNT_CREATED]);
  const blocker = await openWriterTransaction(db);

  const run = startUp(
    db,
    catalogue,
    '--lock-timeout',
    '300ms',
    '--retries',
    '20',
    '--retry-backoff',
    '200ms',
  );
  await waitFor('a lock-timeout retry', () =>
    /retry\s+idx_events_account_created.*lock_timeout/.test(run.stdout()),
  );
  await blocker.query('COMMIT');
  const result = await run.done;
  assert.equal(result.code, 0, describeResult(result));

  assert.deepEqual(await invalidIndexes(db), []);
  const attempts = (await buildRows('postgresql', db)).filter((b) => b.index_name === ACCOUNT_CREATED.name);
  assert.ok(
    attempts.some((b) => b.status === 'failed' && b.error_code === '55P03'),
    `a failed attempt with SQLSTATE 55P03 is recorded: ${JSON.stringify(attempts)}`,
  );
  assert.equal(attempts.at(-1)?.status, 'succeeded');
  assert.ok((attempts.at(-1)?.attempt ?? 0) > 1);
  await assertBookkeepingMatches(db, catalogue, [ACCOUNT_CREATED.name]);
});

/**
 * The lock outlasts every retry of the build, so the phase fails. The leftover of CREATE INDEX
 * CONCURRENTLY on the locked table can only be dropped once that transaction ends (DROP INDEX waits for
 * it too); the transaction ends while the rollback is under way, as a long transaction eventually does.
 */
void test('a conflicting lock held past every retry: the phase fails, is rolled back, nothing INVALID remains', async () => {
  const db = await freshPostgres('e3lock');
  await createEvents(db, 20_000);
  // accounts builds first (concurrency 1, catalogue order), then events hits the lock
  const catalogue = catalogueFile([ACCOUNT_NAME, ACCOUNT_CREATED]);
  const blocker = await openWriterTransaction(db);

  const run = startUp(db, catalogue, '--lock-timeout', '200ms', '--retries', '2', '--retry-backoff', '1s');
  await waitFor('the build to give up', () =>
    /failed\s+idx_events_account_created\s+lock_timeout/.test(run.stdout()),
  );
  await blocker.query('ROLLBACK');
  const result = await run.done;
  assert.equal(result.code, 1, describeResult(result));
  assert.match(result.stdout, /up FAILED/);
  assert.match(result.stdout, /error \(phase events_phase, index idx_events_account_created\): .*lock/);

  const names = (await listIndexes('postgresql', db)).map((i) => i.name);
  assert.deepEqual(
    names,
    [],
    `the phase is rolled back: what it built is dropped, no INVALID leftover\n${describeResult(result)}`,
  );
  const [migration] = await migrationRows('postgresql', db);
  assert.ok(migration && ['rolled_back', 'failed'].includes(migration.status), JSON.stringify(migration));
  await assertBookkeepingMatches(db, catalogue, []);
});

void test('a writer inserting throughout a concurrent build keeps succeeding; the index is complete', async () => {
  const db = await freshPostgres('e3write');
  const rows = 300_000;
  await createEvents(db, rows);
  const catalogue = catalogueFile([ACCOUNT_CREATED, PAYLOAD]);
  const writer = await pgClient(db.url);
  let inserted = 0;
  const errors: unknown[] = [];
  let stop = false;
  const writing = (async () => {
    while (!stop) {
      try {
        await writer.query(`INSERT INTO events (account_id, ref, payload) VALUES ($1, $2, md5($2))`, [
          inserted % 1000,
          `live-${inserted}`,
        ]);
        inserted += 1;
      } catch (e) {
        errors.push(e);
        return;
      }
    }
  })();

  const run = startUp(db, catalogue, '--lock-timeout', '10s');
  await waitFor(
    'the first build to start',
    () => /start\s+idx_events_account_created/.test(run.stdout()),
    60_000,
  );
  const atStart = inserted;
  const result = await run.done;
  const duringBuilds = inserted - atStart;
  stop = true;
  await writing;

  assert.equal(result.code, 0, describeResult(result));
  assert.deepEqual(errors, [], 'every insert succeeded');
  assert.ok(duringBuilds > 0, 'inserts committed while the indexes were being built');
  assert.deepEqual(await invalidIndexes(db), []);

  const check = await pgClient(db.url);
  const total = Number((await check.query<{ n: string }>('SELECT count(*) AS n FROM events')).rows[0]?.n);
  assert.equal(total, rows + inserted, 'all inserts are committed');
  await check.query('SET enable_seqscan = off');
  const explain = await check.query<{ 'QUERY PLAN': unknown }>(
    'EXPLAIN (FORMAT JSON) SELECT count(*) FROM events WHERE account_id >= 0',
  );
  assert.match(
    JSON.stringify(explain.rows[0]),
    /idx_events_account_created/,
    'the count is read through the index',
  );
  const viaIndex = Number(
    (await check.query<{ n: string }>('SELECT count(*) AS n FROM events WHERE account_id >= 0')).rows[0]?.n,
  );
  assert.equal(viaIndex, total, 'the index holds every row, including those inserted during the build');
  await assertBookkeepingMatches(db, catalogue, [ACCOUNT_CREATED.name, PAYLOAD.name]);
});
