import { test } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalJson, phaseChecksum } from '../../src/catalogue/phase-checksum.js';
import { definePhase } from '../../src/catalogue/define-phase.js';
import type { IndexDefinition } from '../../src/catalogue/index-definition.js';

const phase = definePhase('p', 'd', [
  { name: 'idx_a', table: 't', columns: ['a', 'b DESC'], reason: 'r1' },
  {
    name: 'idx_c',
    table: 't',
    columns: ['c'],
    where: [
      { column: 'x', op: '=', value: true },
      { column: 'y', op: 'IS NULL' },
    ],
    include: ['m', 'n'],
    reason: 'r2',
  },
]);

function reorderKeys(def: IndexDefinition): IndexDefinition {
  const entries = Object.entries(def).reverse();
  return Object.fromEntries(entries) as unknown as IndexDefinition;
}

void test('checksum is a sha256 hex digest', () => {
  assert.match(phaseChecksum(phase), /^[0-9a-f]{64}$/);
});

void test('checksum is stable under key order, index order, predicate order and reason', () => {
  const base = phaseChecksum(phase);
  const [a, c] = phase.indexes as [IndexDefinition, IndexDefinition];
  assert.equal(phaseChecksum({ indexes: [reorderKeys(c), reorderKeys(a)] }), base);
  assert.equal(
    phaseChecksum({ indexes: [a, { ...c, where: [...c.where].reverse(), reason: 'other' }] }),
    base,
  );
});

void test('checksum changes when what is built changes', () => {
  const base = phaseChecksum(phase);
  const [a, c] = phase.indexes as [IndexDefinition, IndexDefinition];
  const variants: IndexDefinition[] = [
    { ...a, columns: [...a.columns].reverse() },
    { ...a, unique: true },
    { ...a, table: 'u' },
    { ...a, name: 'idx_a2' },
    { ...a, columns: [{ name: 'a', order: 'DESC' }, ...a.columns.slice(1)] },
    { ...a, include: ['z'] },
    { ...a, where: [{ column: 'q', op: 'IS NOT NULL' }] },
  ];
  const seen = new Set([base]);
  for (const v of variants) {
    const sum = phaseChecksum({ indexes: [v, c] });
    assert.ok(!seen.has(sum), `variant ${JSON.stringify(v)} collides`);
    seen.add(sum);
  }
});

void test('canonicalJson sorts keys at every level', () => {
  assert.equal(
    canonicalJson({ b: 1, a: { d: [2, { f: 1, e: 0 }], c: null } }),
    '{"a":{"c":null,"d":[2,{"e":0,"f":1}]},"b":1}',
  );
});
