/**
 * The bookkeeping connection dies while a failed phase is rolled back, or while its failure is being
 * recorded: the phase is still reported `failed` with its real cause (never `not_run`), the database
 * and the bookkeeping stay consistent, and the next run settles and finishes it. The connection is
 * killed for real: a trigger on a bookkeeping table terminates its own backend, once (a sequence counts
 * outside the transaction the termination rolls back).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { exampleCatalogue } from '../../src/catalogue/example/example-catalogue.js';
import { applyPhases, readStatus } from '../../src/engine/engine.js';
import { SqlBookkeepingStore } from '../../src/engine/sql-bookkeeping-store.js';
import { assertBookkeepingMatchesDatabase, catalogueIndexesInDb, engineFixture } from './engine-fixture.js';
import type { EngineFixture } from './engine-fixture.js';

/** A second author with author3's email: uq_authors_email (phase lookups, built last) fails. */
const DUPLICATE_AUTHOR = `INSERT INTO authors (id, email, name, team_id, active, created_at)
  VALUES (1000, 'author3@example.com', 'Dup', 1, TRUE, 0)`;

/** Bookkeeping writes are retried like builds (retrying-store.ts): these tests take the retries away. */
const NO_RETRY = { limit: 0, backoffMs: 1 };

/** Kills the session that writes a matching row to `table`, the first time only. */
async function killBookkeepingOnce(f: EngineFixture, table: string, when: string): Promise<void> {
  await new SqlBookkeepingStore(f.dialect).ensureTables();
  await f.dialect.execute('CREATE SEQUENCE kill_once');
  await f.dialect.execute(`CREATE FUNCTION kill_bookkeeping() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF nextval('kill_once') = 1 THEN PERFORM pg_terminate_backend(pg_backend_pid()); END IF;
      RETURN NEW;
    END $$`);
  await f.dialect.execute(
    `CREATE TRIGGER kill_bookkeeping BEFORE INSERT OR UPDATE ON ${table}
     FOR EACH ROW WHEN (${when}) EXECUTE FUNCTION kill_bookkeeping()`,
  );
}

/** The trigger fired (its first firing terminated the session). */
async function killed(f: EngineFixture): Promise<boolean> {
  const rows = await f.dialect.query<{ fired: boolean }>('SELECT is_called AS fired FROM kill_once');
  return rows[0]?.fired === true;
}

void test('the bookkeeping connection dies during a rollback: the phase is failed, not not_run', async () => {
  const f = await engineFixture('postgresql');
  await f.dialect.execute(DUPLICATE_AUTHOR);
  await killBookkeepingOnce(f, 'index_operator_index_builds', `NEW.action = 'drop'`);

  const report = await applyPhases(f.deps(), exampleCatalogue, { phases: ['lookups'], retries: NO_RETRY });
  assert.ok(await killed(f), 'a rollback drop lost its bookkeeping connection');
  assert.equal(report.ok, false);
  assert.equal(report.error?.reason, 'unique_violation', 'the phase keeps its real cause');
  const phase = report.phases[0];
  assert.equal(phase?.outcome, 'failed', JSON.stringify(phase));
  assert.match(phase?.message ?? '', /duplicate key/);
  assert.match(
    phase?.message ?? '',
    /rollback incomplete: 1 index not dropped \(uq_authors_email\): drop index uq_authors_email .* stopped: .*terminating connection/,
  );
  const drops = phase?.indexes.filter((i) => i.action === 'drop').map((i) => [i.name, i.status]);
  assert.deepEqual(drops, [
    ['uq_authors_email', 'failed'],
    ['idx_authors_team_id_active', 'succeeded'],
    ['idx_posts_published_author', 'succeeded'],
  ]);
  assert.deepEqual(
    [...(await catalogueIndexesInDb(f.dialect))],
    [['uq_authors_email', false]],
    'the built indexes were dropped; the INVALID leftover whose drop was cut off is still there',
  );
  const status = await readStatus(f.deps(), exampleCatalogue);
  const lookups = status.phases.find((p) => p.name === 'lookups');
  assert.equal(lookups?.status, 'failed');
  assert.deepEqual(status.ownedIndexes, []);

  await f.dialect.execute('DELETE FROM authors WHERE id = 1000');
  const next = await applyPhases(f.deps(), exampleCatalogue, { phases: ['lookups'] });
  assert.equal(next.ok, true, next.error?.message);
  await assertBookkeepingMatchesDatabase(f.dialect);
});

