/**
 * Overlaps of the contextforge catalogue, computed from the schema facts (never listed by hand): on the
 * pre-plan schema, and for what the catalogue creates on a current database (models plus upstream's
 * indexes), every index whose key is another's key or a leading prefix of it (same table, same
 * predicate) says why in an `(overlaps <index>: <why>)` note, and every note names an index that exists
 * and really overlaps.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { contextforgeCatalogue } from '../../migrations/contextforge/index.js';
import { parseOverlaps } from '../../migrations/contextforge/define.js';
import { indexShapeKey, type IndexDefinition } from '../../src/catalogue/index-definition.js';
import {
  currentSchema,
  preEpicSchema,
  upstreamEpicIndexes,
} from '../../src/catalogue/contextforge/schema-facts.js';
import { schemaIndexes, upstreamIndexesFor } from '../../src/seed/schema-indexes.js';
import { overlapPairs, type AnyIndex, type OverlapPair } from './overlaps.js';

const catalogue: readonly IndexDefinition[] = contextforgeCatalogue.phases.flatMap((p) => p.indexes);
const preEpic = schemaIndexes(preEpicSchema());
const current = [
  ...schemaIndexes(currentSchema()),
  ...upstreamIndexesFor(currentSchema(), upstreamEpicIndexes()),
];

/** What `plan` creates on a database with these indexes: no index of that name, shape or unique twin. */
function createdOn(app: readonly AnyIndex[]): IndexDefinition[] {
  const names = new Set(app.map((i) => i.name));
  const shapes = new Set(app.map((i) => indexShapeKey(i)));
  const uniqueShapes = new Set(
    app.filter((i) => i.unique).map((i) => indexShapeKey({ ...i, unique: false })),
  );
  return catalogue.filter(
    (i) => !names.has(i.name) && !shapes.has(indexShapeKey(i)) && !uniqueShapes.has(indexShapeKey(i)),
  );
}

const preEpicPairs = overlapPairs(createdOn(preEpic), preEpic);
const currentPairs = overlapPairs(createdOn(current), current);

const describePair = (p: OverlapPair): string => `${p.explainedBy.name} ~ ${p.other.name}`;
const noted = (i: IndexDefinition): Set<string> => new Set(parseOverlaps(i.reason).flatMap((o) => o.with));

void test('on the pre-plan schema every catalogue index is created, so every overlap there is checked', () => {
  assert.equal(createdOn(preEpic).length, catalogue.length);
  assert.ok(catalogue.length >= 60, `${catalogue.length} indexes`);
  assert.ok(preEpicPairs.length > 0, 'the catalogue extends some of the application indexes');
});

void test('no catalogue index has the same key and predicate as another index (exact duplicate)', () => {
  const same = (p: OverlapPair): boolean =>
    indexShapeKey({ ...p.shorter, unique: false }) === indexShapeKey({ ...p.longer, unique: false });
  assert.deepEqual([...preEpicPairs, ...currentPairs].filter(same).map(describePair), []);
});

for (const [schema, pairs] of [
  ['pre-plan', preEpicPairs],
  ['current', currentPairs],
] as const) {
  void test(`${schema} schema: every overlap involving an index the catalogue creates carries a note naming the other`, () => {
    const unexplained = pairs.filter((p) => !noted(p.explainedBy).has(p.other.name)).map(describePair);
    assert.deepEqual(unexplained, []);
  });
}

void test('every overlap note names an index that exists and really overlaps the noted index', () => {
  const real = new Set([...preEpicPairs, ...currentPairs].map(describePair));
  const stale: string[] = [];
  let notes = 0;
  for (const i of catalogue) {
    for (const o of parseOverlaps(i.reason)) {
      assert.ok(o.why.length >= 20, `${i.name}: say why (${o.why})`);
      for (const other of o.with) {
        notes += 1;
        if (!real.has(`${i.name} ~ ${other}`)) stale.push(`${i.name} ~ ${other}`);
      }
    }
  }
  assert.deepEqual(stale, []);
  assert.ok(notes > 0);
});

void test('the overlap note is written once per index, on one line, with the rest of the reason', () => {
  for (const i of catalogue) {
    const notes = parseOverlaps(i.reason);
    assert.ok(notes.length <= 1, i.name);
    if (notes.length === 1) assert.match(i.reason, /^.{20,} \(overlaps [^()]+\)$/, i.name);
    else
      assert.doesNotMatch(
        i.reason,
        /overlaps/,
        `${i.name}: a note must use the (overlaps <index>: <why>) form`,
      );
  }
});
