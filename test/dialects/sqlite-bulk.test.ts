/**
 * SQLite bulk loading without a database: statement sizes, the SQL, every row passed exactly once in
 * order (full multi-row statements, then the remainder one by one), values bound the SQLite way.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { BulkRows } from '../../src/dialects/dialect.js';
import {
  BULK_PARAMETERS,
  bindings,
  insertAll,
  insertSql,
  rowsPerInsert,
} from '../../src/dialects/sqlite-bulk.js';

function rows(count: number, width: number): BulkRows {
  return {
    table: 't',
    columns: Array.from({ length: width }, (_, c) => `c${c}`),
    count,
    row: (i) => Array.from({ length: width }, (_, c) => (c === 0 ? i : c % 2 === 0)),
  };
}

void describe('sqlite bulk insert', () => {
  void it('sizes statements by bound values, never below one row', () => {
    assert.equal(rowsPerInsert(5), BULK_PARAMETERS / 5);
    assert.equal(rowsPerInsert(3), Math.floor(BULK_PARAMETERS / 3));
    assert.equal(rowsPerInsert(BULK_PARAMETERS * 2), 1);
  });

  void it('renders one quoted multi-row INSERT with positional placeholders', () => {
    assert.equal(
      insertSql({ table: 'a"b', columns: ['x', 'y'] }, 2),
      'INSERT INTO "a""b" ("x", "y") VALUES (?, ?), (?, ?)',
    );
  });

  void it('passes every row once, in order: whole statements first, then the rest one by one', () => {
    const source = rows(500, 3);
    const perRun = rowsPerInsert(3);
    const seen: unknown[] = [];
    const calls = { many: 0, one: 0 };
    const written = insertAll(
      source,
      (args) => {
        calls.many++;
        assert.equal(args.length, perRun * 3);
        for (let r = 0; r < perRun; r++) seen.push(args[r * 3]);
        return perRun;
      },
      (args) => {
        calls.one++;
        assert.deepEqual(args.slice(1), [0, 1]);
        seen.push(args[0]);
        return 1;
      },
    );
    assert.equal(written, 500);
    assert.deepEqual(calls, { many: Math.floor(500 / perRun), one: 500 % perRun });
    assert.deepEqual(
      seen,
      Array.from({ length: 500 }, (_, i) => i),
    );
  });

  void it('binds $n by name, booleans as 1/0, dates as ISO text, undefined as NULL', () => {
    assert.deepEqual(bindings([]), []);
    assert.deepEqual(bindings([true, new Date(0), undefined, 'x']), [
      { 1: 1, 2: '1970-01-01T00:00:00.000Z', 3: null, 4: 'x' },
    ]);
  });
});
