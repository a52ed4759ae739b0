/**
 * What a PostgreSQL build session is set up with: the pure SET statements by server capability, and, on
 * the real server, the values the CREATE INDEX statement itself runs under (read by an event trigger
 * that fires at the start of the DDL, inside the build's own session), for a build on a new session and
 * for the next build on the same session with other settings.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import type { BuildOptions } from '../../src/dialects/dialect.js';
import { openDialect } from '../../src/dialects/open-dialect.js';
import {
  BASELINE_SERVER,
  CLIENT_CHECK_INTERVAL_MS,
  buildSettings,
  serverCapabilities,
} from '../../src/dialects/postgres-session.js';
import { UsageError } from '../../src/errors.js';
import { freshPostgres } from '../helpers/databases.js';
import { testIndex } from '../helpers/index-definitions.js';

const BASE: BuildOptions = { lockTimeoutMs: 5000, statementTimeoutMs: 0, busyTimeoutMs: 1 };

void describe('build session settings by server capability', () => {
  void it('knows the connection check from 14 and parallel maintenance workers from 11', () => {
    const table: [number, boolean, boolean][] = [
      [100023, false, false],
      [110000, false, true],
      [130012, false, true],
      [140000, true, true],
      [150020, true, true],
      [170002, true, true],
    ];
    for (const [version, check, workers] of table) {
      assert.deepEqual(
        serverCapabilities(version),
        { clientConnectionCheck: check, parallelMaintenanceWorkers: workers },
        `server_version_num ${version}`,
      );
    }
  });

  void it('sets client_connection_check_interval only where the server has it', () => {
    const modern = serverCapabilities(150000);
    assert.ok(
      buildSettings(BASE, modern).includes(
        `SET client_connection_check_interval = ${CLIENT_CHECK_INTERVAL_MS}`,
      ),
    );
    assert.ok(CLIENT_CHECK_INTERVAL_MS > 0);
    for (const server of [BASELINE_SERVER, serverCapabilities(130000)]) {
      assert.ok(!buildSettings(BASE, server).some((s) => s.includes('client_connection_check_interval')));
    }
  });

  void it('sets max_parallel_maintenance_workers when asked (0 included) and the server has it', () => {
    const server = serverCapabilities(150000);
    assert.deepEqual(buildSettings({ ...BASE, maxParallelMaintenanceWorkers: 0 }, server), [
      'SET lock_timeout = 5000',
      'SET statement_timeout = 0',
      `SET client_connection_check_interval = ${CLIENT_CHECK_INTERVAL_MS}`,
      'SET max_parallel_maintenance_workers = 0',
    ]);
    assert.ok(
      buildSettings({ ...BASE, maxParallelMaintenanceWorkers: 4 }, server).includes(
        'SET max_parallel_maintenance_workers = 4',
      ),
    );
    assert.ok(
      !buildSettings(BASE, server).some((s) => s.includes('max_parallel_maintenance_workers')),
      "not asked: the server's setting stays",
    );
    assert.ok(
      !buildSettings({ ...BASE, maxParallelMaintenanceWorkers: 0 }, serverCapabilities(100000)).some((s) =>
        s.includes('max_parallel_maintenance_workers'),
      ),
      'PostgreSQL 10 has no such setting',
    );
  });

  void it('rejects a worker count that is not a whole number from 0 to 1024', () => {
    const server = serverCapabilities(150000);
    for (const bad of [-1, 1.5, 1025, Number.NaN]) {
      assert.throws(
        () => buildSettings({ ...BASE, maxParallelMaintenanceWorkers: bad }, server),
        (e: unknown) => e instanceof UsageError && /max_parallel_maintenance_workers/.test(e.message),
        String(bad),
      );
    }
  });
});

void describe('build session settings on the server', () => {
  void it('the CREATE INDEX runs with the lock timeout, connection check and worker count asked for', async () => {
    const db = await freshPostgres('iopbuildsession');
    const admin = new pg.Client({ connectionString: db.url });
    await admin.connect();
    try {
      await recordSettingsAndBuild(db.url, admin);
    } finally {
      await admin.end();
    }
  });
});

/** Installs the event trigger, builds one index through the dialect, and checks what it recorded. */
async function recordSettingsAndBuild(url: string, admin: pg.Client): Promise<void> {
  await admin.query('CREATE TABLE accounts (id integer PRIMARY KEY, email text NOT NULL)');
  await admin.query('CREATE TABLE seen (setting text, value text)');
  await admin.query(`CREATE FUNCTION record_build_settings() RETURNS event_trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO seen VALUES
          ('pid', pg_backend_pid()::text),
          ('lock_timeout', current_setting('lock_timeout')),
          ('client_connection_check_interval', current_setting('client_connection_check_interval')),
          ('max_parallel_maintenance_workers', current_setting('max_parallel_maintenance_workers'));
      END $$`);
  await admin.query(
    `CREATE EVENT TRIGGER record_build_settings ON ddl_command_start WHEN TAG IN ('CREATE INDEX')
       EXECUTE FUNCTION record_build_settings()`,
  );
  const version = Number(
    (await admin.query<{ v: string }>(`SELECT current_setting('server_version_num') AS v`)).rows[0]?.v,
  );
  assert.ok(version >= 140000, `this test needs PostgreSQL 14 or later (server_version_num ${version})`);
  const defaults = await admin.query<{ name: string; setting: string }>(
    `SELECT name, setting FROM pg_settings
        WHERE name IN ('client_connection_check_interval', 'max_parallel_maintenance_workers')`,
  );
  const server = Object.fromEntries(defaults.rows.map((r) => [r.name, r.setting]));
  // The server's own values differ from what the build asks for, so the build's values come from it.
  assert.equal(server['client_connection_check_interval'], '0');
  assert.notEqual(server['max_parallel_maintenance_workers'], '0');

  const dialect = await openDialect(url);
  let pid: string | undefined;
  try {
    await dialect.createIndex(testIndex('idx_accounts_email', 'accounts', 'email'), {
      ...BASE,
      lockTimeoutMs: 1234,
      maxParallelMaintenanceWorkers: 0,
    });
    const first = await seenSettings(admin);
    pid = first['pid'];
    assert.deepEqual(first, {
      pid,
      lock_timeout: '1234ms',
      client_connection_check_interval: `${CLIENT_CHECK_INTERVAL_MS / 1000}s`,
      max_parallel_maintenance_workers: '0',
    });
    // The next build takes the same session; settings it does not ask for are back to the server's.
    await dialect.createIndex(
      testIndex('idx_accounts_email_desc', 'accounts', 'email', {
        columns: [{ name: 'email', order: 'DESC' }],
      }),
      BASE,
    );
    assert.deepEqual(await seenSettings(admin), {
      pid,
      lock_timeout: '5s',
      client_connection_check_interval: `${CLIENT_CHECK_INTERVAL_MS / 1000}s`,
      max_parallel_maintenance_workers: server['max_parallel_maintenance_workers'],
    });
    // The server ends the idle session: the next build runs on a new one.
    await admin.query('SELECT pg_terminate_backend($1)', [Number(pid)]);
    await waitGone(admin, pid);
    await dialect.createIndex(testIndex('idx_accounts_id_email', 'accounts', 'id'), BASE);
    const third = (await seenSettings(admin))['pid'];
    assert.ok(third !== undefined && third !== pid, 'a new session after the server ended the last');
    await dialect.releaseSessions();
    await waitGone(admin, third);
  } finally {
    await dialect.close();
  }
}

/** Waits until the backend is gone (releaseSessions, or the server ended it); fails after 10 s. */
async function waitGone(admin: pg.Client, pid: string | undefined): Promise<void> {
  const deadline = Date.now() + 10_000;
  while ((await admin.query('SELECT 1 FROM pg_stat_activity WHERE pid = $1', [Number(pid)])).rowCount) {
    assert.ok(Date.now() < deadline, `session ${pid} ended`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** What the event trigger recorded for the last CREATE INDEX (and clears it). */
async function seenSettings(admin: pg.Client): Promise<Record<string, string>> {
  const seen = await admin.query<{ setting: string; value: string }>('SELECT setting, value FROM seen');
  await admin.query('DELETE FROM seen');
  return Object.fromEntries(seen.rows.map((r) => [r.setting, r.value]));
}
