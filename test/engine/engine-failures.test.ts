/**
 * Failure behaviour against real PostgreSQL and SQLite: unique violations with each on-failure policy,
 * definition conflicts, abort, and a crashed runner's leftovers. PostgreSQL-only cases (INVALID
 * indexes and lock timeouts) are in engine-postgres-failures.test.ts.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { exampleCatalogue } from '../../src/catalogue/example/example-catalogue.js';
import { applyPhases, planRun, readStatus, rollbackPhases, type OnFailure } from '../../src/engine/engine.js';
import { UsageError } from '../../src/errors.js';
import { SqlBookkeepingStore } from '../../src/engine/sql-bookkeeping-store.js';
import { phaseChecksum } from '../../src/catalogue/phase-checksum.js';
import { ALL_DIALECTS } from '../helpers/databases.js';
import { assertBookkeepingMatchesDatabase, catalogueIndexesInDb, engineFixture } from './engine-fixture.js';

const DUPLICATE = `INSERT INTO authors (id, email, name, team_id, active, created_at)
  VALUES (1000, 'author7@example.com', 'Duplicate', 1, TRUE, 0)`;

async function failOnDuplicate(kind: (typeof ALL_DIALECTS)[number], onFailure: OnFailure) {
  const f = await engineFixture(kind);
  await f.dialect.execute(DUPLICATE);
  const report = await applyPhases(f.deps(), exampleCatalogue, { onFailure });
  return { f, report };
}

for (const kind of ALL_DIALECTS) {
  void describe(`engine failures on ${kind}`, () => {
    void test('unique index over duplicate data fails the phase and rolls it back (rollback-phase)', async () => {
      const { f, report } = await failOnDuplicate(kind, 'rollback-phase');
      assert.equal(report.ok, false);
      assert.equal(report.error?.reason, 'unique_violation');
      assert.equal(report.error?.phase, 'lookups');
      assert.equal(report.error?.index, 'uq_authors_email');
      assert.match(report.error?.message ?? '', /uq_authors_email/);
      assert.match(
        report.error?.message ?? '',
        /duplicate key \(email\)=\(author7@example\.com\) appears 2 times/,
      );
      assert.deepEqual(
        report.phases.map((p) => [p.name, p.outcome]),
        [
          ['core', 'succeeded'],
          ['lookups', 'failed'],
          ['reporting', 'not_run'],
        ],
      );
      // PostgreSQL: the failed CREATE UNIQUE INDEX CONCURRENTLY also left an INVALID index, dropped too.
      const leftover = kind === 'postgresql' ? 1 : 0;
      assert.equal(report.phases[1]?.indexesDropped, 2 + leftover);
      assert.equal(report.phases[1]?.indexesCreated, 0);
      assert.match(report.phases[1]?.message ?? '', /rolled back: dropped 2 indexes built by this run/);
      const drops = report.phases[1]?.indexes.filter((i) => i.action === 'drop' && i.status === 'succeeded');
      assert.deepEqual(
        drops?.map((i) => i.name).sort(),
        [
          'idx_authors_team_id_active',
          'idx_posts_published_author',
          ...(leftover ? ['uq_authors_email'] : []),
        ].sort(),
      );
      assert.ok(drops?.every((i) => i.attempts === 1 && i.durationMs >= 0));
      if (leftover) assert.match(report.phases[1]?.message ?? '', /dropped 1 INVALID leftover$/);
      const present = [...(await catalogueIndexesInDb(f.dialect)).keys()].sort();
      assert.deepEqual(present, ['idx_comments_author_id', 'idx_comments_post_id', 'idx_posts_author_id']);
      await assertBookkeepingMatchesDatabase(f.dialect);
      const status = await readStatus(f.deps(), exampleCatalogue);
      assert.deepEqual(
        status.phases.map((p) => p.status),
        ['succeeded', 'failed', 'pending'],
      );
      assert.match(status.phases[1]?.message ?? '', /duplicate key/);
      const uq = status.phases[1]?.builds.find((b) => b.indexName === 'uq_authors_email');
      assert.equal(uq?.status, 'failed');
      assert.equal(uq?.attempt, 1, 'a permanent failure is not retried');
      assert.ok(f.events.some((e) => e.event === 'rollback' && e.payload['phase'] === 'lookups'));
    });

    void test('rollback-all also rolls back the earlier phases of the run, newest first', async () => {
      const { f, report } = await failOnDuplicate(kind, 'rollback-all');
      assert.equal(report.ok, false);
      assert.deepEqual(
        report.phases.map((p) => [p.name, p.outcome]),
        [
          ['core', 'rolled_back'],
          ['lookups', 'failed'],
          ['reporting', 'not_run'],
        ],
      );
      assert.equal((await catalogueIndexesInDb(f.dialect)).size, 0);
      await assertBookkeepingMatchesDatabase(f.dialect);
      const status = await readStatus(f.deps(), exampleCatalogue);
      assert.deepEqual(
        status.phases.map((p) => p.status),
        ['rolled_back', 'failed', 'pending'],
      );
    });

    void test('halt keeps what was built; after fixing the data, up finishes the job', async () => {
      const { f, report } = await failOnDuplicate(kind, 'halt');
      assert.equal(report.ok, false);
      assert.equal(report.phases[1]?.outcome, 'failed');
      assert.equal(
        report.phases[1]?.indexesDropped,
        kind === 'postgresql' ? 1 : 0,
        'only an INVALID leftover',
      );
      assert.equal(report.phases[1]?.indexesCreated, 2);
      const present = await catalogueIndexesInDb(f.dialect);
      assert.ok(present.get('idx_authors_team_id_active'));
      assert.ok(present.get('idx_posts_published_author'));
      assert.ok(!present.has('uq_authors_email'), 'the failed build leaves nothing behind');
      await assertBookkeepingMatchesDatabase(f.dialect);

      await f.dialect.execute('DELETE FROM authors WHERE id = 1000');
      const plan = await planRun(f.deps(), exampleCatalogue);
      assert.deepEqual(
        plan.phases[1]?.indexes.map((i) => [i.index.name, i.action, i.owned]),
        [
          ['idx_authors_team_id_active', 'exists', true],
          ['idx_posts_published_author', 'exists', true],
          ['uq_authors_email', 'create', false],
        ],
      );
      const again = await applyPhases(f.deps(), exampleCatalogue);
      assert.equal(again.ok, true, again.error?.message);
      assert.deepEqual(
        again.phases.map((p) => [p.name, p.outcome, p.indexesCreated]),
        [
          ['core', 'unchanged', 0],
          ['lookups', 'succeeded', 1],
          ['reporting', 'succeeded', 2],
        ],
      );
      await assertBookkeepingMatchesDatabase(f.dialect);
      const down = await rollbackPhases(f.deps(), exampleCatalogue, { to: 'core' });
      assert.deepEqual(
        down.phases.map((p) => [p.name, p.indexesDropped]),
        [
          ['reporting', 2],
          ['lookups', 3],
        ],
        'down drops what the halted run built too',
      );
      await assertBookkeepingMatchesDatabase(f.dialect);
    });

    void test('same name with a different definition is an error naming both; the existing index stays', async () => {
      const f = await engineFixture(kind);
      await f.dialect.execute('CREATE INDEX idx_comments_post_id ON comments (author_id)');
      const plan = await planRun(f.deps(), exampleCatalogue, { phases: ['core'] });
      assert.equal(plan.counts.conflict, 1);
      const report = await applyPhases(f.deps(), exampleCatalogue, { phases: ['core'] });
      assert.equal(report.ok, false);
      assert.equal(report.error?.reason, 'conflict');
      assert.equal(report.error?.errorClass, 'permanent');
      assert.match(
        report.error?.message ?? '',
        /index 'idx_comments_post_id' already exists with a different definition/,
      );
      assert.match(report.error?.message ?? '', /author_id/);
      assert.match(report.error?.message ?? '', /comments\(post_id ASC\)/);
      const snapshot = await f.dialect.introspect();
      const kept = snapshot.indexes.find((i) => i.name === 'idx_comments_post_id');
      assert.deepEqual(kept?.columns, [{ name: 'author_id', order: 'ASC' }]);
      assert.ok(!snapshot.indexes.some((i) => i.name === 'idx_posts_author_id'), 'the phase was rolled back');
      const owned = await new SqlBookkeepingStore(f.dialect).listOwned();
      assert.deepEqual(owned, []);
    });

    void test('abort stops starting builds, keeps bookkeeping consistent, and the next up finishes', async () => {
      const f = await engineFixture(kind);
      const controller = new AbortController();
      const report = await applyPhases(
        f.deps({
          signal: controller.signal,
          observer: { indexFinished: () => controller.abort(new Error('test abort')) },
        }),
        exampleCatalogue,
      );
      assert.equal(report.ok, false);
      assert.equal(report.error?.reason, 'aborted');
      assert.deepEqual(
        report.phases.map((p) => p.outcome),
        ['failed', 'not_run', 'not_run'],
      );
      assert.equal(report.phases[0]?.indexes.filter((i) => i.status === 'succeeded').length, 1);
      assert.equal((await catalogueIndexesInDb(f.dialect)).size, 1);
      await assertBookkeepingMatchesDatabase(f.dialect);
      const again = await applyPhases(f.deps(), exampleCatalogue);
      assert.equal(again.ok, true, again.error?.message);
      await assertBookkeepingMatchesDatabase(f.dialect);
    });

    void test('rows a crashed runner left running are settled against the database', async () => {
      const f = await engineFixture(kind);
      const store = new SqlBookkeepingStore(f.dialect);
      await store.ensureTables();
      const core = exampleCatalogue.phases[0];
      assert.ok(core);
      const startedAt = new Date().toISOString();
      await store.upsertMigration({
        phase: 'core',
        catalogue: 'example',
        checksum: phaseChecksum(core),
        status: 'running',
        startedAt,
        finishedAt: null,
        durationMs: null,
        indexesCreated: 0,
        indexesSkipped: 0,
        message: null,
      });
      const row = (id: string, indexName: string, tableName: string) => ({
        id,
        runId: 'dead-run',
        phase: 'core',
        indexName,
        tableName,
        action: 'create' as const,
        status: 'running' as const,
        attempt: 1,
        startedAt,
        finishedAt: null,
        durationMs: null,
        errorCode: null,
        errorMessage: null,
        owned: false,
      });
      // One build completed before the crash (index there, row still running), one never did.
      await f.dialect.execute('CREATE INDEX idx_posts_author_id ON posts (author_id)');
      await store.insertBuild(row('dead-1', 'idx_posts_author_id', 'posts'));
      await store.insertBuild(row('dead-2', 'idx_comments_post_id', 'comments'));

      const report = await applyPhases(f.deps(), exampleCatalogue, { phases: ['core'] });
      assert.equal(report.ok, true, report.error?.message);
      const builds = await store.listBuilds('core');
      const dead = builds.filter((b) => b.runId === 'dead-run').map((b) => [b.indexName, b.status, b.owned]);
      assert.deepEqual(dead, [
        ['idx_posts_author_id', 'succeeded', true],
        ['idx_comments_post_id', 'failed', false],
      ]);
      assert.deepEqual(
        report.phases[0]?.indexes.map((i) => [i.name, i.action]),
        [
          ['idx_posts_author_id', 'exists'],
          ['idx_comments_post_id', 'create'],
          ['idx_comments_author_id', 'create'],
        ],
      );
      await assertBookkeepingMatchesDatabase(f.dialect);
      const down = await rollbackPhases(f.deps(), exampleCatalogue, { phases: ['core'] });
      assert.equal(
        down.phases[0]?.indexesDropped,
        3,
        'the crashed run built idx_posts_author_id: it is owned',
      );
    });

    void test('a phase recorded for another catalogue is refused before anything changes', async () => {
      const f = await engineFixture(kind);
      assert.equal((await applyPhases(f.deps(), exampleCatalogue, { phases: ['core'] })).ok, true);
      const other = { ...exampleCatalogue, name: 'other' };
      await assert.rejects(
        applyPhases(f.deps(), other),
        (e: unknown) =>
          e instanceof UsageError &&
          /already records phase 'core' \(catalogue 'example', succeeded\) of another catalogue/.test(
            e.message,
          ),
      );
      await assert.rejects(rollbackPhases(f.deps(), other), UsageError);
      assert.equal((await catalogueIndexesInDb(f.dialect)).size, 3, 'nothing changed');
      const down = await rollbackPhases(f.deps(), exampleCatalogue);
      assert.equal(down.ok, true);
      assert.equal(
        (await applyPhases(f.deps(), other, { phases: ['core'] })).ok,
        true,
        'allowed once rolled back',
      );
    });

    void test('bad input is a UsageError and changes nothing', async () => {
      const f = await engineFixture(kind);
      await assert.rejects(
        applyPhases(f.deps(), exampleCatalogue, { phases: ['nope'] }),
        /unknown phase 'nope'.*core, lookups, reporting/,
      );
      await assert.rejects(
        applyPhases(f.deps(), exampleCatalogue, { concurrency: 0, lockTimeoutMs: -1 }),
        /concurrency must be.*; lock timeout must be/,
      );
      await assert.rejects(
        rollbackPhases(f.deps(), exampleCatalogue, { to: 'nope' }),
        /--to names unknown phase 'nope'/,
      );
      await assert.rejects(
        planRun(f.deps(), { ...exampleCatalogue, name: 'Bad Name' }),
        /catalogue 'Bad Name' is invalid/,
      );
      assert.ok(!(await f.dialect.introspect()).tables.has('index_operator_migrations'));
    });
  });
}
