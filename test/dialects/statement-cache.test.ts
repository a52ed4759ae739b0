/**
 * The statement cache: an LRU bounded by its capacity, and the SQLite dialect compiling the same SQL
 * once (counted at better-sqlite3's own prepare) while staying bounded and correct after eviction.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import type { Dialect } from '../../src/dialects/dialect.js';
import { openDialect } from '../../src/dialects/open-dialect.js';
import { STATEMENT_CACHE_SIZE } from '../../src/dialects/sqlite-dialect.js';
import { StatementCache } from '../../src/dialects/statement-cache.js';
import { freshSqlite } from '../helpers/databases.js';

const fresh = freshSqlite('iopstmtcache');

void describe('StatementCache', () => {
  void it('makes a value once per key while it stays cached', () => {
    const cache = new StatementCache<string>(3);
    let made = 0;
    const make = (sql: string): string => `${sql}#${++made}`;
    assert.equal(cache.get('a', make), 'a#1');
    assert.equal(cache.get('a', make), 'a#1');
    assert.equal(made, 1);
    assert.equal(cache.size, 1);
  });

  void it('evicts the least recently used key past its capacity', () => {
    const cache = new StatementCache<string>(2);
    const make = (sql: string): string => sql;
    cache.get('a', make);
    cache.get('b', make);
    cache.get('a', make); // a is now the most recent
    cache.get('c', make); // evicts b
    assert.equal(cache.size, 2);
    assert.deepEqual(
      ['a', 'b', 'c'].map((k) => cache.has(k)),
      [true, false, true],
    );
  });

  void it('caches nothing when making the value throws', () => {
    const cache = new StatementCache<string>(2);
    assert.throws(() =>
      cache.get('bad', () => {
        throw new Error('syntax error');
      }),
    );
    assert.equal(cache.has('bad'), false);
  });

  void it('refuses a capacity below one', () => {
    assert.throws(() => new StatementCache<string>(0), RangeError);
  });
});

void describe('sqlite dialect statement cache', () => {
  let db: Dialect;
  const prepared = new Map<string, number>();
  // eslint-disable-next-line @typescript-eslint/unbound-method -- put back unchanged after the tests
  const original = Database.prototype.prepare;
  before(async () => {
    Database.prototype.prepare = function (this: Database.Database, source: string) {
      prepared.set(source, (prepared.get(source) ?? 0) + 1);
      return original.call(this, source);
    } as typeof original;
    db = await openDialect(fresh.url);
    await db.execute('CREATE TABLE t (id integer PRIMARY KEY, v text)');
  });
  after(async () => {
    Database.prototype.prepare = original;
    await db.close();
  });

  void it('compiles the same SQL once, however often and with whatever values it runs', async () => {
    const insert = 'INSERT INTO t (id, v) VALUES ($1, $2)';
    for (let i = 0; i < 50; i++) assert.equal(await db.execute(insert, [i, `v${i}`]), 1);
    const select = 'SELECT v FROM t WHERE id = $1';
    for (let i = 0; i < 50; i++) assert.deepEqual(await db.query(select, [i]), [{ v: `v${i}` }]);
    assert.equal(prepared.get(insert), 1);
    assert.equal(prepared.get(select), 1);
  });

  void it('stays bounded: past the bound the oldest statement is compiled again, and still runs', async () => {
    const first = 'SELECT count(*) AS n FROM t';
    assert.deepEqual(await db.query(first), [{ n: 50 }]);
    assert.deepEqual(await db.query(first), [{ n: 50 }]);
    assert.equal(prepared.get(first), 1);
    for (let i = 0; i < STATEMENT_CACHE_SIZE; i++) {
      assert.deepEqual(await db.query(`SELECT ${i} AS n`), [{ n: i }]);
    }
    assert.deepEqual(await db.query(first), [{ n: 50 }]);
    assert.equal(prepared.get(first), 2);
  });

  void it('a cached statement follows a schema change of its table', async () => {
    const select = 'SELECT * FROM t WHERE id = $1';
    assert.deepEqual(await db.query(select, [1]), [{ id: 1, v: 'v1' }]);
    await db.execute('ALTER TABLE t ADD COLUMN extra text');
    assert.deepEqual(await db.query(select, [1]), [{ id: 1, v: 'v1', extra: null }]);
    assert.equal(prepared.get(select), 1);
  });
});
