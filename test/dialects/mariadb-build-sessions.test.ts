/**
 * MariaDB build sessions on the real server: a build's session is kept for the next build (one
 * connection, its SET sent once), other settings are applied on it before the next statement, a failed
 * statement ends its session, a session the server ended while idle is replaced, and release ends what is
 * idle. Through the dialect: the second build on a kept session still runs under its own lock timeout.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import mariadb, { type Connection } from 'mariadb';
import type { BuildOptions } from '../../src/dialects/dialect.js';
import { MariadbBuildSessions } from '../../src/dialects/mariadb-build-sessions.js';
import { mariadbBuildSettings } from '../../src/dialects/mariadb-sql.js';
import { openDialect } from '../../src/dialects/open-dialect.js';
import {
  MARIADB_HOST,
  MARIADB_PORT,
  MARIADB_USER,
  freshMariadb,
  mariadbAdmin,
} from '../helpers/databases.js';
import { holdTransactionOpen } from '../helpers/dialects.js';
import { testIndex } from '../helpers/index-definitions.js';

const BUILD: BuildOptions = { lockTimeoutMs: 5000, statementTimeoutMs: 0, busyTimeoutMs: 0 };

interface Seen {
  readonly id: number;
  readonly lockWait: number;
  readonly innodbWait: number;
  readonly statementTime: number;
}

/** The session's id and settings, read on it. */
async function seen(conn: Connection): Promise<Seen> {
  const rows = await conn.query<Record<string, unknown>[]>(
    `SELECT CONNECTION_ID() AS id, @@SESSION.lock_wait_timeout AS lw,
       @@SESSION.innodb_lock_wait_timeout AS iw, @@SESSION.max_statement_time AS st`,
  );
  const r = rows[0] ?? {};
  return {
    id: Number(r['id']),
    lockWait: Number(r['lw']),
    innodbWait: Number(r['iw']),
    statementTime: Number(r['st']),
  };
}

async function sessionExists(id: number): Promise<boolean> {
  const rows = await mariadbAdmin((c) =>
    c.query<{ n: number }[]>('SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE ID = ?', [id]),
  );
  return Number(rows[0]?.n) > 0;
}

/** Sessions made on `database`, counting connections and the SET statements sent. */
function counting(database: string) {
  const counts = { connections: 0, sets: 0 };
  /** Resolves when the connector sees the session end (its 'end' or 'error' event), by CONNECTION_ID. */
  const ended = new Map<number, Promise<void>>();
  const sessions = new MariadbBuildSessions(async () => {
    counts.connections++;
    const conn = await mariadb.createConnection({
      host: MARIADB_HOST,
      port: MARIADB_PORT,
      user: MARIADB_USER,
      database,
      bigIntAsNumber: true,
    });
    const query = conn.query.bind(conn);
    conn.query = (sql: string, values?: unknown) => {
      if (sql.startsWith('SET SESSION')) counts.sets++;
      return query(sql, values);
    };
    ended.set(
      Number(conn.threadId),
      new Promise((resolve) => {
        conn.on('end', () => resolve());
        conn.on('error', () => resolve());
      }),
    );
    return conn;
  });
  return { sessions, counts, ended };
}

void describe('mariadb build sessions', () => {
  void it('keeps one session between builds, sends its settings once, and applies other settings on it', async () => {
    const db = await freshMariadb('iopbuildsess');
    const { sessions, counts } = counting(db.name);
    try {
      const first = await sessions.use(mariadbBuildSettings(BUILD), seen);
      const second = await sessions.use(mariadbBuildSettings(BUILD), seen);
      assert.equal(second.id, first.id, 'the same session');
      assert.deepEqual(counts, { connections: 1, sets: 1 });
      assert.deepEqual(
        { lockWait: first.lockWait, innodbWait: first.innodbWait, statementTime: first.statementTime },
        { lockWait: 5, innodbWait: 5, statementTime: 0 },
      );
      const other = await sessions.use(
        mariadbBuildSettings({ ...BUILD, lockTimeoutMs: 2500, statementTimeoutMs: 60_000 }),
        seen,
      );
      assert.equal(other.id, first.id, 'still the same session');
      assert.deepEqual(
        { lockWait: other.lockWait, innodbWait: other.innodbWait, statementTime: other.statementTime },
        { lockWait: 3, innodbWait: 3, statementTime: 60 },
      );
      assert.deepEqual(counts, { connections: 1, sets: 2 });
      await sessions.release();
      assert.equal(await sessionExists(first.id), false, 'release ends the idle session');
    } finally {
      await sessions.close();
    }
  });

  void it('ends a session whose statement failed, and replaces one the server ended while idle', async () => {
    const db = await freshMariadb('iopbuildsess');
    const { sessions, counts, ended } = counting(db.name);
    try {
      let failedOn = 0;
      await assert.rejects(
        sessions.use(mariadbBuildSettings(BUILD), async (conn) => {
          failedOn = (await seen(conn)).id;
          await conn.query('SELECT * FROM no_such_table');
        }),
        /no_such_table/,
      );
      assert.equal(await sessionExists(failedOn), false, 'a failed session is ended, not kept');
      const next = await sessions.use(mariadbBuildSettings(BUILD), seen);
      assert.notEqual(next.id, failedOn);
      await mariadbAdmin((c) => c.query(`KILL ${next.id}`));
      // The connector learns of the kill when the socket closes, as it would for an idle session.
      await ended.get(next.id);
      const replaced = await sessions.use(mariadbBuildSettings(BUILD), seen);
      assert.notEqual(replaced.id, next.id, 'a new session instead of the killed one');
      assert.equal(replaced.lockWait, 5, 'with its settings');
      assert.equal(counts.connections, 3);
    } finally {
      await sessions.close();
    }
  });

  void it('a build on a kept session runs under its own lock timeout, not the previous build’s', async () => {
    const fresh = await freshMariadb('iopbuildsess');
    const db = await openDialect(fresh.url);
    const other = await openDialect(fresh.url);
    try {
      await db.execute('CREATE TABLE t (id INT PRIMARY KEY, a INT, b INT) ENGINE=InnoDB');
      await db.execute('INSERT INTO t (id, a, b) VALUES (1, 1, 1), (2, 2, 2)');
      // No limit on the first build's metadata-lock wait (a year)...
      await db.createIndex(testIndex('ix_t_a', 't', 'a'), { ...BUILD, lockTimeoutMs: 0 });
      const blocker = await holdTransactionOpen(other, (tx) => tx.query('SELECT COUNT(*) AS n FROM t'));
      try {
        // ...and 1 s on the next, on the same session: it fails after 1 s instead of waiting a year.
        await assert.rejects(
          db.createIndex(testIndex('ix_t_b', 't', 'b'), { ...BUILD, lockTimeoutMs: 1000 }),
          (e: unknown) => {
            assert.equal(db.classifyError(e).reason, 'lock_timeout', String(e));
            return true;
          },
        );
      } finally {
        await blocker.release();
      }
      await db.createIndex(testIndex('ix_t_b', 't', 'b'), BUILD);
      const names = (await db.introspect()).indexes.map((i) => i.name);
      assert.ok(names.includes('ix_t_a') && names.includes('ix_t_b'), names.join(', '));
    } finally {
      await other.close();
      await db.close();
    }
  });
});
