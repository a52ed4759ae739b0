/**
 * The pure analysis of a schema snapshot: duplicate/overlapping detection and foreign-key coverage
 * rules, table-driven, no I/O.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ExistingIndex, SchemaSnapshot } from '../../src/dialects/dialect.js';
import { analyzeHealth, findDuplicates } from '../../src/health/health-report.js';
import { definePhase } from '../../src/catalogue/define-phase.js';
import { existingIndex } from '../helpers/index-definitions.js';

function ix(name: string, cols: string, over: Partial<ExistingIndex> = {}): ExistingIndex {
  return existingIndex({
    name,
    columns: cols.split(',').map((c) => {
      const [n, o] = c.trim().split(' ');
      return { name: n === '(expr)' ? null : (n ?? ''), order: o === 'DESC' ? 'DESC' : 'ASC' };
    }),
    definition: '',
    ...over,
  });
}

void test('duplicates and overlaps: what counts and which index is called redundant', () => {
  const cases: [string, ExistingIndex[], string[]][] = [
    ['same key twice: the later name is the duplicate', [ix('a', 'x'), ix('b', 'x')], ['b duplicate a']],
    ['unique kept over plain', [ix('a', 'x'), ix('u', 'x', { unique: true })], ['a duplicate u']],
    [
      'primary key is never redundant',
      [ix('pk', 'x', { primary: true, unique: true }), ix('a', 'x')],
      ['a duplicate pk'],
    ],
    ['prefix of a longer key overlaps', [ix('a', 'x'), ix('b', 'x, y')], ['a overlapping b']],
    ['a unique prefix enforces something: kept', [ix('u', 'x', { unique: true }), ix('b', 'x, y')], []],
    ['direction differs: not the same', [ix('a', 'x'), ix('b', 'x DESC')], []],
    ['predicate differs: not the same', [ix('a', 'x'), ix('b', 'x', { predicate: 'y IS NULL' })], []],
    ['expression indexes are left alone', [ix('a', '(expr)'), ix('b', '(expr)')], []],
    [
      'an invalid index is not a duplicate (it is invalid)',
      [ix('a', 'x'), ix('b', 'x', { valid: false })],
      [],
    ],
    ['other table: unrelated', [ix('a', 'x'), ix('b', 'x', { table: 'u' })], []],
    [
      'covering (INCLUDE) counts as the same key',
      [ix('a', 'x'), ix('b', 'x', { include: ['z'] })],
      ['b duplicate a'],
    ],
  ];
  for (const [what, indexes, expected] of cases) {
    const got = findDuplicates(indexes, undefined).map((d) => `${d.index} ${d.kind} ${d.duplicateOf}`);
    assert.deepEqual(got, expected, what);
  }
});

function snapshot(indexes: ExistingIndex[], fkColumns: string[]): SchemaSnapshot {
  return {
    tables: new Map([
      ['t', { name: 't', columns: ['id', 'x', 'y'], estimatedRows: 10 }],
      ['index_operator_builds', { name: 'index_operator_builds', columns: ['id'], estimatedRows: 1 }],
    ]),
    indexes,
    foreignKeys: [{ name: 't_fk', table: 't', columns: fkColumns, refTable: 'p', refColumns: fkColumns }],
  };
}

void test('a foreign key is covered by a valid full index whose leading columns are its columns', () => {
  const cases: [string, ExistingIndex[], string[], boolean][] = [
    ['no index', [], ['x'], false],
    ['exact', [ix('a', 'x')], ['x'], true],
    ['leading column of a composite', [ix('a', 'x, y')], ['x'], true],
    ['second column only', [ix('a', 'y, x')], ['x'], false],
    ['two-column key in other order', [ix('a', 'y, x')], ['x', 'y'], true],
    ['partial index does not count', [ix('a', 'x', { predicate: 'y IS NULL' })], ['x'], false],
    ['invalid index does not count', [ix('a', 'x', { valid: false })], ['x'], false],
  ];
  for (const [what, indexes, fk, covered] of cases) {
    const r = analyzeHealth({
      dialect: 'postgresql',
      target: 'h:5432/d',
      snapshot: snapshot(indexes, fk),
      now: new Date(0),
    });
    assert.equal(r.findings.unindexedForeignKeys.length === 0, covered, what);
    assert.deepEqual(r.tablesInspected, ['t'], 'bookkeeping tables are not inspected');
  }
});

void test('a catalogue index served by a unique index of the same key is not missing; a unique one is not served by a plain index', () => {
  const phase = definePhase('p', 'p', [
    { name: 'idx_t_x', table: 't', columns: ['x'], reason: 'plain lookup by x' },
    { name: 'idx_t_y_unique', table: 't', columns: ['y'], unique: true, reason: 'unique y' },
  ]);
  const r = analyzeHealth({
    dialect: 'sqlite',
    target: '/tmp/t.db',
    snapshot: snapshot([ix('uq_t_x', 'x', { unique: true }), ix('plain_t_y', 'y')], ['x']),
    catalogue: { name: 'c', description: 'c', phases: [phase], hotQueries: [] },
    now: new Date(0),
  });
  assert.deepEqual(
    r.findings.missing.map((i) => i.name),
    ['idx_t_y_unique'],
  );
});