void test('the bookkeeping connection dies recording a phase failure: the phase is failed with its cause', async () => {
  const f = await engineFixture('postgresql');
  await f.dialect.execute(DUPLICATE_AUTHOR);
  await killBookkeepingOnce(f, 'index_operator_migrations', `NEW.status = 'failed'`);

  const report = await applyPhases(f.deps(), exampleCatalogue, { phases: ['lookups'], retries: NO_RETRY });
  assert.ok(await killed(f), 'recording the failure lost its bookkeeping connection');
  assert.equal(report.ok, false);
  assert.equal(report.error?.reason, 'unique_violation', 'the phase keeps its real cause');
  const phase = report.phases[0];
  assert.equal(phase?.outcome, 'failed', JSON.stringify(phase));
  assert.match(phase?.message ?? '', /duplicate key.*the failure could not be recorded/);
  assert.deepEqual([...(await catalogueIndexesInDb(f.dialect))], [], 'the rollback itself completed');
  const status = await readStatus(f.deps(), exampleCatalogue);
  assert.equal(status.phases.find((p) => p.name === 'lookups')?.status, 'running', 'the row lags behind');

  await f.dialect.execute('DELETE FROM authors WHERE id = 1000');
  const next = await applyPhases(f.deps(), exampleCatalogue, { phases: ['lookups'] });
  assert.equal(next.ok, true, next.error?.message);
  await assertBookkeepingMatchesDatabase(f.dialect);
});

void test('the bookkeeping connection dies as a phase starts: the phase is failed, not not_run', async () => {
  const f = await engineFixture('postgresql');
  await killBookkeepingOnce(f, 'index_operator_migrations', `NEW.status = 'running'`);

  const report = await applyPhases(f.deps(), exampleCatalogue, {
    phases: ['core', 'lookups'],
    retries: NO_RETRY,
  });
  assert.ok(await killed(f), 'starting the phase lost its bookkeeping connection');
  assert.equal(report.ok, false);
  assert.equal(report.error?.reason, 'connection');
  assert.equal(report.error?.errorClass, 'transient');
  assert.deepEqual(
    report.phases.map((p) => [p.name, p.outcome]),
    [
      ['core', 'failed'],
      ['lookups', 'not_run'],
    ],
  );
  assert.match(report.phases[0]?.message ?? '', /phase core failed and its bookkeeping may be incomplete/);

  const next = await applyPhases(f.deps(), exampleCatalogue, { phases: ['core', 'lookups'] });
  assert.equal(next.ok, true, next.error?.message);
  await assertBookkeepingMatchesDatabase(f.dialect);
});

void test('with retries, a bookkeeping connection that dies once is retried and the run goes on', async () => {
  const f = await engineFixture('postgresql');
  await killBookkeepingOnce(f, 'index_operator_migrations', `NEW.status = 'running'`);
  const report = await applyPhases(f.deps(), exampleCatalogue, {
    phases: ['core', 'lookups'],
    retries: { limit: 2, backoffMs: 10 },
  });
  assert.ok(await killed(f), 'starting the phase lost its bookkeeping connection');
  assert.equal(report.ok, true, report.error?.message);
  assert.ok(f.logLines.some((l) => /bookkeeping upsertMigration failed \(connection\); retrying/.test(l)));
  await assertBookkeepingMatchesDatabase(f.dialect);
});
