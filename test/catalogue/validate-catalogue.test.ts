import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Catalogue } from '../../src/catalogue/catalogue.js';
import { definePhase } from '../../src/catalogue/define-phase.js';
import { exampleCatalogue } from '../../src/catalogue/example/example-catalogue.js';
import { findCatalogueProblems, validateCatalogue } from '../../src/catalogue/validate-catalogue.js';
import { UsageError } from '../../src/errors.js';

void test('the example catalogue is valid', () => {
  assert.deepEqual(findCatalogueProblems(exampleCatalogue), []);
  assert.equal(validateCatalogue(exampleCatalogue), exampleCatalogue);
});

const bad: Catalogue = {
  name: 'bad',
  description: 'every kind of problem',
  hotQueries: [],
  phases: [
    definePhase('one', '', [
      { name: 'idx_ok', table: 't', columns: ['a'], reason: 'ok' },
      { name: 'idx_ok', table: 't', columns: ['b'], reason: 'duplicate name' },
      { name: 'idx_same_shape', table: 't', columns: ['a'], include: ['z'], reason: 'same index as idx_ok' },
      { name: 'Bad-Name', table: 't; DROP TABLE x', columns: ['a"b'], reason: 'identifiers' },
      { name: 'idx_empty', table: 't', columns: [], reason: 'no columns' },
      { name: 'idx_overlap', table: 't', columns: ['c'], include: ['c'], reason: 'include overlaps' },
      {
        name: 'idx_literals',
        table: 't',
        columns: ['d'],
        where: [
          { column: 'e', op: '=', value: Number.NaN },
          { column: 'f', op: 'IN', values: [] },
        ],
        reason: 'bad literals',
      },
      { name: 'idx_no_reason', table: 't', columns: ['g'], reason: '  ' },
    ]),
    definePhase('one', 'duplicate phase', [{ name: 'idx_h', table: 't', columns: ['h'], reason: 'h' }]),
    {
      name: 'two',
      description: '',
      indexes: [
        {
          name: 'idx_wrong_phase',
          table: 't',
          columns: [{ name: 'i', order: 'ASC' }],
          unique: false,
          where: [],
          include: [],
          phase: 'nope',
          reason: 'phase mismatch',
        },
      ],
    },
  ],
};

void test('validation reports every problem at once', () => {
  const problems = findCatalogueProblems(bad);
  const text = problems.map((p) => `${p.path}: ${p.message}`).join('\n');
  const expected = [
    /phases\[0\]\.indexes\[1\]\.name: duplicate index name 'idx_ok'/,
    /phases\[0\]\.indexes\[2\]: index 'idx_same_shape' is the same index as 'idx_ok'/,
    /phases\[0\]\.indexes\[3\]\.name: index name "Bad-Name" is not a valid identifier/,
    /phases\[0\]\.indexes\[3\]\.table: .*"t; DROP TABLE x" is not a valid identifier/,
    /phases\[0\]\.indexes\[3\]\.columns\[0\]: .*"a\\"b" is not a valid identifier/,
    /phases\[0\]\.indexes\[4\]\.columns: index 'idx_empty' has no key columns/,
    /phases\[0\]\.indexes\[5\]\.include\[0\]: .*'c' is also a key column/,
    /phases\[0\]\.indexes\[6\]\.where\[0\]\.value: .*is not a boolean, finite number/,
    /phases\[0\]\.indexes\[6\]\.where\[1\]\.values: .*IN needs at least one value/,
    /phases\[0\]\.indexes\[7\]\.reason: index 'idx_no_reason': reason is empty/,
    /phases\[1\]\.name: duplicate phase name 'one'/,
    /phases\[2\]\.indexes\[0\]\.phase: index 'idx_wrong_phase' says phase 'nope' \(an unknown phase\)/,
  ];
  for (const re of expected) assert.match(text, re);
  assert.equal(problems.length, expected.length, text);
});

void test('validateCatalogue throws one UsageError listing all problems', () => {
  assert.throws(
    () => validateCatalogue(bad),
    (e: unknown) => {
      assert.ok(e instanceof UsageError);
      assert.match(e.message, /catalogue 'bad' is invalid \(12 problems\)/);
      assert.match(e.message, /duplicate phase name 'one'/);
      assert.match(e.message, /reason is empty/);
      return true;
    },
  );
});

void test('a catalogue without phases is reported', () => {
  const problems = findCatalogueProblems({ name: 'x', description: '', phases: [], hotQueries: [] });
  assert.deepEqual(problems, [{ path: 'phases', message: 'a catalogue needs at least one phase' }]);
});

void test('serves: each entry names a hot query that reads the table, or a foreign key leading the key', () => {
  const catalogue: Catalogue = {
    name: 'serving',
    description: 'serves claims, good and bad',
    hotQueries: [
      {
        name: 'by_a',
        description: '',
        sql: 'SELECT 1 FROM t WHERE a = $1',
        params: [1],
        tables: ['t'],
        phases: [],
      },
      { name: 'other', description: '', sql: 'SELECT 1 FROM u', params: [], tables: ['u'], phases: [] },
    ],
    phases: [
      definePhase('one', '', [
        { name: 'idx_good', table: 't', columns: ['a', 'b'], reason: 'ok', serves: ['by_a', 'fk:t.a'] },
        { name: 'idx_pair', table: 't', columns: ['c', 'd'], reason: 'ok', serves: ['fk:t.d,c'] },
        { name: 'idx_unknown', table: 't', columns: ['e'], reason: 'r', serves: ['nope'] },
        { name: 'idx_table', table: 't', columns: ['f'], reason: 'r', serves: ['other', 'fk:u.f'] },
        { name: 'idx_lead', table: 't', columns: ['g', 'h'], reason: 'r', serves: ['fk:t.h'] },
        {
          name: 'idx_form',
          table: 't',
          columns: ['i'],
          reason: 'r',
          serves: ['fk:t', 'x y', 'by_a', 'by_a'],
        },
      ]),
    ],
  };
  assert.deepEqual(
    findCatalogueProblems(catalogue).map((p) => p.path),
    [
      'phases[0].indexes[2].serves[0]',
      'phases[0].indexes[3].serves[0]',
      'phases[0].indexes[3].serves[1]',
      'phases[0].indexes[4].serves[0]',
      'phases[0].indexes[5].serves[0]',
      'phases[0].indexes[5].serves[1]',
      'phases[0].indexes[5].serves[3]',
    ],
  );
});
