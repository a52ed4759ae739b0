import { describe, test, after } from 'node:test';
import assert from 'node:assert/strict';
import { openDialect } from '../../src/dialects/open-dialect.js';
import type { BuildRow, MigrationRow } from '../../src/engine/bookkeeping-store.js';
import { SqlBookkeepingStore } from '../../src/engine/sql-bookkeeping-store.js';
import { ALL_DIALECTS, freshDatabase } from '../helpers/databases.js';

const migration: MigrationRow = {
  phase: 'core',
  catalogue: 'example',
  checksum: 'a'.repeat(64),
  status: 'running',
  startedAt: '2026-01-01T00:00:00.000Z',
  finishedAt: null,
  durationMs: null,
  indexesCreated: 0,
  indexesSkipped: 0,
  message: null,
};

function build(id: string, indexName: string, over: Partial<BuildRow> = {}): BuildRow {
  return {
    id,
    runId: 'run-1',
    phase: 'core',
    indexName,
    tableName: 'posts',
    action: 'create',
    status: 'running',
    attempt: 1,
    startedAt: `2026-01-01T00:00:0${id.slice(-1)}.000Z`,
    finishedAt: null,
    durationMs: null,
    errorCode: null,
    errorMessage: null,
    owned: false,
    ...over,
  };
}

for (const kind of ALL_DIALECTS) {
  void describe(`SqlBookkeepingStore on ${kind}`, () => {
    void test('tables are created once, rows round-trip, ownership follows builds and drops', async () => {
      const db = await freshDatabase(kind, 'iobook');
      const dialect = await openDialect(db.url);
      after(() => dialect.close());
      const store = new SqlBookkeepingStore(dialect);
      assert.equal(await store.tablesExist(), false);
      await store.ensureTables();
      await store.ensureTables();
      assert.equal(await store.tablesExist(), true);

      await store.upsertMigration(migration);
      const done = {
        ...migration,
        status: 'succeeded' as const,
        finishedAt: '2026-01-01T00:00:05.000Z',
        durationMs: 5000,
        indexesCreated: 2,
        indexesSkipped: 1,
        message: 'x'.repeat(2500),
      };
      await store.upsertMigration(done);
      const rows = await store.listMigrations();
      assert.equal(rows.length, 1, 'one row per phase');
      assert.deepEqual({ ...rows[0], message: null }, { ...done, message: null });
      assert.equal(rows[0]?.message?.length, 2000, 'long messages are truncated');
      assert.deepEqual(await store.getMigration('nope'), undefined);

      await store.insertBuild(build('b1', 'idx_a'));
      await store.insertBuild(build('b2', 'idx_b'));
      assert.deepEqual(
        (await store.listRunningBuilds()).map((b) => b.id),
        ['b1', 'b2'],
      );
      await store.finishBuild('b1', {
        status: 'succeeded',
        finishedAt: '2026-01-01T00:00:03.000Z',
        durationMs: 2000,
        owned: true,
      });
      await store.finishBuild('b2', {
        status: 'failed',
        finishedAt: '2026-01-01T00:00:04.000Z',
        durationMs: 2000,
        errorCode: '55P03',
        errorMessage: 'lock timeout',
      });
      const [b1, b2] = await store.listBuilds('core');
      assert.deepEqual(b1, {
        ...build('b1', 'idx_a'),
        status: 'succeeded',
        finishedAt: '2026-01-01T00:00:03.000Z',
        durationMs: 2000,
        owned: true,
      });
      assert.equal(b2?.errorCode, '55P03');
      assert.equal(b2?.owned, false);
      assert.deepEqual(await store.listOwned(), [{ indexName: 'idx_a', phase: 'core' }]);
      assert.deepEqual(await store.listOwned('other'), []);

      await store.disown('idx_a');
      assert.deepEqual(await store.listOwned(), []);
      assert.equal((await store.listBuilds())[0]?.status, 'rolled_back');
      assert.deepEqual(await store.listRunningBuilds(), []);
    });
  });
}
