/**
 * The contextforge catalogue on a current ContextForge database with data (newest models, upstream's 102
 * plan indexes, seeded rows) on both dialects: `up` builds only what the database lacks, and `verify`
 * passes afterwards, the hot paths of the tables only the current schema has included.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { contextforgeCatalogue } from '../../migrations/contextforge/index.js';
import { openDialect } from '../../src/dialects/open-dialect.js';
import { applyPhases, planRun } from '../../src/engine/engine.js';
import { createLogger } from '../../src/log.js';
import { seedDatabase } from '../../src/seed/seed.js';
import { runVerify } from '../../src/verify/verify.js';
// MariaDB keeps to the pre-epic schema until the seed honours the current schema's partial unique keys
// there (MariaDB has no partial index, so uq_user_roles_email_role_scope_null_active covers every row).
import { DIALECTS_WITHOUT_MARIADB as ALL_DIALECTS, freshDatabase } from '../helpers/databases.js';

const log = createLogger({ level: 'silent' });
const urls = new Map<string, string>();
for (const dialect of ALL_DIALECTS) urls.set(dialect, (await freshDatabase(dialect, 'e14current')).url);

for (const dialect of ALL_DIALECTS) {
  void test(`${dialect}: on a seeded current schema up builds only what is missing and verify passes`, async () => {
    const db = await openDialect(urls.get(dialect) ?? '');
    try {
      const seeded = await seedDatabase(db, { tools: 2_000, seed: 3, reset: false, schema: 'current' });
      assert.ok(seeded.rows > 30_000, `${seeded.rows} rows`);
      const plan = await planRun({ dialect: db, log }, contextforgeCatalogue);
      assert.ok(plan.counts.exists >= 30, JSON.stringify(plan.counts));
      const up = await applyPhases({ dialect: db, log }, contextforgeCatalogue, { concurrency: 2 });
      assert.equal(up.ok, true, up.error?.message);
      const built = up.phases.reduce((n, p) => n + p.indexesCreated, 0);
      assert.equal(built, plan.counts.create, 'exactly the missing indexes are built');
      await db.analyze([...(await db.introspect()).tables.keys()]);
      const report = await runVerify(db, contextforgeCatalogue.hotQueries);
      const failing = report.queries.filter((q) => q.outcome === 'seq_scan' || q.outcome === 'error');
      assert.deepEqual(
        failing.map((q) => `${q.name}: ${q.summary}`),
        [],
      );
      assert.equal(report.ok, true);
      const newTableQueries = [
        'tool_metrics_hourly_window',
        'a2a_task_by_id',
        'mcp_app_session_valid',
        'mcp_app_sessions_expired',
        'password_reset_by_hash',
      ];
      const newTables = report.queries.filter((q) => newTableQueries.includes(q.name));
      assert.deepEqual(
        newTables.map((q) => `${q.name}: ${q.outcome === 'index' || q.outcome === 'small_scan'}`),
        newTableQueries.map((n) => `${n}: true`),
        JSON.stringify(newTables),
      );
    } finally {
      await db.close();
    }
  });
}
