/**
 * Real databases for tests. Each call to `freshPostgres()` creates a new, empty PostgreSQL database on
 * 127.0.0.1 and drops it when the test file ends; `freshSqlite()` a file in a new temp dir.
 * When PostgreSQL is unreachable: with CI=true the test fails (never skips); locally it fails too,
 * with a message saying how to start the server.
 */
import { after } from 'node:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export const PG_HOST = process.env['TEST_PGHOST'] ?? '127.0.0.1';
export const PG_PORT = Number(process.env['TEST_PGPORT'] ?? 5432);
export const PG_USER = process.env['TEST_PGUSER'] ?? 'postgres';

export function adminUrl(database = 'postgres'): string {
  return `postgres://${PG_USER}@${PG_HOST}:${PG_PORT}/${database}`;
}

async function admin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
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
  await admin((c) => c.query(`CREATE DATABASE "${name}"`));
  after(async () => {
    await admin(async (c) => {
      await c.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1', [name]);
      await c.query(`DROP DATABASE IF EXISTS "${name}"`);
    });
  });
  return { name, url: adminUrl(name) };
}

/** A path for a new SQLite file in a temp dir removed after the test file. */
export function freshSqlite(prefix = 'ioptest'): FreshDatabase {
  const dir = mkdtempSync(join(tmpdir(), `${prefix}-`));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'test.db');
  return { name: file, url: `sqlite:${file}` };
}

export type DialectUnderTest = 'postgresql' | 'sqlite';
export const ALL_DIALECTS: readonly DialectUnderTest[] = ['postgresql', 'sqlite'];

/** A fresh database of the given dialect. */
export async function freshDatabase(dialect: DialectUnderTest, prefix?: string): Promise<FreshDatabase> {
  return dialect === 'postgresql' ? freshPostgres(prefix) : freshSqlite(prefix);
}
