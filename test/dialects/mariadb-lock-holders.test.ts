/**
 * A MariaDB build that times out on a metadata lock names who blocked it. With the metadata_lock_info
 * plugin (the shared server, as .ci/run sets it up): the sessions holding the table's lock. Without it
 * (a server of this test's own, which has no plugin installed): the sessions with an open transaction,
 * and the message says to install the plugin to see the holders.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import mariadb from 'mariadb';
import type { BuildOptions, Dialect } from '../../src/dialects/dialect.js';
import { openDialect } from '../../src/dialects/open-dialect.js';
import { freshDatabase, requireMariadbPlugin } from '../helpers/databases.js';
import { holdTransactionOpen } from '../helpers/dialects.js';
import { testIndex } from '../helpers/index-definitions.js';
import { startOwnMariadb } from '../helpers/mariadb-server.js';

const BUILD: BuildOptions = { lockTimeoutMs: 1000, statementTimeoutMs: 0, busyTimeoutMs: 0 };

/** Builds an index on `notes` while another session's open transaction holds its metadata lock. */
async function blockedBuild(url: string): Promise<{ session: number; message: string }> {
  const db = await openDialect(url);
  const other = await openDialect(url);
  try {
    await db.execute('CREATE TABLE notes (id integer PRIMARY KEY, author integer)');
    let session = 0;
    const held = await holdTransactionOpen(other, async (tx) => {
      session = Number((await tx.query<{ id: number }>('SELECT CONNECTION_ID() AS id'))[0]?.id);
      await tx.query('SELECT COUNT(*) AS n FROM notes');
    });
    try {
      const error = await failure(db);
      assert.equal(db.classifyError(error.cause).reason, 'lock_timeout', String(error));
      return { session, message: error.message };
    } finally {
      await held.release();
    }
  } finally {
    await other.close();
    await db.close();
  }
}

async function failure(db: Dialect): Promise<Error> {
  try {
    await db.createIndex(testIndex('idx_notes_author', 'notes', 'author'), BUILD);
  } catch (e) {
    assert.ok(e instanceof Error, String(e));
    return e;
  }
  assert.fail('the build did not wait for the metadata lock');
}

void test('with metadata_lock_info: the holder of the table lock is named', async () => {
  await requireMariadbPlugin('metadata_lock_info', 'naming the session that holds the metadata lock');
  const { session, message } = await blockedBuild((await freshDatabase('mariadb', 'ioplockholders')).url);
  assert.match(message, new RegExp(`waited for a metadata lock on notes: blocked by session ${session} `));
  assert.match(message, /holds MDL_/);
});

void test('without the plugin: the open transactions are named, with how to see the holders', async () => {
  const server = await startOwnMariadb([], 'iop-nomdl');
  const admin = await mariadb.createConnection({ host: '127.0.0.1', port: server.port, user: 'root' });
  try {
    const plugins = await admin.query<unknown[]>(
      "SELECT 1 FROM information_schema.PLUGINS WHERE PLUGIN_NAME = 'METADATA_LOCK_INFO'",
    );
    assert.equal(plugins.length, 0, 'a fresh server has no metadata_lock_info');
    await admin.query('CREATE DATABASE locks');
  } finally {
    await admin.end();
  }
  const { session, message } = await blockedBuild(server.url('locks'));
  assert.match(
    message,
    new RegExp(
      'waited for a metadata lock on notes: metadata lock holders are not visible \\(install the ' +
        `metadata_lock_info plugin to see them\\); open transactions: session ${session} `,
    ),
  );
});
