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
    assert.deepEqual(plan.counts, { create: indexes.length, exists: 0, rebuild: 0, conflict: 0, skip: 0 });
    assert.ok(indexes.length >= 150);
  });

  void test(`${dialect}: on the current schema + upstream's indexes only what upstream lacks is created`, async () => {
    const current = [
      ...schemaIndexes(currentSchema()),
      ...upstreamIndexesFor(currentSchema(), upstreamEpicIndexes()),
    ];
    const shapes = new Set(current.map((i) => indexShapeKey(i)));
    const expectedCreate = indexes.filter((i) => !shapes.has(indexShapeKey(i))).map((i) => i.name);
    const plan = await planOn(dialect, 'current');
    const actions = new Map(plan.phases.flatMap((p) => p.indexes.map((i) => [i.index.name, i.action])));
    const created = [...actions].filter(([, a]) => a === 'create').map(([n]) => n);
    assert.deepEqual(created.sort(), expectedCreate.sort());
    assert.equal(plan.counts.create + plan.counts.exists, indexes.length, JSON.stringify(plan.counts));
    // Upstream's own indexes are recognised by name.
    const upstreamNames = new Set(upstreamEpicIndexes().map((u) => u.name));
    const byName = indexes.filter((i) => upstreamNames.has(i.name));
    assert.ok(byName.length >= 50);
    for (const i of byName) assert.equal(actions.get(i.name), 'exists', i.name);
    assert.ok(created.length > 0 && created.length < indexes.length - 50, `${created.length} to create`);
  });
}
