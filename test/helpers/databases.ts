/**
 * Real databases for tests. Each call to `freshPostgres()` creates a new, empty PostgreSQL database on
 * 127.0.0.1 and drops it when the test file ends; `freshSqlite()` a file in a new temp dir.
 * `freshMariadb()` a new MariaDB database on 127.0.0.1:3306, dropped when the test file ends.
 * When a server is unreachable the test fails (never skips), with a message saying how to start it.
 */
import { after } from 'node:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import mariadb, { type Connection as MariadbConnection } from 'mariadb';
import pg from 'pg';

export const PG_HOST = process.env['TEST_PGHOST'] ?? '127.0.0.1';
export const PG_PORT = Number(process.env['TEST_PGPORT'] ?? 5432);
export const PG_USER = process.env['TEST_PGUSER'] ?? 'postgres';

export function adminUrl(database = 'postgres'): string {
  return `postgres://${PG_USER}@${PG_HOST}:${PG_PORT}/${database}`;
}

/** Runs fn on a connection to the server's `postgres` database (creating and dropping databases). */
export async function postgresAdmin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl() });
  try {
    await client.connect();
  } catch (e) {
    throw new Error(
      `PostgreSQL is not reachable at ${PG_HOST}:${PG_PORT} (${String(e)}); start it with ` +
        `'pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start'`,
      { cause: e },
    );
  }
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export interface FreshDatabase {
  readonly name: string;
  readonly url: string;
}

/** A new PostgreSQL database, dropped (with its sessions terminated) after the test file. */
export async function freshPostgres(prefix = 'ioptest'): Promise<FreshDatabase> {
  const name = `${prefix}_${randomBytes(5).toString('hex')}`;
  await postgresAdmin((c) => c.query(`CREATE DATABASE "${name}"`));
  after(() => dropPostgresDatabase(name));
  return { name, url: adminUrl(name) };
}

/** A path for a new SQLite file in a temp dir removed after the test file. */
export function freshSqlite(prefix = 'ioptest'): FreshDatabase {
  const dir = mkdtempSync(join(tmpdir(), `${prefix}-`));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'test.db');
  return { name: file, url: `sqlite:${file}` };
}

export const MARIADB_HOST = process.env['TEST_MARIADB_HOST'] ?? '127.0.0.1';
export const MARIADB_PORT = Number(process.env['TEST_MARIADB_PORT'] ?? 3306);
export const MARIADB_USER = process.env['TEST_MARIADB_USER'] ?? 'root';

export function mariadbUrl(database: string): string {
  return `mariadb://${MARIADB_USER}@${MARIADB_HOST}:${MARIADB_PORT}/${database}`;
}

/** Runs fn on a MariaDB session with no database selected; fails (never skips) when unreachable. */
export async function mariadbAdmin<T>(fn: (c: MariadbConnection) => Promise<T>): Promise<T> {
  let conn: MariadbConnection;
  try {
    conn = await mariadb.createConnection({
      host: MARIADB_HOST,
      port: MARIADB_PORT,
      user: MARIADB_USER,
      connectTimeout: 5000,
    });
  } catch (e) {
    throw new Error(
      `MariaDB is not reachable at ${MARIADB_HOST}:${MARIADB_PORT} (${String(e)}); start it with ` +
        `'start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd' (or .ci/run)`,
      { cause: e },
    );
  }
  try {
    return await fn(conn);
  } finally {
    await conn.end();
  }
}

/**
 * Fails (never skips) unless the shared MariaDB has `plugin` active, saying what needs it and how to
 * install it (.ci/run does): a test that relies on it would otherwise fail on a different message.
 */
export async function requireMariadbPlugin(plugin: string, neededFor: string): Promise<void> {
  const rows = await mariadbAdmin((c) =>
    c.query<{ status: string }[]>(
      'SELECT PLUGIN_STATUS AS status FROM information_schema.PLUGINS WHERE PLUGIN_NAME = ?',
      [plugin.toUpperCase()],
    ),
  );
  const status = rows[0]?.status;
  if (status === 'ACTIVE') return;
  throw new Error(
    `${neededFor} needs the MariaDB plugin ${plugin} at ${MARIADB_HOST}:${MARIADB_PORT}, which is ` +
      `${status === undefined ? 'not installed' : status}: run .ci/run, or as root: ` +
      `INSTALL SONAME '${plugin.toLowerCase()}'`,
  );
}

/** Runs fn on a raw MariaDB session on `database`, with the dialect's ANSI_QUOTES / PIPES_AS_CONCAT. */
export async function mariadbSession<T>(
  database: string,
  fn: (c: MariadbConnection) => Promise<T>,
): Promise<T> {
  const conn = await mariadb.createConnection({
    host: MARIADB_HOST,
    port: MARIADB_PORT,
    user: MARIADB_USER,
    database,
    bigIntAsNumber: true,
    decimalAsNumber: true,
    initSql: [`SET SESSION sql_mode = CONCAT_WS(',', @@sql_mode, 'ANSI_QUOTES', 'PIPES_AS_CONCAT')`],
  });
  try {
    return await fn(conn);
  } finally {
    await conn.end();
  }
}

/** A new MariaDB database, dropped (with its sessions killed) after the test file. */
export async function freshMariadb(prefix = 'ioptest'): Promise<FreshDatabase> {
  const name = `${prefix}_${randomBytes(5).toString('hex')}`;
  await mariadbAdmin((c) => c.query(`CREATE DATABASE \`${name}\``));
  after(() => dropMariadbDatabase(name));
  return { name, url: mariadbUrl(name) };
}

/** Ends the database's sessions (a killed runner's build may still run there) and drops it. */
export async function dropPostgresDatabase(name: string): Promise<void> {
  await postgresAdmin(async (c) => {
    await c.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1', [name]);
    await c.query(`DROP DATABASE IF EXISTS "${name}"`);
  });
}

/** Ends the database's sessions (a killed runner's build may still run there) and drops it. */
export async function dropMariadbDatabase(name: string): Promise<void> {
  await mariadbAdmin(async (c) => {
    const sessions = await c.query<{ id: number | bigint }[]>(
      'SELECT ID AS id FROM information_schema.PROCESSLIST WHERE DB = ?',
      [name],
    );
    for (const s of sessions) await c.query(`KILL ${Number(s.id)}`).catch(() => undefined);
    await c.query(`DROP DATABASE IF EXISTS \`${name}\``);
  });
}

export type DialectUnderTest = 'postgresql' | 'sqlite' | 'mariadb';
export const ALL_DIALECTS: readonly DialectUnderTest[] = ['postgresql', 'sqlite', 'mariadb'];

/**
 * The dialects a suite runs on before its MariaDB expectations are written (issue 15, open: the current
 * schema's seed with data). Not a skip: those suites never claim MariaDB; README Limits says
 * what is not yet checked there.
 */
export const DIALECTS_WITHOUT_MARIADB: readonly DialectUnderTest[] = ALL_DIALECTS.filter(
  (d) => d !== 'mariadb',
);

/** A fresh database of the given dialect. */
export async function freshDatabase(dialect: DialectUnderTest, prefix?: string): Promise<FreshDatabase> {
  switch (dialect) {
    case 'postgresql':
      return freshPostgres(prefix);
    case 'sqlite':
      return freshSqlite(prefix);
    case 'mariadb':
      return freshMariadb(prefix);
  }
}
