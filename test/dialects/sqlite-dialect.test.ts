/**
 * SQLite-only behaviour: connection settings, constraint autoindexes, INCLUDE left out, the lock row.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { hostname } from 'node:os';
import type { IndexDefinition } from '../../src/catalogue/index-definition.js';
import type { BuildOptions, Dialect } from '../../src/dialects/dialect.js';
import { openDialect } from '../../src/dialects/open-dialect.js';
import { PermanentError, TransientError, UsageError } from '../../src/errors.js';
import { freshSqlite } from '../helpers/databases.js';
import { testIndex } from '../helpers/index-definitions.js';

const BUILD: BuildOptions = { lockTimeoutMs: 5000, statementTimeoutMs: 0, busyTimeoutMs: 5000 };
const fresh = freshSqlite('iopdialectsqlite');

function def(name: string, over: Partial<IndexDefinition> = {}): IndexDefinition {
  return testIndex(name, 'users', 'email', over);
}

/** The pid of a process that has exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  const pid = child.pid ?? 0;
  await new Promise((r) => child.once('exit', r));
  return pid;
}

void describe('sqlite dialect', () => {
  let db: Dialect;
  before(async () => {
    db = await openDialect(fresh.url);
    await db.execute(`CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT, slug TEXT UNIQUE, name TEXT, is_admin BOOLEAN,
      code TEXT NOT NULL, region TEXT NOT NULL, CONSTRAINT uq_code_region UNIQUE (code, region))`);
    await db.execute(
      `INSERT INTO users (email, slug, code, region) VALUES ('a@x', 'a', 'c1', 'eu'), ('a@x', 'b', 'c1', 'us')`,
    );
  });
  after(async () => {
    await db.close();
  });

  void it('runs in WAL mode with foreign keys on', async () => {
    assert.deepEqual(await db.query('PRAGMA journal_mode'), [{ journal_mode: 'wal' }]);
    assert.deepEqual(await db.query('PRAGMA foreign_keys'), [{ foreign_keys: 1 }]);
  });

  void it('keeps the autoindexes of UNIQUE constraints as unique indexes', async () => {
    const idx = (await db.introspect()).indexes.filter((i) => i.table === 'users');
    const byColumns = new Map(idx.map((i) => [i.columns.map((c) => c.name).join(','), i]));
    assert.equal(byColumns.get('slug')?.unique, true);
    assert.equal(byColumns.get('code,region')?.unique, true);
    assert.match(byColumns.get('code,region')?.name ?? '', /^sqlite_autoindex_users_/);
  });

  void it('estimates rows from sqlite_stat1, else the largest rowid, and counts only WITHOUT ROWID tables', async () => {
    await db.execute('CREATE TABLE est_rowid (id INTEGER PRIMARY KEY, v TEXT)');
    await db.execute('CREATE TABLE est_norowid (k TEXT PRIMARY KEY, v TEXT) WITHOUT ROWID');
    await db.execute('CREATE TABLE est_empty (v TEXT)');
    await db.execute(`INSERT INTO est_rowid (id, v) VALUES (1, 'a'), (2, 'b'), (40, 'c')`);
    await db.execute(`INSERT INTO est_norowid VALUES ('a', 'x'), ('b', 'y')`);
    const rows = async (): Promise<(number | undefined)[]> => {
      const { tables } = await db.introspect({
        tables: ['est_rowid', 'est_norowid', 'est_empty'],
        indexes: [],
      });
      return ['est_rowid', 'est_norowid', 'est_empty'].map((t) => tables.get(t)?.estimatedRows);
    };
    // Not analyzed: the largest rowid (3 rows, one of them id 40), a count, an empty table's 0.
    assert.deepEqual(await rows(), [40, 2, 0]);
    await db.execute('ANALYZE est_rowid');
    assert.deepEqual(await rows(), [3, 2, 0], 'ANALYZE counted est_rowid');
  });

  void it('leaves INCLUDE columns out of the statement (no covering indexes on SQLite)', async () => {
    const covering = def('ix_users_email_cov', { include: ['name'] });
    assert.equal(db.capabilities.supportsInclude, false);
    assert.equal(db.renderCreateIndex(covering), 'CREATE INDEX "ix_users_email_cov" ON "users" ("email")');
    await db.createIndex(covering, BUILD);
    const got = (await db.introspect()).indexes.find((i) => i.name === covering.name);
    assert.deepEqual(got?.include, []);
  });

  void it('a unique build over duplicates is a permanent unique_violation and leaves nothing behind', async () => {
    await assert.rejects(
      db.createIndex(def('ix_users_email_unique', { unique: true }), BUILD),
      (e: unknown) => {
        assert.ok(e instanceof PermanentError, String(e));
        assert.equal(e.reason, 'unique_violation');
        assert.match(e.message, /ix_users_email_unique/);
        return true;
      },
    );
    assert.ok(!(await db.introspect()).indexes.some((i) => i.name === 'ix_users_email_unique'));
  });

  void it('takes over a lock row left by a process that no longer exists on this host', async () => {
    await (await db.acquireRunnerLock('setup', 1000)).release();
    await db.execute(
      `INSERT INTO index_operator_lock (id, owner, token, pid, hostname, acquired_at) VALUES (1, 'crashed', 't', $1, $2, '2026-01-01T00:00:00Z')`,
      [await deadPid(), hostname()],
    );
    const lock = await db.acquireRunnerLock('new-runner', 0);
    const rows = await db.query<{ owner: string; pid: number }>('SELECT owner, pid FROM index_operator_lock');
    assert.deepEqual(
      rows.map((r) => ({ ...r })),
      [{ owner: 'new-runner', pid: process.pid }],
    );
    await lock.release();
    assert.deepEqual(await db.query('SELECT owner FROM index_operator_lock'), []);
  });

  void it('never takes over a lock row of another host', async () => {
    await db.execute(
      `INSERT INTO index_operator_lock (id, owner, token, pid, hostname, acquired_at) VALUES (1, 'elsewhere', 't', 1, 'other-host', '2026-01-01T00:00:00Z')`,
    );
    await assert.rejects(db.acquireRunnerLock('me', 250), (e: unknown) => {
      assert.ok(e instanceof TransientError);
      assert.equal(e.reason, 'runner_lock');
      assert.match(e.message, /owner 'elsewhere', pid 1 on host other-host, since 2026-01-01T00:00:00Z/);
      return true;
    });
    await db.execute('DELETE FROM index_operator_lock');
  });

  void it('a path that cannot be opened is a UsageError naming it', async () => {
    await assert.rejects(
      openDialect('sqlite:/nonexistent-dir-for-iop/x.db'),
      (e: unknown) => e instanceof UsageError && e.message.includes('/nonexistent-dir-for-iop/x.db'),
    );
  });

  void it('opens an in-memory database', async () => {
    const mem = await openDialect('sqlite::memory:');
    try {
      assert.equal(mem.target, ':memory:');
      assert.deepEqual(await mem.query('SELECT $1 + $2 AS n', [2, 3]), [{ n: 5 }]);
    } finally {
      await mem.close();
      await mem.close();
    }
  });
});
