/**
 * The operator's database watch on real PostgreSQL: while the engine builds (as a Job would, without
 * any observer), progress of the catalogue's indexes is exported from pg_stat_progress_create_index;
 * health is exported; a stopped migration has no progress series and a removed one no series at all.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import type { Catalogue } from '../../src/catalogue/catalogue.js';
import { column } from '../../src/catalogue/index-definition.js';
import { openDialect } from '../../src/dialects/open-dialect.js';
import { applyPhases } from '../../src/engine/engine.js';
import { createLogger } from '../../src/log.js';
import { DatabaseWatch } from '../../src/metrics/database-watch.js';
import { createMetrics } from '../../src/metrics/metrics.js';
import { freshPostgres } from '../helpers/databases.js';

const def = (name: string, cols: readonly string[]) => ({
  name,
  table: 'items',
  columns: cols.map(column),
  unique: false,
  where: [],
  include: [],
  phase: 'core',
  reason: 'test',
});

const catalogue: Catalogue = {
  name: 'watch',
  description: 'two text indexes',
  hotQueries: [],
  phases: [
    {
      name: 'core',
      description: 'core',
      indexes: [def('idx_items_token', ['token']), def('idx_items_token_id', ['token DESC', 'id'])],
    },
  ],
};

void test('progress of a build it does not run, health, and removal of a deleted migration', async () => {
  const db = await freshPostgres('iopwatch');
  const runner = await openDialect(db.url);
  const metrics = createMetrics(new Registry(), { defaultMetrics: false });
  const log = createLogger({ level: 'silent' });
  const watch = new DatabaseWatch({
    metrics,
    open: (url) => openDialect(url),
    progressIntervalMs: 100,
    healthIntervalMs: 200,
    log,
  });
  const migration = 'ns/watch';
  try {
    await runner.execute(
      'CREATE TABLE items AS SELECT g AS id, md5(g::text) AS token FROM generate_series(1, 300000) g',
    );
    await watch.update({ migration, url: db.url, catalogue, running: true });
    assert.deepEqual(watch.migrations, [migration]);

    const seen = new Set<string>();
    let done = false;
    const run = applyPhases({ dialect: runner, log }, catalogue, { maintenanceWorkMem: '1MB' }).finally(
      () => (done = true),
    );
    while (!done) {
      const { values } = await metrics.buildProgress.get();
      for (const v of values) if (v.labels['migration'] === migration) seen.add(String(v.labels['index']));
      await new Promise((r) => setTimeout(r, 25));
    }
    assert.equal((await run).ok, true);
    assert.ok(seen.size > 0, 'progress of at least one build was exported');
    for (const name of seen) assert.ok(['idx_items_token', 'idx_items_token_id'].includes(name), name);

    await watch.update({ migration, url: db.url, catalogue, running: false });
    assert.deepEqual((await metrics.buildProgress.get()).values, []);
    // Health refreshes on scrape once older than its 200 ms interval: wait (bounded) for the built indexes.
    const valid = /index_operator_health_indexes\{migration="ns\/watch",state="valid"\} 2/;
    const deadline = Date.now() + 15_000;
    let text = '';
    while (!valid.test((text = await metrics.registry.metrics()))) {
      assert.ok(Date.now() < deadline, 'health shows the two built indexes in time');
      await watch.refreshStale();
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.doesNotMatch(text, /postgres:\/\//, 'no URL in any label');

    await watch.remove(migration);
    assert.doesNotMatch(await metrics.registry.metrics(), /migration="ns\/watch"/);
    assert.deepEqual(watch.migrations, []);
  } finally {
    await watch.close();
    await runner.close();
  }
});
