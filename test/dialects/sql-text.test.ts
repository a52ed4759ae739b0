import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  canonicalPredicate,
  type Condition,
  type IndexDefinition,
} from '../../src/catalogue/index-definition.js';
import { parsePredicate } from '../../src/dialects/predicate-parser.js';
import { canonicalFromSql } from '../../src/dialects/postgres-introspection.js';
import { predicateOf } from '../../src/dialects/sqlite-introspection.js';
import { quoteIdentifier, renderCreateIndex, renderDropIndex } from '../../src/dialects/render-sql.js';
import { UsageError } from '../../src/errors.js';
import { testIndex } from '../helpers/index-definitions.js';

function def(over: Partial<IndexDefinition>): IndexDefinition {
  return testIndex('i', 't', 'a', over);
}

void describe('quoteIdentifier', () => {
  void it('doubles embedded quotes so a name cannot end the identifier', () => {
    assert.equal(quoteIdentifier('tools'), '"tools"');
    assert.equal(quoteIdentifier('a"b'), '"a""b"');
    assert.equal(quoteIdentifier('x"; DROP TABLE t; --'), '"x""; DROP TABLE t; --"');
  });
  void it('rejects an empty name and a NUL byte', () => {
    assert.throws(() => quoteIdentifier(''), UsageError);
    assert.throws(() => quoteIdentifier('a\0b'), UsageError);
  });
});

void describe('renderCreateIndex / renderDropIndex', () => {
  const full = def({
    name: 'idx_tools_team',
    table: 'tools',
    columns: [
      { name: 'team_id', order: 'ASC' },
      { name: 'created_at', order: 'DESC' },
    ],
    unique: true,
    include: ['name'],
    where: [
      { column: 'enabled', op: '=', value: true },
      { column: 'status', op: 'IN', values: ["it's", 'b'] },
      { column: 'deleted_at', op: 'IS NULL' },
    ],
  });
  void it('renders PostgreSQL: CONCURRENTLY, INCLUDE, true/false, escaped strings', () => {
    assert.equal(
      renderCreateIndex(full, { concurrently: true, include: true, booleans: 'keyword' }),
      'CREATE UNIQUE INDEX CONCURRENTLY "idx_tools_team" ON "tools" ("team_id", "created_at" DESC) INCLUDE ("name") ' +
        `WHERE "enabled" = true AND "status" IN ('it''s', 'b') AND "deleted_at" IS NULL`,
    );
    assert.equal(
      renderDropIndex('idx_tools_team', true),
      'DROP INDEX CONCURRENTLY IF EXISTS "idx_tools_team"',
    );
  });
  void it('renders SQLite: no CONCURRENTLY, INCLUDE left out, booleans as 1/0', () => {
    assert.equal(
      renderCreateIndex(full, { concurrently: false, include: false, booleans: 'integer' }),
      'CREATE UNIQUE INDEX "idx_tools_team" ON "tools" ("team_id", "created_at" DESC) ' +
        `WHERE "enabled" = 1 AND "status" IN ('it''s', 'b') AND "deleted_at" IS NULL`,
    );
    assert.equal(renderDropIndex('i', false), 'DROP INDEX IF EXISTS "i"');
  });
  void it('keeps hostile names and literals inside their quotes', () => {
    const sql = renderCreateIndex(
      def({
        name: 'i"; DROP TABLE t; --',
        table: 't"x',
        where: [{ column: 'c', op: '=', value: "'); DROP TABLE t; --" }],
      }),
      { concurrently: true, include: true, booleans: 'keyword' },
    );
    assert.equal(
      sql,
      `CREATE INDEX CONCURRENTLY "i""; DROP TABLE t; --" ON "t""x" ("a") WHERE "c" = '''); DROP TABLE t; --'`,
    );
  });
  void it('refuses a non-finite number literal', () => {
    assert.throws(
      () =>
        renderCreateIndex(def({ where: [{ column: 'n', op: '=', value: Number.NaN }] }), {
          concurrently: false,
          include: false,
          booleans: 'integer',
        }),
      UsageError,
    );
  });
});

void describe('predicate parsing (what the databases print back)', () => {
  const cases: readonly [string, readonly Condition[]][] = [
    ['(revoked_at IS NULL)', [{ column: 'revoked_at', op: 'IS NULL' }]],
    ['(revoked_at IS NOT NULL)', [{ column: 'revoked_at', op: 'IS NOT NULL' }]],
    ['(is_active = true)', [{ column: 'is_active', op: '=', value: true }]],
    ['(NOT is_active = false)', []],
    ["((status)::text = 'pending'::text)", [{ column: 'status', op: '=', value: 'pending' }]],
    ["((status)::text <> 'it''s'::text)", [{ column: 'status', op: '<>', value: "it's" }]],
    ["(n <> '-1'::integer)", [{ column: 'n', op: '<>', value: -1 }]],
    ['(priority = 3)', [{ column: 'priority', op: '=', value: 3 }]],
    [
      "((status)::text = ANY ((ARRAY['a'::character varying, 'b'::character varying])::text[]))",
      [{ column: 'status', op: 'IN', values: ['a', 'b'] }],
    ],
    ['(priority = ANY (ARRAY[1, 2]))', [{ column: 'priority', op: 'IN', values: [1, 2] }]],
    [
      "((revoked_at IS NULL) AND (is_active = true) AND ((status)::text = 'x'::text))",
      [
        { column: 'revoked_at', op: 'IS NULL' },
        { column: 'is_active', op: '=', value: true },
        { column: 'status', op: '=', value: 'x' },
      ],
    ],
    [
      `"revoked_at" IS NULL AND "is_active" = 1 AND "s" IN ('a', 'b') AND "n" != -2`,
      [
        { column: 'revoked_at', op: 'IS NULL' },
        { column: 'is_active', op: '=', value: 1 },
        { column: 's', op: 'IN', values: ['a', 'b'] },
        { column: 'n', op: '<>', value: -2 },
      ],
    ],
  ];
  for (const [sql, expected] of cases) {
    void it(`reads ${sql}`, () => {
      const parsed = parsePredicate(sql);
      if (expected.length === 0) assert.equal(parsed, undefined);
      else assert.deepEqual(parsed, expected);
    });
  }

  void it('gives back text outside the grammar unchanged (so it never equals a catalogue predicate)', () => {
    assert.equal(canonicalFromSql("(lower(email) = 'x'::text)"), "(lower(email) = 'x'::text)");
    assert.equal(canonicalFromSql('((a IS NULL) OR (b IS NULL))'), '((a IS NULL) OR (b IS NULL))');
    assert.equal(canonicalFromSql(null), '');
  });

  void it('reads the WHERE of a SQLite CREATE INDEX, booleans of BOOLEAN columns as true/false', () => {
    const where: Condition[] = [
      { column: 'enabled', op: '=', value: true },
      { column: 'n', op: '=', value: 1 },
      { column: 'deleted_at', op: 'IS NULL' },
    ];
    const sql = renderCreateIndex(def({ where }), {
      concurrently: false,
      include: false,
      booleans: 'integer',
    });
    const columns = [
      { name: 'enabled', type: 'BOOLEAN' },
      { name: 'n', type: 'INTEGER' },
      { name: 'deleted_at', type: 'DATETIME' },
    ];
    assert.equal(predicateOf(sql, columns), canonicalPredicate(where));
    assert.equal(predicateOf('CREATE INDEX i ON t (a)', columns), '');
    assert.equal(
      predicateOf(`CREATE INDEX "where" ON t ("where") WHERE "where" = 'WHERE'`, []),
      "where = 'WHERE'",
    );
  });
});
