/**
 * PostgreSQL-only failure behaviour: INVALID indexes exist only there (SQLite builds in a transaction
 * that either commits or leaves nothing), and only there can another session lock one table (a SQLite
 * writer locks the whole file, bookkeeping included, and its synchronous driver cannot release a lock
 * held in the same process while it waits).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { exampleCatalogue } from '../../src/catalogue/example/example-catalogue.js';
import { applyPhases, planRun, readStatus } from '../../src/engine/engine.js';
import type { Clock } from '../../src/engine/clock.js';
import {
  assertBookkeepingMatchesDatabase,
  assertCoreRolledBack,
  assertLockTimeoutRetried,
  catalogueIndexesInDb,
  engineFixture,
} from './engine-fixture.js';

/** A second session holding SHARE UPDATE EXCLUSIVE on a table (what CREATE INDEX CONCURRENTLY needs). */
async function lockTable(url: string, table: string) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query('BEGIN');
  await client.query(`LOCK TABLE ${table} IN SHARE UPDATE EXCLUSIVE MODE`);
  let released: Promise<void> | undefined;
  return {
    release: () => (released ??= client.query('COMMIT').then(() => client.end())),
  };
}

/** A second session with an open transaction that has written to a table (CONCURRENTLY waits for it). */
async function openWriter(url: string, sql: string) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query('BEGIN');
  await client.query(sql);
  return { release: () => client.query('ROLLBACK').then(() => client.end()) };
}

void describe('engine failures on postgresql only', () => {
  void test('an INVALID leftover is planned as rebuild, dropped and rebuilt', async () => {
    const f = await engineFixture('postgresql');
    await f.dialect.execute(
      `INSERT INTO authors (id, email, name, team_id, active, created_at) VALUES (1000, 'author3@example.com', 'Dup', 1, TRUE, 0)`,
    );
    await assert.rejects(
      f.dialect.execute('CREATE UNIQUE INDEX CONCURRENTLY uq_authors_email ON authors (email)'),
    );
    assert.equal(
      (await catalogueIndexesInDb(f.dialect)).get('uq_authors_email'),
      false,
      'an INVALID index is left',
    );
    await f.dialect.execute('DELETE FROM authors WHERE id = 1000');

    const plan = await planRun(f.deps(), exampleCatalogue, { phases: ['lookups'] });
    const uq = plan.phases[0]?.indexes.find((i) => i.index.name === 'uq_authors_email');
    assert.equal(uq?.action, 'rebuild');
    const report = await applyPhases(f.deps(), exampleCatalogue, { phases: ['lookups'] });
    assert.equal(report.ok, true, report.error?.message);
    // The leftover is dropped first (before any phase), then built in its phase.
    const built = report.phases[0]?.indexes.find((i) => i.name === 'uq_authors_email');
    assert.equal(built?.action, 'create');
    assert.equal(built?.status, 'succeeded');
    const rows = (await readStatus(f.deps(), exampleCatalogue)).phases.find((p) => p.name === 'lookups');
    assert.ok(
      rows?.builds.some(
        (b) => b.indexName === 'uq_authors_email' && b.action === 'drop' && b.status === 'succeeded',
      ),
    );
    assert.equal((await catalogueIndexesInDb(f.dialect)).get('uq_authors_email'), true);
    await assertBookkeepingMatchesDatabase(f.dialect);
    const status = await readStatus(f.deps(), exampleCatalogue);
    assert.ok(status.ownedIndexes.includes('uq_authors_email'), 'a rebuilt leftover is owned');
  });

  void test('a lock timeout released in time is retried and the build succeeds', async () => {
    const f = await engineFixture('postgresql');
    const holder = await lockTable(f.db.url, 'comments');
    const report = await assertLockTimeoutRetried(f, holder.release, {
      lockTimeoutMs: 100,
      errorCode: '55P03',
    });
    assert.equal(report.phases[0]?.indexes.find((i) => i.name === 'idx_comments_post_id')?.attempts, 2);
  });

  void test('an open writer never released fails the phase after the retries and rolls it back; nothing INVALID remains', async () => {
    const f = await engineFixture('postgresql');
    const holder = await openWriter(f.db.url, 'UPDATE comments SET body = body WHERE id = 1');
    try {
      const clock: Clock = { now: () => Date.now(), sleep: () => Promise.resolve() };
      const report = await applyPhases(f.deps({ clock }), exampleCatalogue, {
        phases: ['core'],
        lockTimeoutMs: 100,
        retries: { limit: 2, backoffMs: 10 },
      });
      assert.equal(report.ok, false);
      assert.equal(report.error?.reason, 'lock_timeout');
      assert.equal(report.error?.index, 'idx_comments_post_id');
      assert.match(report.error?.message ?? '', /idx_comments_post_id.*attempt 3/);
      // Issue 11 (5): the context is said once, then the code and the server's words.
      const said = report.error?.message ?? '';
      assert.equal(said.match(/create index/g)?.length, 1, said);
      assert.match(said, /failed \(55P03 lock_timeout\): canceling/);
      assert.equal(f.events.filter((e) => e.event === 'indexRetry').length, 2);
      await assertCoreRolledBack(f, report);
    } finally {
      await holder.release();
    }
  });
});
