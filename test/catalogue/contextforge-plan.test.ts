/**
 * `plan` of the contextforge catalogue on real databases, schema only: on the pre-plan schema every
 * index is to be created; on a current ContextForge database (newest models plus upstream's plan
 * indexes) only what upstream lacks, the rest reported as existing (by name or by an equivalent shape).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { contextforgeCatalogue } from '../../migrations/contextforge/index.js';
import { indexShapeKey } from '../../src/catalogue/index-definition.js';
import { currentSchema, upstreamEpicIndexes } from '../../src/catalogue/contextforge/schema-facts.js';
import { openDialect } from '../../src/dialects/open-dialect.js';
import { planRun } from '../../src/engine/engine.js';
import { createLogger } from '../../src/log.js';
import { seedDatabase, type SchemaVariant } from '../../src/seed/seed.js';
import { schemaIndexes, upstreamIndexesFor } from '../../src/seed/schema-indexes.js';
import { ALL_DIALECTS, freshDatabase } from '../helpers/databases.js';

const log = createLogger({ level: 'silent' });
const indexes = contextforgeCatalogue.phases.flatMap((p) => p.indexes);

/**
 * What MariaDB cannot build online, by its documented limits, so `plan` skips with the reason: every
 * index on a table with a long UNIQUE key (over 3072 bytes, kept by a hash column: InnoDB adds no index
 * online next to one; resources, and in the current models prompts too). (The catalogue's one key over
 * 3072 bytes, registered_oauth_clients (issuer, client_id), left with the indexes no query needed.)
 */
function mariadbLimitSkips(tables: readonly string[]): Set<string> {
  return new Set(indexes.filter((i) => tables.includes(i.table)).map((i) => i.name));
}
const MARIADB_LIMIT_SKIPS = mariadbLimitSkips(['resources']);
const LIMIT_REASON = /cannot be built without blocking writes: .*USING HASH|is too long for this database/;

function expectedSkips(dialect: (typeof ALL_DIALECTS)[number]): ReadonlySet<string> {
  return dialect === 'mariadb' ? MARIADB_LIMIT_SKIPS : new Set();
}

async function planOn(dialect: (typeof ALL_DIALECTS)[number], schema: SchemaVariant) {
  const db = await openDialect((await freshDatabase(dialect, 'e4plan')).url);
  try {
    await seedDatabase(db, { tools: 0, seed: 1, reset: false, schema });
    return await planRun({ dialect: db, log }, contextforgeCatalogue);
  } finally {
    await db.close();
  }
}

for (const dialect of ALL_DIALECTS) {
  void test(`${dialect}: on the pre-plan schema all ${indexes.length} indexes are to be created`, async () => {
    const plan = await planOn(dialect, 'pre-epic');
    const skips = expectedSkips(dialect);
    assert.deepEqual(plan.counts, {
      create: indexes.length - skips.size,
      exists: 0,
      rebuild: 0,
      conflict: 0,
      skip: skips.size,
    });
    for (const i of plan.phases.flatMap((p) => p.indexes).filter((i) => i.action === 'skip')) {
      assert.ok(skips.has(i.index.name), i.index.name);
      assert.match(i.reason ?? '', LIMIT_REASON);
    }
    assert.ok(indexes.length >= 60);
  });

  void test(`${dialect}: on the current schema + upstream's indexes only what upstream lacks is created`, async () => {
    const current = [
      ...schemaIndexes(currentSchema()),
      ...upstreamIndexesFor(currentSchema(), upstreamEpicIndexes()),
    ];
    // Seed builds a partial index of the facts as a full one where the database has none (MariaDB).
    const asSeeded = (i: (typeof current)[number]): (typeof current)[number] =>
      dialect === 'mariadb' ? { ...i, where: [] } : i;
    const shapes = new Set(current.map((i) => indexShapeKey(asSeeded(i))));
    const plan = await planOn(dialect, 'current');
    const actions = new Map(plan.phases.flatMap((p) => p.indexes.map((i) => [i.index.name, i.action])));
    const created = [...actions].filter(([, a]) => a === 'create').map(([n]) => n);
    const skipped = [...actions].filter(([, a]) => a === 'skip').map(([n]) => n);
    // MariaDB builds what it cannot build as written in another shape (a partial index with its
    // predicate's columns in the key): compare the shapes as planned there.
    const planned = new Map(plan.phases.flatMap((p) => p.indexes.map((i) => [i.index.name, i.index])));
    const expectedCreate = indexes
      .filter((i) => !shapes.has(indexShapeKey(planned.get(i.name) ?? i)))
      .filter((i) => actions.get(i.name) !== 'skip')
      .map((i) => i.name);
    const limits = mariadbLimitSkips(['resources', 'prompts']);
    if (dialect === 'mariadb')
      assert.ok(
        skipped.every((n) => limits.has(n)),
        skipped.join(),
      );
    else assert.deepEqual(skipped, []);
    if (dialect !== 'mariadb') assert.deepEqual(created.sort(), expectedCreate.sort());
    // MariaDB: a seeded partial UNIQUE index is a full unique one there, and serves more lookups.
    else for (const n of created) assert.ok(expectedCreate.includes(n), n);
    assert.equal(
      plan.counts.create + plan.counts.exists + skipped.length,
      indexes.length,
      JSON.stringify(plan.counts),
    );
    // Upstream's own indexes are recognised by name.
    const upstreamNames = new Set(upstreamEpicIndexes().map((u) => u.name));
    const byName = indexes.filter((i) => upstreamNames.has(i.name));
    assert.ok(byName.length >= 30, `${byName.length} by upstream's name`);
    for (const i of byName) assert.equal(actions.get(i.name), 'exists', i.name);
    assert.ok(created.length > 0 && created.length < indexes.length - 30, `${created.length} to create`);
  });
}
