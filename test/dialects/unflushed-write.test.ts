/**
 * Dialect.executeUnflushed: the row is written and visible at once; on PostgreSQL it runs on a session of
 * its own with synchronous_commit off (the shared pool keeps the server's setting), and a write after that
 * session was ended by the server goes through on a new one.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { openDialect } from '../../src/dialects/open-dialect.js';
import { DIALECTS_WITHOUT_MARIADB, freshDatabase } from '../helpers/databases.js';

for (const dialect of DIALECTS_WITHOUT_MARIADB) {
  void describe(`executeUnflushed on ${dialect}`, () => {
    void it('writes a row every other connection sees at once', async () => {
      const fresh = await freshDatabase(dialect, 'iopunflushed');
      const db = await openDialect(fresh.url);
      try {
        await db.execute('CREATE TABLE notes (id INTEGER PRIMARY KEY, body VARCHAR(20))');
        assert.equal(await db.executeUnflushed('INSERT INTO notes (id, body) VALUES ($1, $2)', [1, 'a']), 1);
        assert.equal(await db.executeUnflushed('UPDATE notes SET body = $2 WHERE id = $1', [1, 'b']), 1);
        const other = await openDialect(fresh.url);
        try {
          assert.deepEqual(await other.query('SELECT id, body FROM notes'), [{ id: 1, body: 'b' }]);
        } finally {
          await other.close();
        }
      } finally {
        await db.close();
      }
    });
  });
}

void describe('executeUnflushed on postgresql: its own session', () => {
  void it('commits with synchronous_commit off there only, and reconnects after the server ended it', async () => {
    const fresh = await freshDatabase('postgresql', 'iopunflushed');
    const db = await openDialect(fresh.url);
    try {
      await db.execute('CREATE TABLE seen (pid INTEGER, sync TEXT)');
      const record = `INSERT INTO seen SELECT pg_backend_pid(), current_setting('synchronous_commit')`;
      await db.executeUnflushed(record);
      const [first] = await db.query<{ pid: number; sync: string }>('SELECT pid, sync FROM seen');
      assert.equal(first?.sync, 'off');
      const pool = await db.query<{ sync: string }>(`SELECT current_setting('synchronous_commit') AS sync`);
      assert.equal(pool[0]?.sync, 'on', 'the shared pool keeps the server setting');
      await db.query('SELECT pg_terminate_backend($1)', [first?.pid]);
      const gone = Date.now() + 10_000;
      while ((await db.query('SELECT 1 FROM pg_stat_activity WHERE pid = $1', [first?.pid])).length > 0) {
        assert.ok(Date.now() < gone, 'the terminated session ends');
        await new Promise((r) => setTimeout(r, 50));
      }
      // The driver may learn of the end only from this write: the engine's store retries it then.
      await db.executeUnflushed(record).catch(() => db.executeUnflushed(record));
      const rows = await db.query<{ pid: number; sync: string }>('SELECT pid, sync FROM seen ORDER BY 1');
      assert.equal(rows.length, 2);
      assert.ok(rows.every((r) => r.sync === 'off'));
      assert.notEqual(rows[0]?.pid, rows[1]?.pid, 'a new session');
    } finally {
      await db.close();
    }
  });
});
