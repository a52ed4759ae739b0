import { test } from 'node:test';
import assert from 'node:assert/strict';
import { catalogueFromJson } from '../../src/cli/catalogue-json.js';
import { UsageError } from '../../src/errors.js';

const valid = {
  name: 'shop',
  description: 'orders',
  phases: [
    {
      name: 'orders',
      description: 'order lookups',
      indexes: [
        {
          name: 'idx_orders_customer_created',
          table: 'orders',
          columns: ['customer_id', 'created_at DESC'],
          where: [{ column: 'deleted_at', op: 'IS NULL' }],
          include: ['total'],
          reason: 'orders of a customer, newest first',
        },
        { name: 'uq_orders_ref', table: 'orders', columns: ['ref'], unique: true, reason: 'lookup by ref' },
      ],
    },
  ],
};

void test('a JSON catalogue becomes typed definitions with defaults and the phase filled in', () => {
  const c = catalogueFromJson(JSON.stringify(valid), 'shop.json');
  const [first, second] = c.phases[0]?.indexes ?? [];
  assert.deepEqual(first?.columns, [
    { name: 'customer_id', order: 'ASC' },
    { name: 'created_at', order: 'DESC' },
  ]);
  assert.equal(first?.phase, 'orders');
  assert.equal(first?.unique, false);
  assert.deepEqual(second?.where, []);
  assert.deepEqual(second?.include, []);
  assert.equal(second?.unique, true);
});

void test('not JSON, wrong shapes and unknown keys: one UsageError listing every problem', () => {
  assert.throws(
    () => catalogueFromJson('{', 'x.json'),
    (e: unknown) => e instanceof UsageError && /not valid JSON/.test(e.message),
  );
  const bad = {
    name: 'shop',
    colour: 'red',
    phases: [
      {
        name: 'orders',
        indexes: [{ name: 'i', table: 'orders', columns: 'id', unique: 'yes', reason: 'r' }],
      },
    ],
  };
  assert.throws(
    () => catalogueFromJson(JSON.stringify(bad), 'bad.json'),
    (e: unknown) => {
      assert.ok(e instanceof UsageError);
      assert.match(e.message, /bad\.json has 3 problems/);
      assert.match(e.message, /unknown key 'colour'/);
      assert.match(e.message, /phases\[0\]\.indexes\[0\]\.columns: must be a list/);
      assert.match(e.message, /phases\[0\]\.indexes\[0\]\.unique: must be true or false/);
      return true;
    },
  );
});

void test('an identifier that tries SQL injection is rejected by validation', () => {
  const evil = structuredClone(valid);
  const idx = evil.phases[0]?.indexes[0];
  assert.ok(idx);
  idx.table = 'orders"; DROP TABLE orders; --';
  assert.throws(
    () => catalogueFromJson(JSON.stringify(evil), 'evil.json'),
    (e: unknown) =>
      e instanceof UsageError &&
      /table "orders\\"; DROP TABLE orders; --" is not a valid identifier/.test(e.message),
  );
});

void test('issue 11: shape problems and identifier problems are reported in one round', () => {
  const bad = structuredClone(valid) as unknown as {
    phases: { indexes: Record<string, unknown>[] }[];
  };
  const [first, second] = bad.phases[0]?.indexes ?? [];
  assert.ok(first && second);
  first['colour'] = 'blue'; // shape: unknown key
  second['table'] = 'orders; DROP TABLE x'; // identifier
  assert.throws(
    () => catalogueFromJson(JSON.stringify(bad), 'both.json'),
    (e: unknown) => {
      assert.ok(e instanceof UsageError);
      assert.match(e.message, /both\.json has 2 problems/);
      assert.match(e.message, /unknown key 'colour'/);
      assert.match(e.message, /phases\[0\]\.indexes\[1\]\.table: .*not a valid identifier/);
      return true;
    },
  );
});
