/**
 * Issue 11, defect 1: the database's real state wins over the bookkeeping. A phase recorded
 * `succeeded` whose indexes are not all there (a `down` killed between its drops, an index dropped by
 * hand) is not applied: `plan` and `status` say so alike, and `up` builds what is missing and says so.
 * A phase whose every index was skipped (no tables yet) is not recorded as applied.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { exampleCatalogue } from '../../src/catalogue/example/example-catalogue.js';
import { createExampleSchema } from '../../src/catalogue/example/example-schema.js';
import { applyPhases, planRun, readStatus } from '../../src/engine/engine.js';
import { openDialect } from '../../src/dialects/open-dialect.js';
import { createLogger } from '../../src/log.js';
import { ALL_DIALECTS, freshDatabase } from '../helpers/databases.js';
import { catalogueIndexesInDb, engineFixture } from './engine-fixture.js';

const ALL_NAMES = exampleCatalogue.phases.flatMap((p) => p.indexes.map((i) => i.name)).sort();

for (const kind of ALL_DIALECTS) {
  void describe(`real state wins on ${kind}`, () => {
    void test('indexes of an applied phase gone (a killed down): plan, status and up all see it', async () => {
      const f = await engineFixture(kind);
      const first = await applyPhases(f.deps(), exampleCatalogue);
      assert.equal(first.ok, true, first.error?.message);
      // What a down killed after its first drop leaves: the phase row still says succeeded.
      await f.dialect.dropIndex('idx_comments_post_id', {
        lockTimeoutMs: 5000,
        statementTimeoutMs: 0,
        busyTimeoutMs: 5000,
      });

      const plan = await planRun(f.deps(), exampleCatalogue);
      const status = await readStatus(f.deps(), exampleCatalogue);
      const core = plan.phases.find((p) => p.name === 'core');
      assert.equal(core?.status, 'incomplete');
      assert.equal(core?.applied, false);
      assert.deepEqual(
        plan.phases.map((p) => [p.name, p.status]),
        status.phases.map((p) => [p.name, p.status]),
        'status and plan agree',
      );
      assert.match(status.phases.find((p) => p.name === 'core')?.message ?? '', /1 of its 3 indexes/);

      const again = await applyPhases(f.deps(), exampleCatalogue);
      assert.equal(again.ok, true, again.error?.message);
      const coreReport = again.phases.find((p) => p.name === 'core');
      assert.equal(coreReport?.outcome, 'succeeded');
      assert.equal(coreReport?.indexesCreated, 1);
      assert.match(coreReport?.message ?? '', /built 1 missing index/);
      assert.deepEqual([...(await catalogueIndexesInDb(f.dialect)).keys()].sort(), ALL_NAMES);
      const after = await planRun(f.deps(), exampleCatalogue);
      assert.ok(after.phases.every((p) => p.applied && p.status === 'succeeded'));
      assert.equal(after.counts.create, 0);
    });

    void test('up before the application has its tables records no phase as applied', async () => {
      const db = await freshDatabase(kind, 'ionotables');
      const dialect = await openDialect(db.url);
      try {
        const deps = { dialect, log: createLogger({ level: 'silent' }) };
        const first = await applyPhases(deps, exampleCatalogue);
        assert.equal(first.ok, true, first.error?.message);
        assert.ok(
          first.phases.every((p) => p.outcome === 'skipped'),
          JSON.stringify(first.phases),
        );
        const status = await readStatus(deps, exampleCatalogue);
        assert.ok(status.phases.every((p) => p.status === 'skipped'));
        assert.match(status.phases[0]?.message ?? '', /nothing is applied/);

        await createExampleSchema(dialect, { rows: 50 });
        const plan = await planRun(deps, exampleCatalogue);
        assert.equal(plan.counts.create, ALL_NAMES.length);
        assert.ok(plan.phases.every((p) => !p.applied));
        const second = await applyPhases(deps, exampleCatalogue);
        assert.equal(second.ok, true, second.error?.message);
        assert.ok(second.phases.every((p) => p.outcome === 'succeeded'));
        assert.deepEqual([...(await catalogueIndexesInDb(dialect)).keys()].sort(), ALL_NAMES);
      } finally {
        await dialect.close();
      }
    });
  });
}
