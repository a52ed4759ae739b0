/**
 * MariaDB failure behaviour on the real server: a metadata lock held by an open transaction makes the
 * online ALTER wait its lock_wait_timeout (errno 1205, transient): released in time, the retry builds
 * the index; never released, the phase fails after its retries naming the blocking session and is
 * rolled back (the holder is named through the metadata_lock_info plugin, which .ci/run installs: the
 * test fails saying so where it is missing; test/dialects/mariadb-lock-holders.test.ts checks the
 * message without it). A table that cannot be altered online by the time its build starts fails at once with a
 * permanent error naming the index and why (no retry), and the phase is rolled back. (Two runners: see
 * test/cli/runs-and-duplicates.test.ts, which runs on every dialect.)
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Catalogue } from '../../src/catalogue/catalogue.js';
import { exampleCatalogue } from '../../src/catalogue/example/example-catalogue.js';
import { openDialect } from '../../src/dialects/open-dialect.js';
import type { Clock } from '../../src/engine/clock.js';
import { applyPhases } from '../../src/engine/engine.js';
import { requireMariadbPlugin } from '../helpers/databases.js';
import { holdTransactionOpen } from '../helpers/dialects.js';
import {
  assertBookkeepingMatchesDatabase,
  assertCoreRolledBack,
  assertLockTimeoutRetried,
  engineFixture,
} from './engine-fixture.js';

/**
 * A second session whose open transaction read `table`: its metadata lock lasts until it ends (a read,
 * not a write: a write to comments would lock its foreign keys' parent tables too).
 */
async function openWriter(url: string, table: string) {
  const other = await openDialect(url);
  let session = 0;
  const held = await holdTransactionOpen(other, async (tx) => {
    session = Number((await tx.query<{ id: number }>('SELECT CONNECTION_ID() AS id'))[0]?.id);
    await tx.query(`SELECT COUNT(*) AS n FROM ${table}`);
  });
  let released: Promise<void> | undefined;
  return {
    session,
    release: () => (released ??= held.release().then(() => other.close())),
  };
}

void describe('engine failures on mariadb only', () => {
  void test('a metadata lock released in time: 1205 is retried and the build succeeds', async () => {
    const f = await engineFixture('mariadb');
    const holder = await openWriter(f.db.url, 'comments');
    try {
      await assertLockTimeoutRetried(f, holder.release, {
        lockTimeoutMs: 1000,
        concurrency: 1,
        errorCode: '1205',
      });
    } finally {
      await holder.release();
    }
  });

  void test('a metadata lock never released: the phase fails after its retries naming the holder, and is rolled back', async () => {
    await requireMariadbPlugin('metadata_lock_info', 'naming the session that holds the metadata lock');
    const f = await engineFixture('mariadb');
    const holder = await openWriter(f.db.url, 'comments');
    try {
      const clock: Clock = { now: () => Date.now(), sleep: () => Promise.resolve() };
      const report = await applyPhases(f.deps({ clock }), exampleCatalogue, {
        phases: ['core'],
        concurrency: 1,
        lockTimeoutMs: 1000,
        retries: { limit: 1, backoffMs: 10 },
      });
      assert.equal(report.ok, false);
      assert.equal(report.error?.reason, 'lock_timeout');
      assert.equal(report.error?.index, 'idx_comments_post_id');
      const said = report.error?.message ?? '';
      console.log(`lock wait: ${said}`);
      assert.equal(said.match(/create index/g)?.length, 1, `the context is said once: ${said}`);
      assert.match(said, /failed \(1205 lock_timeout\): Lock wait timeout exceeded/);
      assert.match(
        said,
        new RegExp(`waited for a metadata lock on comments: blocked by session ${holder.session} `),
      );
      assert.match(said, /Nothing was created/);
      assert.equal(f.events.filter((e) => e.event === 'indexRetry').length, 1);
      await assertCoreRolledBack(f, report);
    } finally {
      await holder.release();
    }
  });

  void test('a table that cannot be altered online: a permanent error naming the index and why, no retry, rolled back', async () => {
    const f = await engineFixture('mariadb');
    await f.dialect.execute(
      'CREATE TABLE notes (id INTEGER PRIMARY KEY, author INTEGER, kind INTEGER) ENGINE=InnoDB',
    );
    const catalogue: Catalogue = {
      name: 'notes',
      description: 'two phases, the second on a table that stops being InnoDB',
      hotQueries: [],
      phases: [
        { ...exampleCatalogue.phases[0]!, name: 'core' },
        {
          name: 'notes',
          description: 'notes',
          indexes: ['author', 'kind'].map((c) => ({
            name: `idx_notes_${c}`,
            table: 'notes',
            columns: [{ name: c, order: 'ASC' as const }],
            unique: false,
            where: [],
            include: [],
            phase: 'notes',
            reason: 'test',
          })),
        },
      ],
    };
    let converted = false;
    // After planning, before the first build of phase notes: the table becomes MyISAM (no online ALTER).
    const steps = async (point: string) => {
      if (
        point === 'before:insertBuild' &&
        !converted &&
        (await f.dialect.introspect()).indexes.some((i) => i.name === 'idx_comments_author_id')
      ) {
        converted = true;
        await f.dialect.execute('ALTER TABLE notes ENGINE=MyISAM');
      }
    };
    const report = await applyPhases(f.deps({ steps }), catalogue, {
      concurrency: 1,
      retries: { limit: 3, backoffMs: 10 },
      onFailure: 'rollback-phase',
    });
    assert.equal(converted, true);
    assert.equal(report.ok, false);
    assert.equal(report.error?.reason, 'online_impossible');
    assert.equal(report.error?.phase, 'notes');
    assert.match(report.error?.index ?? '', /^idx_notes_/);
    const said = report.error?.message ?? '';
    console.log(`online impossible: ${said}`);
    assert.equal(said.match(/create index/g)?.length, 1, `the context is said once: ${said}`);
    assert.match(
      said,
      /create index idx_notes_\w+ on notes \(phase notes, attempt 1\) failed \(18\d\d online_impossible\)/,
    );
    assert.match(said, /ALGORITHM=INPLACE is not supported/);
    assert.match(said, /notes cannot get this index without blocking writes/);
    assert.equal(
      f.events.filter((e) => e.event === 'indexRetry').length,
      0,
      'a permanent error is not retried',
    );
    assert.deepEqual(
      report.phases.map((p) => [p.name, p.outcome]),
      [
        ['core', 'succeeded'],
        ['notes', 'failed'],
      ],
    );
    assert.deepEqual(
      (await f.dialect.introspect()).indexes.filter((i) => i.table === 'notes' && !i.primary),
      [],
    );
    await assertBookkeepingMatchesDatabase(f.dialect);
  });
});
