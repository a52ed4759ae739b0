/**
 * The engine against real PostgreSQL and SQLite with the example catalogue: round trips, idempotence,
 * ownership, concurrency per table, drift, skips and status.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { exampleCatalogue } from '../../src/catalogue/example/example-catalogue.js';
import { definePhase } from '../../src/catalogue/define-phase.js';
import type { Catalogue } from '../../src/catalogue/catalogue.js';
import { applyPhases, planRun, readStatus, rollbackPhases } from '../../src/engine/engine.js';
import { ALL_DIALECTS } from '../helpers/databases.js';
import { assertBookkeepingMatchesDatabase, catalogueIndexesInDb, engineFixture } from './engine-fixture.js';

const ALL_NAMES = exampleCatalogue.phases.flatMap((p) => p.indexes.map((i) => i.name)).sort();

async function indexDefinitions(f: Awaited<ReturnType<typeof engineFixture>>) {
  const snapshot = await f.dialect.introspect();
  return snapshot.indexes
    .filter((i) => ALL_NAMES.includes(i.name))
    .map((i) => ({ ...i, definition: '' }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

for (const kind of ALL_DIALECTS) {
  void describe(`engine on ${kind}`, () => {
    void test('up → down → up leaves identical indexes; a second up plans and changes nothing', async () => {
      const f = await engineFixture(kind);
      const before = await planRun(f.deps(), exampleCatalogue);
      assert.equal(before.counts.create, ALL_NAMES.length);
      assert.ok(before.phases.every((p) => p.status === 'pending' && !p.applied));

      const first = await applyPhases(f.deps(), exampleCatalogue, { concurrency: 2 });
      assert.equal(first.ok, true, first.error?.message);
      assert.deepEqual(
        first.phases.map((p) => [p.name, p.outcome, p.indexesCreated]),
        [
          ['core', 'succeeded', 3],
          ['lookups', 'succeeded', 3],
          ['reporting', 'succeeded', 2],
        ],
      );
      const built = await indexDefinitions(f);
      assert.deepEqual(
        built.map((i) => i.name),
        ALL_NAMES,
      );
      await assertBookkeepingMatchesDatabase(f.dialect);

      const again = await planRun(f.deps(), exampleCatalogue);
      assert.deepEqual(again.counts, {
        create: 0,
        exists: ALL_NAMES.length,
        rebuild: 0,
        conflict: 0,
        skip: 0,
      });
      assert.ok(again.phases.every((p) => p.applied && !p.drift));
      const buildsBefore = (await readStatus(f.deps())).phases.flatMap((p) => p.builds).length;
      const second = await applyPhases(f.deps(), exampleCatalogue);
      assert.equal(second.ok, true);
      assert.ok(second.phases.every((p) => p.outcome === 'unchanged'));
      const buildsAfter = (await readStatus(f.deps())).phases.flatMap((p) => p.builds).length;
      assert.equal(buildsAfter, buildsBefore, 'a second up records no work');
      assert.deepEqual(await indexDefinitions(f), built);

      const down = await rollbackPhases(f.deps(), exampleCatalogue);
      assert.equal(down.ok, true, down.error?.message);
      assert.deepEqual(
        down.phases.map((p) => [p.name, p.outcome, p.indexesDropped]),
        [
          ['reporting', 'rolled_back', 2],
          ['lookups', 'rolled_back', 3],
          ['core', 'rolled_back', 3],
        ],
      );
      assert.equal((await catalogueIndexesInDb(f.dialect)).size, 0);
      await assertBookkeepingMatchesDatabase(f.dialect);
      const afterDown = await planRun(f.deps(), exampleCatalogue);
      assert.ok(afterDown.phases.every((p) => p.status === 'rolled_back' && !p.applied));

      const third = await applyPhases(f.deps(), exampleCatalogue, { concurrency: 3 });
      assert.equal(third.ok, true, third.error?.message);
      assert.deepEqual(await indexDefinitions(f), built);
      await assertBookkeepingMatchesDatabase(f.dialect);
    });

    void test('an index that existed before is never dropped by down (same name or equivalent)', async () => {
      const f = await engineFixture(kind);
      await f.dialect.execute('CREATE INDEX idx_comments_post_id ON comments (post_id)');
      await f.dialect.execute('CREATE INDEX legacy_posts_author ON posts (author_id)');
      const plan = await planRun(f.deps(), exampleCatalogue, { phases: ['core'] });
      const core = plan.phases[0];
      assert.deepEqual(
        core?.indexes.map((i) => [i.index.name, i.action, i.existingName ?? null]),
        [
          ['idx_posts_author_id', 'exists', 'legacy_posts_author'],
          ['idx_comments_post_id', 'exists', 'idx_comments_post_id'],
          ['idx_comments_author_id', 'create', null],
        ],
      );
      const up = await applyPhases(f.deps(), exampleCatalogue, { phases: ['core'] });
      assert.equal(up.ok, true, up.error?.message);
      assert.equal(up.phases[0]?.indexesCreated, 1);
      const status = await readStatus(f.deps(), exampleCatalogue);
      assert.deepEqual(status.ownedIndexes, ['idx_comments_author_id']);
      await assertBookkeepingMatchesDatabase(f.dialect, ['idx_comments_post_id']);

      const down = await rollbackPhases(f.deps(), exampleCatalogue, { phases: ['core'] });
      assert.equal(down.ok, true, down.error?.message);
      assert.equal(down.phases[0]?.indexesDropped, 1);
      const names = (await f.dialect.introspect()).indexes.map((i) => i.name);
      assert.ok(names.includes('idx_comments_post_id'), 'pre-existing same-name index kept');
      assert.ok(names.includes('legacy_posts_author'), 'pre-existing equivalent index kept');
      assert.ok(!names.includes('idx_comments_author_id'), 'owned index dropped');
    });

    void test('concurrency never builds two indexes on one table at once', async () => {
      const f = await engineFixture(kind);
      const report = await applyPhases(f.deps(), exampleCatalogue, { concurrency: 4 });
      assert.equal(report.ok, true, report.error?.message);
      const active = new Map<string, string>();
      let starts = 0;
      for (const { event, payload } of f.events) {
        const index = payload['index'] as { name: string; table: string } | undefined;
        if (event === 'indexStarted' && index) {
          starts += 1;
          assert.ok(
            !active.has(index.table),
            `${index.name} started while ${active.get(index.table)} runs on ${index.table}`,
          );
          active.set(index.table, index.name);
        }
        if (
          (event === 'indexFinished' || event === 'indexFailed') &&
          index &&
          active.get(index.table) === index.name
        ) {
          active.delete(index.table);
        }
      }
      assert.equal(starts, ALL_NAMES.length);
      assert.equal(active.size, 0);
      const kinds = f.events.map((e) => e.event);
      assert.equal(kinds[0], 'runStarted');
      assert.equal(kinds.at(-1), 'runFinished');
      assert.equal(kinds.filter((k) => k === 'phaseFinished').length, 3);
    });

    void test('drift: a changed applied phase is shown, and up builds only what is new', async () => {
      const f = await engineFixture(kind);
      assert.equal((await applyPhases(f.deps(), exampleCatalogue)).ok, true);
      const [core, ...rest] = exampleCatalogue.phases;
      assert.ok(core);
      const extra = definePhase('core', core.description, [
        { name: 'idx_posts_status', table: 'posts', columns: ['status'], reason: 'status filter' },
      ]);
      const changed: Catalogue = {
        ...exampleCatalogue,
        phases: [{ ...core, indexes: [...core.indexes, ...extra.indexes] }, ...rest],
      };
      const plan = await planRun(f.deps(), changed);
      assert.deepEqual(
        plan.phases.map((p) => [p.name, p.drift]),
        [
          ['core', true],
          ['lookups', false],
          ['reporting', false],
        ],
      );
      assert.equal(plan.counts.create, 1);
      const up = await applyPhases(f.deps(), changed);
      assert.equal(up.ok, true, up.error?.message);
      assert.deepEqual(
        up.phases.map((p) => [p.name, p.outcome, p.indexesCreated]),
        [
          ['core', 'succeeded', 1],
          ['lookups', 'unchanged', 0],
          ['reporting', 'unchanged', 0],
        ],
      );
      const started = f.events.filter((e) => e.event === 'runStarted').at(-1)?.payload;
      assert.deepEqual(
        started,
        { phases: ['core'], indexesTotal: 4 },
        'progress counts only the phases that run',
      );
      const after = await planRun(f.deps(), changed);
      assert.ok(after.phases.every((p) => !p.drift && p.applied));
      const status = await readStatus(f.deps(), exampleCatalogue);
      assert.equal(
        status.phases.find((p) => p.name === 'core')?.drift,
        true,
        'the old catalogue now differs',
      );
    });

    void test('a missing table or column is skipped with its reason, never an error', async () => {
      const f = await engineFixture(kind);
      const withMissing: Catalogue = {
        ...exampleCatalogue,
        phases: [
          definePhase('extra', 'objects of a newer schema', [
            { name: 'idx_tags_name', table: 'tags', columns: ['name'], reason: 'tag lookup' },
            { name: 'idx_posts_slug', table: 'posts', columns: ['slug'], reason: 'slug lookup' },
            { name: 'idx_posts_title', table: 'posts', columns: ['title'], reason: 'title search' },
          ]),
        ],
      };
      const plan = await planRun(f.deps(), withMissing);
      assert.deepEqual(
        plan.phases[0]?.indexes.map((i) => [i.action, i.reason ?? null]),
        [
          ['skip', "table 'tags' does not exist"],
          ['skip', "table 'posts' has no column 'slug'"],
          ['create', null],
        ],
      );
      const up = await applyPhases(f.deps(), withMissing);
      assert.equal(up.ok, true, up.error?.message);
      assert.equal(up.phases[0]?.indexesCreated, 1);
      assert.equal(up.phases[0]?.indexesSkipped, 2);
      const status = await readStatus(f.deps(), withMissing);
      const phase = status.phases[0];
      assert.equal(phase?.status, 'succeeded');
      assert.equal(phase?.indexesSkipped, 2);
      assert.deepEqual(
        phase?.builds.map((b) => [b.indexName, b.action, b.status]),
        [
          ['idx_tags_name', 'skip', 'succeeded'],
          ['idx_posts_slug', 'skip', 'succeeded'],
          ['idx_posts_title', 'create', 'succeeded'],
        ],
      );
    });

    void test('status reports phases with timings and per-index builds; plan and status create nothing', async () => {
      const f = await engineFixture(kind);
      const empty = await readStatus(f.deps(), exampleCatalogue);
      assert.deepEqual(
        empty.phases.map((p) => p.status),
        ['pending', 'pending', 'pending'],
      );
      await planRun(f.deps(), exampleCatalogue);
      const tables = (await f.dialect.introspect()).tables;
      assert.ok(!tables.has('index_operator_migrations'), 'plan and status leave the database untouched');
      await applyPhases(f.deps(), exampleCatalogue, { phases: ['lookups', 'core'] });
      const status = await readStatus(f.deps(), exampleCatalogue);
      assert.deepEqual(
        status.phases.map((p) => [p.name, p.status, p.indexesCreated]),
        [
          ['core', 'succeeded', 3],
          ['lookups', 'succeeded', 3],
          ['reporting', 'pending', 0],
        ],
      );
      const core = status.phases[0];
      assert.ok(core?.startedAt && core.finishedAt && typeof core.durationMs === 'number');
      assert.ok(Date.parse(core.finishedAt) >= Date.parse(core.startedAt));
      assert.equal(core.builds.length, 3);
      for (const b of core.builds) {
        assert.equal(b.status, 'succeeded');
        assert.equal(b.owned, true);
        assert.equal(b.attempt, 1);
        assert.ok(typeof b.durationMs === 'number' && b.durationMs >= 0);
      }
      const logged = f.logLines.map((l) => JSON.parse(l) as Record<string, unknown>);
      assert.ok(
        logged.some(
          (l) => l['phase'] === 'core' && l['index'] === 'idx_posts_author_id' && l['msg'] === 'index built',
        ),
      );
    });
  });
}
