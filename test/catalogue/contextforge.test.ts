/**
 * The contextforge catalogue against the schema facts, computed (never listed by hand): tables and
 * columns exist, foreign keys are covered, nothing duplicates what the schema has, upstream's names are
 * kept for upstream's definitions. Overlaps (one key a prefix of another): contextforge-overlaps.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { contextforgeCatalogue } from '../../migrations/contextforge/index.js';
import { FIXED_BY_PLAN } from '../../migrations/contextforge/hot-queries.js';
import { findCatalogueProblems } from '../../src/catalogue/validate-catalogue.js';
import { indexShapeKey, type IndexDefinition } from '../../src/catalogue/index-definition.js';
import { loadBuiltInCatalogue } from '../../src/catalogue/registry.js';
import { servedQueries } from '../../src/catalogue/serves.js';
import {
  currentSchema,
  preEpicSchema,
  upstreamEpicIndexes,
  type SchemaFacts,
} from '../../src/catalogue/contextforge/schema-facts.js';
import { schemaIndexes, upstreamIndexesFor } from '../../src/seed/schema-indexes.js';

const catalogue = contextforgeCatalogue;
const indexes: readonly IndexDefinition[] = catalogue.phases.flatMap((p) => p.indexes);
const preEpic = preEpicSchema();
const existing = schemaIndexes(preEpic);

function columnsOf(schema: SchemaFacts, table: string): Set<string> | undefined {
  const t = schema.tables.find((x) => x.name === table);
  return t === undefined ? undefined : new Set(t.columns.map((c) => c.name));
}

const keyNames = (i: { readonly columns: readonly { readonly name: string }[] }): string[] =>
  i.columns.map((c) => c.name);

void test('the catalogue is built in, valid, with the 8 phases of the design in order', () => {
  assert.deepEqual(findCatalogueProblems(catalogue), []);
  assert.equal(loadBuiltInCatalogue('contextforge').name, 'contextforge');
  assert.deepEqual(
    catalogue.phases.map((p) => p.name),
    ['core', 'rbac', 'teams', 'metrics', 'tokens', 'sessions', 'associations', 'misc'],
  );
  assert.ok(indexes.length >= 60, `${indexes.length} indexes`);
  for (const p of catalogue.phases) assert.ok(p.indexes.length > 0, p.name);
});

void test('every catalogue table and column (key, include, predicate) exists in the pre-epic schema', () => {
  const problems: string[] = [];
  for (const i of indexes) {
    const cols = columnsOf(preEpic, i.table);
    if (cols === undefined) problems.push(`${i.name}: no table ${i.table}`);
    const used = [...keyNames(i), ...i.include, ...i.where.map((c) => c.column)];
    for (const c of used)
      if (cols !== undefined && !cols.has(c)) problems.push(`${i.name}: no column ${i.table}.${c}`);
  }
  assert.deepEqual(problems, []);
  assert.ok(new Set(indexes.map((i) => i.table)).size >= 30);
});

void test('every foreign key column leads some catalogue or existing full index', () => {
  const all = [
    ...indexes.filter((i) => i.where.length === 0),
    ...existing.filter((i) => i.where.length === 0),
  ];
  const uncovered: string[] = [];
  let fks = 0;
  for (const t of preEpic.tables) {
    for (const fk of t.foreign_keys) {
      fks += 1;
      const covered = all.some(
        (i) => i.table === t.name && fk.columns.every((c, k) => i.columns[k]?.name === c),
      );
      if (!covered) uncovered.push(`${t.name}(${fk.columns.join(', ')})`);
    }
  }
  assert.equal(fks, 60);
  assert.deepEqual(uncovered, []);
});

void test('no catalogue index is already in the pre-epic schema (by name or shape), so all are built there', () => {
  const shapes = new Set(existing.map((i) => indexShapeKey(i)));
  const names = new Set(existing.map((i) => i.name));
  assert.deepEqual(
    indexes.filter((i) => shapes.has(indexShapeKey(i)) || names.has(i.name)).map((i) => i.name),
    [],
  );
});

void test("an index with the same definition as one of upstream's 102 has upstream's name", () => {
  const upstream = upstreamEpicIndexes();
  assert.equal(upstream.length, 102);
  const byShape = new Map(
    upstream.map((u) => [`${u.table}(${u.columns.join(',')})${u.unique ? ' U' : ''}`, u.name]),
  );
  let same = 0;
  for (const i of indexes) {
    if (i.where.length > 0 || i.columns.some((c) => c.order === 'DESC')) continue;
    const name = byShape.get(`${i.table}(${keyNames(i).join(',')})${i.unique ? ' U' : ''}`);
    if (name === undefined) continue;
    same += 1;
    assert.equal(i.name, name, `${i.name} has upstream's definition`);
    assert.deepEqual(i.include, [], `${i.name} keeps upstream's name, so it has no INCLUDE`);
  }
  assert.ok(same >= 30, `${same} of upstream's definitions are in the catalogue`);
});

void test('no catalogue name is taken by a different index in the current schema', () => {
  const current = [
    ...schemaIndexes(currentSchema()),
    ...upstreamIndexesFor(currentSchema(), upstreamEpicIndexes()),
  ];
  const byName = new Map(current.map((i) => [i.name, i]));
  for (const i of indexes) {
    const other = byName.get(i.name);
    if (other !== undefined) assert.equal(indexShapeKey(other), indexShapeKey(i), i.name);
  }
});

void test('every index has a one-line reason; names fit PostgreSQL identifiers', () => {
  for (const i of indexes) {
    assert.ok(i.reason.length >= 20 && !i.reason.includes('\n'), i.name);
    assert.ok(i.name.length <= 63, i.name);
  }
});

void test('the hot-query suite: 30+ read paths citing upstream, over existing tables, phases and indexes that exist', () => {
  const q = catalogue.hotQueries;
  assert.ok(q.length >= 30, `${q.length} hot queries`);
  assert.equal(new Set(q.map((x) => x.name)).size, q.length);
  const phases = new Map(catalogue.phases.map((p) => [p.name, new Set(p.indexes.map((i) => i.name))]));
  const current = currentSchema();
  for (const x of q) {
    assert.match(
      x.source ?? '',
      /^mcpgateway\/[a-z0-9_/]+\.py[: (]/,
      `${x.name}: cites upstream file:function`,
    );
    for (const t of x.tables)
      assert.ok(columnsOf(preEpic, t) ?? columnsOf(current, t), `${x.name}: table ${t}`);
    const placeholders = new Set(x.sql.match(/\$\d+/g) ?? []);
    assert.equal(placeholders.size, x.params.length, `${x.name}: one parameter per placeholder`);
    for (const p of x.phases) assert.ok(phases.has(p), `${x.name}: phase ${p}`);
    for (const i of indexes.filter((d) => servedQueries(d).includes(x.name))) {
      assert.ok(x.phases.includes(i.phase), `${x.name}: needs phase ${i.phase} for ${i.name}`);
    }
  }
  const names = new Set(q.map((x) => x.name));
  for (const f of FIXED_BY_PLAN) assert.ok(names.has(f), f);
});

void test('no partial index filters on a boolean: SQLAlchemy writes IS true and = true, one predicate serves one', () => {
  const booleans = new Set(
    [...preEpic.tables, ...currentSchema().tables].flatMap((t) =>
      t.columns.filter((c) => c.type === 'boolean').map((c) => `${t.name}.${c.name}`),
    ),
  );
  const offending = indexes.filter((i) => i.where.some((c) => booleans.has(`${i.table}.${c.column}`)));
  assert.deepEqual(
    offending.map((i) => i.name),
    [],
  );
});
