/**
 * The behaviour both dialects share, run against a real PostgreSQL database and a real SQLite file.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  canonicalPredicate,
  type Condition,
  type IndexDefinition,
} from '../../src/catalogue/index-definition.js';
import type { BuildOptions, Dialect } from '../../src/dialects/dialect.js';
import { openDialect } from '../../src/dialects/open-dialect.js';
import { adaptIndex } from '../../src/engine/adapt-index.js';
import { TransientError } from '../../src/errors.js';
import { ALL_DIALECTS, freshDatabase } from '../helpers/databases.js';
import { holdTransactionOpen } from '../helpers/dialects.js';
import { testIndex } from '../helpers/index-definitions.js';

const BUILD: BuildOptions = { lockTimeoutMs: 5000, statementTimeoutMs: 60_000, busyTimeoutMs: 5000 };

const SCHEMA: Record<string, string> = {
  postgresql: `CREATE TABLE items (
    id serial PRIMARY KEY, team_id integer, email text, status varchar(20), is_active boolean,
    priority integer, revoked_at timestamptz, created_at timestamptz, note text)`,
  sqlite: `CREATE TABLE items (
    id INTEGER PRIMARY KEY, team_id INTEGER, email TEXT, status VARCHAR(20), is_active BOOLEAN,
    priority INTEGER, revoked_at DATETIME, created_at DATETIME, note TEXT)`,
  mariadb: `CREATE TABLE items (
    id INT AUTO_INCREMENT PRIMARY KEY, team_id INT, email VARCHAR(255), status VARCHAR(20),
    is_active BOOLEAN, priority INT, revoked_at DATETIME(6), created_at DATETIME(6), note TEXT)`,
};

/**
 * A session that keeps a build from getting its lock: PostgreSQL ACCESS EXCLUSIVE; SQLite an open write
 * transaction; MariaDB an open transaction that wrote the table (its metadata lock lasts until COMMIT).
 */
const BLOCKER: Record<string, string> = {
  postgresql: 'LOCK TABLE items IN ACCESS EXCLUSIVE MODE',
  sqlite: 'DELETE FROM items WHERE id < 0',
  mariadb: 'DELETE FROM items WHERE id < 0',
};

/** The definition as the engine builds it on this dialect (the planner's adaptation). */
async function asBuilt(db: Dialect, d: IndexDefinition): Promise<IndexDefinition | undefined> {
  const table = (await db.introspect()).tables.get(d.table);
  const adapted = adaptIndex(d, db.capabilities, table);
  return adapted.unsupported === undefined ? adapted.index : undefined;
}

function def(name: string, over: Partial<IndexDefinition>): IndexDefinition {
  return testIndex(name, 'items', 'team_id', over);
}

function partial(name: string, ...where: Condition[]): IndexDefinition {
  return def(name, { where });
}

const ROUND_TRIP: readonly IndexDefinition[] = [
  def('ix_full', {}),
  def('ix_unique', { columns: [{ name: 'email', order: 'ASC' }], unique: true }),
  def('ix_desc', {
    columns: [
      { name: 'team_id', order: 'ASC' },
      { name: 'created_at', order: 'DESC' },
    ],
  }),
  def('ix_include', {
    columns: [
      { name: 'team_id', order: 'ASC' },
      { name: 'priority', order: 'DESC' },
    ],
    include: ['email', 'note'],
  }),
  partial('ix_is_null', { column: 'revoked_at', op: 'IS NULL' }),
  partial('ix_is_not_null', { column: 'revoked_at', op: 'IS NOT NULL' }),
  partial('ix_bool_true', { column: 'is_active', op: '=', value: true }),
  partial('ix_bool_false', { column: 'is_active', op: '<>', value: false }),
  partial('ix_string', { column: 'status', op: '=', value: 'pending' }),
  partial('ix_quote', { column: 'status', op: '=', value: "it's" }),
  partial('ix_not_equal', { column: 'status', op: '<>', value: 'done' }),
  partial('ix_negative', { column: 'priority', op: '=', value: -3 }),
  partial('ix_in_strings', { column: 'status', op: 'IN', values: ['a', 'b', 'c'] }),
  partial('ix_in_numbers', { column: 'priority', op: 'IN', values: [1, 2] }),
  def('ix_unique_partial', {
    columns: [{ name: 'email', order: 'ASC' }],
    unique: true,
    where: [
      { column: 'revoked_at', op: 'IS NULL' },
      { column: 'is_active', op: '=', value: true },
      { column: 'status', op: 'IN', values: ['x', 'y'] },
    ],
  }),
];

// Created at the top level: the helper drops them when the file ends.
const URLS = new Map<string, string>();
for (const name of ALL_DIALECTS) URLS.set(name, (await freshDatabase(name, 'iopdialect')).url);

