/**
 * bulkInsert on every dialect: every row arrives with its values (NULL, booleans, numbers, dates, text
 * with the characters COPY escapes), zero rows is a no-op, a failing row rolls the whole load back and
 * comes out classified, and rows made on demand are asked for once each.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { BulkRows, Dialect } from '../../src/dialects/dialect.js';
import { openDialect } from '../../src/dialects/open-dialect.js';
import { copyField, copyLine } from '../../src/dialects/postgres-copy.js';
import { ALL_DIALECTS, freshDatabase } from '../helpers/databases.js';

const URLS = new Map<string, string>();
for (const name of ALL_DIALECTS) URLS.set(name, (await freshDatabase(name, 'iopbulk')).url);

/** Not a multiple of any statement size: full multi-row statements and a remainder. */
const ROWS = 5003;
const TRICKY = ['tab\there', 'new\nline', 'back\\slash \\N', 'cr\rx', 'quote \' " ,', 'ünïcødé ✓', ''];

function rowsOf(
  table: string,
  columns: readonly string[],
  values: readonly (readonly unknown[])[],
): BulkRows {
  return { table, columns, count: values.length, row: (i) => values[i] ?? [] };
}

void describe('COPY text encoding', () => {
  void it('writes NULL, booleans, numbers, dates, objects and escapes backslash, tab, newline, CR', () => {
    assert.equal(copyField(null), '\\N');
    assert.equal(copyField(undefined), '\\N');
    assert.equal(copyField(true), 't');
    assert.equal(copyField(false), 'f');
    assert.equal(copyField(12.5), '12.5');
    assert.equal(copyField(12n), '12');
    assert.equal(copyField(new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 6))), '2026-01-02T03:04:05.006Z');
    assert.equal(copyField({ a: 'x\ty' }), '{"a":"x\\\\ty"}');
    assert.equal(copyField('a\\b\tc\nd\re'), 'a\\\\b\\tc\\nd\\re');
    assert.equal(copyField('\\N'), '\\\\N');
    assert.equal(copyLine(['a', null, 1]), 'a\t\\N\t1\n');
  });
});

for (const dialectName of ALL_DIALECTS) {
  void describe(`${dialectName} bulkInsert`, () => {
    let db: Dialect;
    before(async () => {
      db = await openDialect(URLS.get(dialectName) ?? '');
      await db.execute('CREATE TABLE parent (id integer PRIMARY KEY)');
      await db.execute(`CREATE TABLE bulk (id integer PRIMARY KEY, label text, flag boolean NOT NULL,
        amount double precision, parent_id integer REFERENCES parent (id))`);
      await db.execute('INSERT INTO parent (id) VALUES (1), (2)');
    });
    after(async () => {
      await db.close();
    });

    void it('writes every row with its values and returns the count', async () => {
      const values = Array.from({ length: ROWS }, (_, i) => [
        i,
        i < TRICKY.length ? TRICKY[i] : i % 7 === 0 ? null : `label ${i}`,
        i % 3 === 0,
        i % 5 === 0 ? null : i / 4,
        i % 2 === 0 ? 1 : null,
      ]);
      let asked = 0;
      const source = rowsOf('bulk', ['id', 'label', 'flag', 'amount', 'parent_id'], values);
      const counted: BulkRows = { ...source, row: (i) => (asked++, source.row(i)) };
      assert.equal(await db.bulkInsert(counted), ROWS);
      assert.equal(asked, ROWS);
      const got = await db.query<{ id: unknown; label: unknown; flag: unknown; amount: unknown }>(
        'SELECT id, label, flag, amount, parent_id FROM bulk ORDER BY id',
      );
      assert.equal(got.length, ROWS);
      const flag = (v: unknown): boolean => v === true || v === 1;
      for (const [i, row] of got.entries()) {
        const want = values[i] ?? [];
        assert.equal(Number(row.id), want[0]);
        assert.equal(row.label, want[1], `label of row ${i}`);
        assert.equal(flag(row.flag), want[2]);
        assert.equal(row.amount === null ? null : Number(row.amount), want[3]);
      }
      const [sum] = await db.query<{ n: unknown }>('SELECT count(*) AS n FROM bulk WHERE parent_id = 1');
      assert.equal(Number(sum?.n), Math.ceil(ROWS / 2));
    });

    void it('zero rows writes nothing', async () => {
      assert.equal(await db.bulkInsert(rowsOf('bulk', ['id', 'flag'], [])), 0);
    });

    void it('a bad row rolls the whole load back and fails classified', async () => {
      const before = Number((await db.query<{ n: unknown }>('SELECT count(*) AS n FROM bulk'))[0]?.n);
      const values = Array.from({ length: 3001 }, (_, i) => [10_000 + i, i % 2 === 0]);
      values[2500] = [0, true]; // id 0 exists already
      await assert.rejects(db.bulkInsert(rowsOf('bulk', ['id', 'flag'], values)), (e: unknown) => {
        assert.equal(db.classifyError(e).reason, 'unique_violation', String(e));
        return true;
      });
      const after = Number((await db.query<{ n: unknown }>('SELECT count(*) AS n FROM bulk'))[0]?.n);
      assert.equal(after, before);
    });
  });
}
