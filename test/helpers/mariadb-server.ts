/**
 * A MariaDB server of a test's own, for what the shared one on 127.0.0.1:3306 cannot be set to (server
 * options such as performance_schema or TLS): a fresh data directory made by mariadb-install-db in a temp
 * dir, mariadbd on a free port of 127.0.0.1 with the given options, stopped (by its own pid) and removed
 * when the test file ends. Fails, never skips, when mariadbd is missing.
 */
import { after } from 'node:test';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import mariadb from 'mariadb';
import { freePort } from './free-port.js';

export interface OwnMariadb {
  readonly port: number;
  readonly dir: string;
  /** mariadb:// URL of `database` on this server, as root (no password). */
  url(database: string): string;
}

async function ready(port: number, child: ChildProcess, deadlineMs: number, tls: boolean): Promise<void> {
  const until = Date.now() + deadlineMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`mariadbd exited with ${child.exitCode} before it listened`);
    try {
      const c = await mariadb.createConnection({
        host: '127.0.0.1',
        port,
        user: 'root',
        connectTimeout: 1000,
        ...(tls ? { ssl: { rejectUnauthorized: false } } : {}),
      });
      await c.end();
      return;
    } catch (e) {
      if (Date.now() > until)
        throw new Error(`mariadbd on port ${port} not ready in ${deadlineMs} ms`, { cause: e });
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

/** Starts a server with `options` (mariadbd flags, e.g. `--performance-schema=ON`). */
export async function startOwnMariadb(
  options: readonly string[],
  prefix = 'iop-mariadbd',
): Promise<OwnMariadb> {
  const dir = mkdtempSync(join(tmpdir(), `${prefix}-`));
  const data = join(dir, 'data');
  // A tmpdir of its own: a starting mariadbd deletes every `#sql*` file in its tmpdir as a previous run's
  // leftovers, and in the shared /tmp those are the shared server's live temporary tables (its queries
  // then fail: "Error on delete of '/tmp/#sql-temptable-….MAI' (Errcode: 2)", seen 2026-12-03).
  const tmp = join(dir, 'tmp');
  mkdirSync(tmp);
  const install = spawnSync(
    'mariadb-install-db',
    [
      '--no-defaults',
      `--datadir=${data}`,
      `--tmpdir=${tmp}`,
      '--auth-root-authentication-method=normal',
      '--skip-test-db',
    ],
    { encoding: 'utf8' },
  );
  if (install.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(
      `mariadb-install-db failed (install Debian's mariadb-server): ${install.stderr || install.error}`,
    );
  }
  // root@localhost (127.0.0.1 resolves to it) by password, an empty one: install-db's root uses unix_socket.
  const init = join(dir, 'init.sql');
  writeFileSync(
    init,
    "ALTER USER 'root'@'localhost' IDENTIFIED VIA mysql_native_password USING PASSWORD('');\n",
  );
  const port = await freePort();
  const child = spawn(
    '/usr/sbin/mariadbd',
    [
      '--no-defaults',
      `--datadir=${data}`,
      `--tmpdir=${tmp}`,
      `--port=${port}`,
      '--bind-address=127.0.0.1',
      `--socket=${join(dir, 'mysqld.sock')}`,
      `--pid-file=${join(dir, 'mysqld.pid')}`,
      `--user=${userInfo().username}`,
      // The privilege system is on (root@localhost without a password, from mariadb-install-db): with
      // --skip-grant-tables the server checks no account rules, require_secure_transport among them.
      `--init-file=${init}`,
      '--innodb-buffer-pool-size=64M',
      ...options,
    ],
    { stdio: 'ignore' },
  );
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 20_000))]);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
    rmSync(dir, { recursive: true, force: true });
  };
  after(stop);
  try {
    await ready(
      port,
      child,
      60_000,
      options.some((o) => o.startsWith('--ssl-cert')),
    );
  } catch (e) {
    // A file whose top level throws here never runs its after hooks: stop the server now.
    await stop();
    throw e;
  }
  return { port, dir, url: (database) => `mariadb://root@127.0.0.1:${port}/${database}` };
}