for (const dialectName of ALL_DIALECTS) {
  void describe(`${dialectName} dialect`, () => {
    let db: Dialect;
    const url = URLS.get(dialectName) ?? '';
    before(async () => {
      db = await openDialect(url);
      await db.execute(SCHEMA[dialectName] ?? '');
    });
    after(async () => {
      await db.close();
    });

    void it('binds $1..$n placeholders (reused, out of order, booleans) and reports affected rows', async () => {
      const n = await db.execute(
        'INSERT INTO items (team_id, email, is_active, priority) VALUES ($2, $1, $3, $2)',
        ['a@x', 7, true],
      );
      assert.equal(n, 1);
      const rows = await db.query<{ email: string; priority: number }>(
        'SELECT email, priority FROM items WHERE team_id = $1 AND is_active = $2',
        [7, true],
      );
      assert.deepEqual(
        rows.map((r) => ({ ...r })),
        [{ email: 'a@x', priority: 7 }],
      );
      assert.equal(await db.execute('DELETE FROM items WHERE team_id = $1', [7]), 1);
    });

    void it('commits a transaction, and rolls it back when the function throws', async () => {
      await db.transaction(async (tx) => {
        await tx.execute('INSERT INTO items (team_id, note) VALUES ($1, $2)', [1, 'kept']);
      });
      await assert.rejects(
        db.transaction(async (tx) => {
          await tx.execute('INSERT INTO items (team_id, note) VALUES ($1, $2)', [1, 'rolled back']);
          throw new Error('boom');
        }),
        /boom/,
      );
      const rows = await db.query<{ note: string }>('SELECT note FROM items WHERE team_id = $1', [1]);
      assert.deepEqual(
        rows.map((r) => r.note),
        ['kept'],
      );
      await db.execute('DELETE FROM items');
    });

    void it('reports no build progress while no index build runs on its database', async () => {
      assert.deepEqual(await db.buildProgress(), []);
    });

    void it('introspects tables with their columns', async () => {
      const snap = await db.introspect();
      const items = snap.tables.get('items');
      assert.deepEqual(items?.columns, [
        'id',
        'team_id',
        'email',
        'status',
        'is_active',
        'priority',
        'revoked_at',
        'created_at',
        'note',
      ]);
    });

    void it('builds every index shape (as adapted to the dialect) and introspects it back the same', async () => {
      const built: IndexDefinition[] = [];
      for (const wanted of ROUND_TRIP) {
        const d = await asBuilt(db, wanted);
        // Only a partial UNIQUE index cannot be adapted (uniqueness over all rows is another constraint).
        if (d === undefined) {
          assert.ok(!db.capabilities.supportsPartialIndex && wanted.unique && wanted.where.length > 0);
          continue;
        }
        await db.createIndex(d, BUILD);
        built.push(d);
      }
      assert.ok(built.length >= ROUND_TRIP.length - 1);
      const snap = await db.introspect();
      for (const d of built) {
        const got = snap.indexes.find((i) => i.name === d.name);
        assert.ok(got, `${d.name} missing from introspection`);
        assert.equal(got.table, 'items');
        assert.deepEqual(
          got.columns.map((c) => ({ ...c })),
          d.columns.map((c) => ({ ...c })),
          d.name,
        );
        assert.equal(got.unique, d.unique, d.name);
        assert.equal(got.primary, false);
        assert.equal(got.predicate, canonicalPredicate(d.where), `${d.name}: ${got.definition}`);
        assert.deepEqual(got.include, db.capabilities.supportsInclude ? d.include : [], d.name);
        assert.equal(got.valid, true);
        assert.equal(got.ready, true);
      }
    });

    void it('drops an index, and dropping a missing one is a no-op', async () => {
      await db.dropIndex('ix_full', BUILD);
      await db.dropIndex('ix_full', BUILD);
      const snap = await db.introspect();
      assert.equal(
        snap.indexes.find((i) => i.name === 'ix_full'),
        undefined,
      );
      assert.ok(snap.indexes.some((i) => i.name === 'ix_desc'));
    });

    void it('introspects foreign keys with their columns in order', async () => {
      await db.execute('CREATE TABLE parents (a integer, b integer, PRIMARY KEY (a, b))');
      await db.execute(
        'CREATE TABLE children (id integer PRIMARY KEY, pb integer, pa integer, ' +
          'CONSTRAINT fk_children_parent FOREIGN KEY (pa, pb) REFERENCES parents (a, b))',
      );
      const snap = await db.introspect();
      const fk = snap.foreignKeys.find((f) => f.table === 'children');
      assert.ok(fk);
      assert.deepEqual([...fk.columns], ['pa', 'pb']);
      assert.equal(fk.refTable, 'parents');
      assert.deepEqual([...fk.refColumns], ['a', 'b']);
      const pk = snap.indexes.find((i) => i.table === 'parents' && i.primary);
      assert.ok(pk, 'the composite primary key counts as an existing unique index');
      assert.equal(pk.unique, true);
      assert.deepEqual(
        pk.columns.map((c) => c.name),
        ['a', 'b'],
      );
    });

    void it('keeps hostile identifiers quoted: the rendered SQL cannot break out', async () => {
      await db.execute('CREATE TABLE victim (id integer)');
      const evil = await asBuilt(
        db,
        def('ix"; DROP TABLE victim; --', {
          table: 'items',
          columns: [{ name: 'note', order: 'ASC' }],
          where: [{ column: 'note', op: '=', value: "'); DROP TABLE victim; --" }],
        }),
      );
      assert.ok(evil);
      await db.createIndex(evil, BUILD);
      const snap = await db.introspect();
      assert.ok(snap.tables.has('victim'), 'victim table still exists');
      const got = snap.indexes.find((i) => i.name === evil.name);
      assert.ok(got, 'index created under the literal hostile name');
      assert.equal(got.predicate, canonicalPredicate(evil.where));
      await db.dropIndex(evil.name, BUILD);
      assert.ok(!(await db.introspect()).indexes.some((i) => i.name === evil.name));
      const weird = 'odd"table';
      await db.execute(`CREATE TABLE ${db.quoteIdentifier(weird)} (${db.quoteIdentifier('c"1')} integer)`);
      assert.deepEqual((await db.introspect()).tables.get(weird)?.columns, ['c"1']);
    });

    void it('explain tells an index scan from a sequential scan', async () => {
      await db.execute('CREATE TABLE big (id integer PRIMARY KEY, k integer, note text)');
      await db.transaction(async (tx) => {
        for (let i = 0; i < 2000; i += 500) {
          const values = Array.from(
            { length: 500 },
            (_, j) => `(${i + j}, ${i + j}, 'n${(i + j) % 7}')`,
          ).join(', ');
          await tx.execute(`INSERT INTO big (id, k, note) VALUES ${values}`);
        }
      });
      await db.createIndex(def('ix_big_k', { table: 'big', columns: [{ name: 'k', order: 'ASC' }] }), BUILD);
      await db.analyze(['big']);
      const byIndex = await db.explain('SELECT id FROM big WHERE k = $1', [42]);
      assert.ok(byIndex.indexesUsed.includes('ix_big_k'), byIndex.summary);
      const search = byIndex.searches.find((x) => x.index === 'ix_big_k');
      assert.match(search?.cond ?? '', /\bk\b/, `searched on k: ${JSON.stringify(byIndex.searches)}`);
      assert.deepEqual(byIndex.seqScans, []);
      const bySeq = await db.explain('SELECT id FROM big WHERE note = $1', ['n3']);
      assert.deepEqual(bySeq.seqScans, ['big'], bySeq.summary);
      assert.deepEqual(bySeq.indexesUsed, []);
      const aliased = await db.explain('SELECT b.id FROM big AS b WHERE b.note = $1', ['n3']);
      assert.deepEqual(aliased.seqScans, ['big'], `an alias is reported as its table: ${aliased.summary}`);
      assert.ok(bySeq.summary.length > 0);
      const snap = await db.introspect();
      assert.ok((snap.tables.get('big')?.estimatedRows ?? 0) > 1000, 'row estimate after ANALYZE');
    });

    void it('runner lock: a second runner waits, then fails naming the holder; release lets it through', async () => {
      const other = await openDialect(url);
      try {
        const held = await db.acquireRunnerLock('runner-a', 1000);
        await assert.rejects(other.acquireRunnerLock('runner-b', 300), (e: unknown) => {
          assert.ok(e instanceof TransientError);
          assert.equal(e.reason, 'runner_lock');
          assert.match(e.message, /runner-a/);
          assert.match(e.message, /pid \d+/);
          assert.match(e.message, /since \d{4}-\d\d-\d\dT/);
          return true;
        });
        const waiting = other.acquireRunnerLock('runner-b', 20_000);
        await held.release();
        await held.release();
        const second = await waiting;
        await assert.rejects(db.acquireRunnerLock('runner-c', 0), /runner-b/);
        await second.release();
        await (await db.acquireRunnerLock('runner-c', 1000)).release();
      } finally {
        await other.close();
      }
    });

    void it('a build that cannot get its lock in time fails as a transient error, and succeeds once free', async () => {
      const other = await openDialect(url);
      try {
        const blocker = await holdTransactionOpen(other, (tx) => tx.execute(BLOCKER[dialectName] ?? ''));
        try {
          await assert.rejects(
            db.createIndex(def('ix_blocked', { columns: [{ name: 'priority', order: 'ASC' }] }), {
              ...BUILD,
              lockTimeoutMs: 200,
              busyTimeoutMs: 200,
            }),
            (e: unknown) => {
              const c = db.classifyError(e);
              assert.equal(c.errorClass, 'transient', String(e));
              assert.ok(c.reason === 'lock_timeout' || c.reason === 'busy', c.reason);
              assert.match(String(e), /ix_blocked/);
              return true;
            },
          );
        } finally {
          await blocker.release();
        }
        await db.createIndex(def('ix_blocked', { columns: [{ name: 'priority', order: 'ASC' }] }), BUILD);
        assert.ok((await db.introspect()).indexes.some((i) => i.name === 'ix_blocked' && i.valid));
      } finally {
        await other.close();
      }
    });
  });
}
