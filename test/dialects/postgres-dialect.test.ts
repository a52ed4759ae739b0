/**
 * PostgreSQL-only behaviour: connection failures as usage errors, INVALID leftovers of a failed
 * concurrent build, lock and statement timeouts on the build's own session.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Socket } from 'node:net';
import type { IndexDefinition } from '../../src/catalogue/index-definition.js';
import type { BuildOptions, Dialect } from '../../src/dialects/dialect.js';
import { openDialect } from '../../src/dialects/open-dialect.js';
import { PermanentError, UsageError } from '../../src/errors.js';
import { PG_HOST, PG_PORT, PG_USER, freshPostgres } from '../helpers/databases.js';
import { holdTransactionOpen } from '../helpers/dialects.js';
import { testIndex } from '../helpers/index-definitions.js';

const BUILD: BuildOptions = { lockTimeoutMs: 5000, statementTimeoutMs: 60_000, busyTimeoutMs: 5000 };
const fresh = await freshPostgres('iopdialectpg');

function def(name: string, over: Partial<IndexDefinition> = {}): IndexDefinition {
  return testIndex(name, 'accounts', 'email', over);
}

void describe('postgresql dialect: connecting', () => {
  void it('turns an unreachable host into a UsageError naming host, port, database and user, never the password', async () => {
    await assert.rejects(
      openDialect('postgres://app:s3cret-pw@127.0.0.1:1/mcp', { connectTimeoutMs: 5000 }),
      (e: unknown) => {
        assert.ok(e instanceof UsageError, String(e));
        assert.match(e.message, /127\.0\.0\.1:1/);
        assert.match(e.message, /database mcp/);
        assert.match(e.message, /user app/);
        assert.match(e.message, /connection refused/);
        assert.ok(!e.message.includes('s3cret-pw'));
        assert.ok(!String(e.cause).includes('s3cret-pw'));
        return true;
      },
    );
  });

  void it('gives up after the connect timeout when the server never answers', async () => {
    const sockets = new Set<Socket>();
    const silent = createServer((s) => sockets.add(s));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const address = silent.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    try {
      await assert.rejects(
        openDialect(`postgres://app:pw@127.0.0.1:${port}/mcp`, { connectTimeoutMs: 300 }),
        (e: unknown) => {
          assert.ok(e instanceof UsageError, String(e));
          assert.match(
            e.message,
            new RegExp(`127\\.0\\.0\\.1:${port} \\(database mcp, user app\\): no answer within 0\\.3s`),
          );
          return true;
        },
      );
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise((r) => silent.close(r));
    }
  });

  void it('names a missing database', async () => {
    await assert.rejects(
      openDialect(`postgres://${PG_USER}@${PG_HOST}:${PG_PORT}/${fresh.name}_missing`),
      (e: unknown) =>
        e instanceof UsageError &&
        /database does not exist/.test(e.message) &&
        e.message.includes(`${fresh.name}_missing`),
    );
  });

  void it('shows a target without the password and sets application_name', async () => {
    const db = await openDialect(`postgres://${PG_USER}:not-needed-pw@${PG_HOST}:${PG_PORT}/${fresh.name}`);
    try {
      assert.equal(db.target, `postgresql://${PG_USER}@${PG_HOST}:${PG_PORT}/${fresh.name}`);
      const rows = await db.query<{ name: string }>(`SELECT current_setting('application_name') AS name`);
      assert.equal(rows[0]?.name, 'index-operator');
    } finally {
      await db.close();
    }
  });
});

void describe('postgresql dialect: builds', () => {
  let db: Dialect;
  let other: Dialect;
  before(async () => {
    db = await openDialect(fresh.url);
    other = await openDialect(fresh.url);
    await db.execute('CREATE TABLE accounts (id serial PRIMARY KEY, email text NOT NULL, team_id integer)');
    await db.execute(
      `INSERT INTO accounts (email, team_id) SELECT 'user' || (g % 50) || '@example.com', g % 7 FROM generate_series(1, 200) g`,
    );
  });
  after(async () => {
    await other.close();
    await db.close();
  });

  void it('a unique build over duplicates fails with 23505 naming the index and key, leaving an INVALID index that dropIndex removes', async () => {
    const unique = def('ix_accounts_email_unique', { unique: true });
    await assert.rejects(db.createIndex(unique, BUILD), (e: unknown) => {
      assert.ok(e instanceof PermanentError, String(e));
      assert.equal(e.code, '23505');
      assert.equal(e.reason, 'unique_violation');
      assert.deepEqual(db.classifyError(e), {
        errorClass: 'permanent',
        code: '23505',
        reason: 'unique_violation',
      });
      assert.match(e.message, /ix_accounts_email_unique/);
      assert.match(e.message, /Key \(email\)=\(user\d+@example\.com\) is duplicated/);
      return true;
    });
    const leftover = (await db.introspect()).indexes.find((i) => i.name === unique.name);
    assert.ok(leftover, 'the failed concurrent build leaves its index behind');
    assert.equal(leftover.valid, false);
    assert.equal(leftover.unique, true);
    await db.dropIndex(unique.name, BUILD);
    assert.equal(
      (await db.introspect()).indexes.find((i) => i.name === unique.name),
      undefined,
    );
  });

  void it('an open transaction that updated the table makes the build hit lock_timeout (transient)', async () => {
    const holder = await holdTransactionOpen(other, (tx) =>
      tx.execute(`UPDATE accounts SET team_id = team_id WHERE id = 1`),
    );
    try {
      await assert.rejects(
        db.createIndex(def('ix_accounts_team', { columns: [{ name: 'team_id', order: 'ASC' }] }), {
          ...BUILD,
          lockTimeoutMs: 200,
        }),
        (e: unknown) => {
          assert.deepEqual(db.classifyError(e), {
            errorClass: 'transient',
            code: '55P03',
            reason: 'lock_timeout',
          });
          assert.match(String(e), /ix_accounts_team/);
          return true;
        },
      );
    } finally {
      await holder.release();
    }
    // createIndex waits for the table's open writers before CONCURRENTLY registers the index, so a
    // timeout there leaves nothing behind (no INVALID leftover that could not be dropped either).
    const leftover = (await db.introspect()).indexes.find((i) => i.name === 'ix_accounts_team');
    assert.equal(leftover, undefined);
    await db.createIndex(def('ix_accounts_team', { columns: [{ name: 'team_id', order: 'ASC' }] }), BUILD);
    const built = (await db.introspect()).indexes.find((i) => i.name === 'ix_accounts_team');
    assert.equal(built?.valid, true);
  });

  void it('statement_timeout cancels a build that waits too long (57014, transient)', async () => {
    const holder = await holdTransactionOpen(other, (tx) =>
      tx.execute('LOCK TABLE accounts IN ACCESS EXCLUSIVE MODE'),
    );
    try {
      await assert.rejects(
        db.createIndex(def('ix_accounts_id_desc', { columns: [{ name: 'id', order: 'DESC' }] }), {
          ...BUILD,
          lockTimeoutMs: 0,
          statementTimeoutMs: 200,
        }),
        (e: unknown) => {
          assert.deepEqual(db.classifyError(e), {
            errorClass: 'transient',
            code: '57014',
            reason: 'statement_timeout',
          });
          return true;
        },
      );
    } finally {
      await holder.release();
    }
  });

  void it('sets maintenance_work_mem for the build and rejects a malformed value', async () => {
    await db.createIndex(def('ix_accounts_email', {}), { ...BUILD, maintenanceWorkMem: '64MB' });
    assert.ok((await db.introspect()).indexes.some((i) => i.name === 'ix_accounts_email' && i.valid));
    await assert.rejects(
      db.createIndex(def('ix_x'), { ...BUILD, maintenanceWorkMem: "1GB'; DROP TABLE accounts; --" }),
      /invalid maintenance_work_mem/,
    );
    assert.ok((await db.introspect()).tables.has('accounts'));
  });

  void it('a transaction whose session is terminated rejects as transient and the pool recovers', async () => {
    await assert.rejects(
      db.transaction(async (tx) => {
        const [me] = await tx.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
        await other.query('SELECT pg_terminate_backend($1)', [me?.pid]);
        await tx.query('SELECT 1');
      }),
      (e: unknown) => {
        assert.equal(db.classifyError(e).errorClass, 'transient', String(e));
        return true;
      },
    );
    assert.deepEqual(await db.query('SELECT 1 AS x'), [{ x: 1 }]);
  });

  void it('reports an expression column as name null', async () => {
    await db.execute('CREATE INDEX ix_lower_email ON accounts (lower(email), team_id DESC)');
    const got = (await db.introspect()).indexes.find((i) => i.name === 'ix_lower_email');
    assert.deepEqual(
      got?.columns.map((c) => ({ ...c })),
      [
        { name: null, order: 'ASC' },
        { name: 'team_id', order: 'DESC' },
      ],
    );
  });
});
