/**
 * Issue 11, defect 4: a long open transaction (a REPEATABLE READ reader's snapshot) during CREATE
 * INDEX CONCURRENTLY. The build waits for it beforehand within --snapshot-wait, with nothing created,
 * instead of failing on the lock timeout with an INVALID index left; when it stays too long the
 * failure names the session (pid, application, age, query start) in the message and the status; an
 * INVALID leftover that cannot be dropped is said, recorded, and dropped first by the next run.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import pg from 'pg';
import { openDialect } from '../../src/dialects/open-dialect.js';
import { createLogger } from '../../src/log.js';
import { exampleCatalogue } from '../../src/catalogue/example/example-catalogue.js';
import { applyPhases, readStatus } from '../../src/engine/engine.js';
import type { Clock } from '../../src/engine/clock.js';
import { assertBookkeepingMatchesDatabase, catalogueIndexesInDb, engineFixture } from './engine-fixture.js';

/** A REPEATABLE READ transaction that has read `table` and stays open. */
async function longReader(url: string, table: string) {
  const client = new pg.Client({ connectionString: url, application_name: 'long-report' });
  await client.connect();
  await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
  await client.query(`SELECT count(*) FROM ${table}`);
  const pid = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]?.pid;
  let ended: Promise<void> | undefined;
  return { pid, end: () => (ended ??= client.query('COMMIT').then(() => client.end())) };
}

const fastClock: Clock = { now: () => Date.now(), sleep: () => Promise.resolve() };

void describe('long transactions during CREATE INDEX CONCURRENTLY (postgresql)', () => {
  void test('a reader ending within --snapshot-wait: the build waits for it, then succeeds; nothing INVALID', async () => {
    const f = await engineFixture('postgresql');
    const said: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        said.push(chunk.toString());
        done();
      },
    });
    const dialect = await openDialect(f.db.url, { log: createLogger({ level: 'warn', destination: sink }) });
    const reader = await longReader(f.db.url, 'posts');
    const timer = setTimeout(() => void reader.end(), 2500);
    try {
      const report = await applyPhases(f.deps({ dialect }), exampleCatalogue, {
        phases: ['core'],
        lockTimeoutMs: 300,
        snapshotWaitMs: 30_000,
        retries: { limit: 0, backoffMs: 10 },
      });
      assert.equal(report.ok, true, report.error?.message);
      assert.ok(
        said.some((l) => l.includes(`pid ${reader.pid} (application 'long-report'`)),
        'the wait names the session',
      );
      await assertBookkeepingMatchesDatabase(f.dialect);
    } finally {
      clearTimeout(timer);
      await reader.end();
      await dialect.close();
    }
  });

  void test('a reader staying past --snapshot-wait: the failure names it; nothing created, nothing INVALID', async () => {
    const f = await engineFixture('postgresql');
    const reader = await longReader(f.db.url, 'posts');
    try {
      const report = await applyPhases(f.deps({ clock: fastClock }), exampleCatalogue, {
        phases: ['core'],
        lockTimeoutMs: 300,
        snapshotWaitMs: 700,
        retries: { limit: 1, backoffMs: 10 },
      });
      assert.equal(report.ok, false);
      assert.equal(report.error?.reason, 'snapshot_wait');
      const message = report.error?.message ?? '';
      assert.match(
        message,
        new RegExp(
          `nothing was created: 1 transaction open since before it still hold a snapshot the build would wait for: ` +
            `pid ${reader.pid} \\(application 'long-report', idle in transaction, transaction open [\\d.]+s, query started \\d{4}-`,
        ),
      );
      assert.match(message, /--snapshot-wait 700ms/);
      const invalid = [...(await catalogueIndexesInDb(f.dialect))].filter(([, valid]) => !valid);
      assert.deepEqual(invalid, []);
      const status = await readStatus(f.deps(), exampleCatalogue);
      assert.match(
        status.phases[0]?.message ?? '',
        new RegExp(`pid ${reader.pid} \\(application 'long-report'`),
      );
    } finally {
      await reader.end();
    }
  });

  void test('an INVALID leftover the reader keeps from being dropped: said and recorded; the next run drops it first', async () => {
    const f = await engineFixture('postgresql');
    // A failed unique build leaves an INVALID uq_authors_email.
    await f.dialect.execute(
      `INSERT INTO authors (id, email, name, team_id, active, created_at) VALUES (1000, 'author3@example.com', 'Dup', 1, TRUE, 0)`,
    );
    await assert.rejects(
      f.dialect.execute('CREATE UNIQUE INDEX CONCURRENTLY uq_authors_email ON authors (email)'),
    );
    await f.dialect.execute('DELETE FROM authors WHERE id = 1000');
    const reader = await longReader(f.db.url, 'authors');
    try {
      const blocked = await applyPhases(f.deps({ clock: fastClock }), exampleCatalogue, {
        lockTimeoutMs: 300,
        snapshotWaitMs: 500,
        retries: { limit: 1, backoffMs: 10 },
      });
      assert.equal(blocked.ok, false);
      assert.match(
        blocked.error?.message ?? '',
        new RegExp(
          `INVALID index uq_authors_email left by an earlier run could not be dropped, so no phase ran .*` +
            `the index is still there: 1 transaction open since before it still use its table: pid ${reader.pid}`,
        ),
      );
      assert.ok(blocked.phases.every((p) => p.outcome === 'not_run'));
      const status = await readStatus(f.deps(), exampleCatalogue);
      const drop = status.phases
        .flatMap((p) => p.builds)
        .find((b) => b.indexName === 'uq_authors_email' && b.action === 'drop');
      assert.equal(drop?.status, 'failed', 'the failed drop is recorded');
      assert.match(drop?.errorMessage ?? '', /long-report/);
    } finally {
      await reader.end();
    }
    const next = await applyPhases(f.deps(), exampleCatalogue, { lockTimeoutMs: 2000 });
    assert.equal(next.ok, true, next.error?.message);
    await assertBookkeepingMatchesDatabase(f.dialect);
  });
});
