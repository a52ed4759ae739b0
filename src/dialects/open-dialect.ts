import { existsSync } from 'node:fs';
import { UsageError } from '../errors.js';
import type { Logger } from '../log.js';
import { parseDatabaseUrl } from './database-url.js';
import type { Dialect } from './dialect.js';
import { MariadbDialect } from './mariadb-dialect.js';
import { PostgresDialect } from './postgres-dialect.js';
import { SqliteDialect } from './sqlite-dialect.js';

export interface OpenDialectOptions {
  /** How long the first connection may take before it is a UsageError (PostgreSQL). Default 10 s. */
  readonly connectTimeoutMs?: number;
  /** SQLite busy_timeout of the connection, ms. Default 5 s. */
  readonly busyTimeoutMs?: number;
  /** Size of the PostgreSQL / MariaDB query pool (index builds use their own sessions). Default 4. */
  readonly poolSize?: number;
  /** Receives warnings about connections lost while idle. */
  readonly log?: Logger;
  /**
   * SQLite: create the file when it does not exist (default true). Commands that only read or change an
   * existing database pass false, so that a mistyped path is an error instead of a new empty database.
   */
  readonly create?: boolean;
  /**
   * The command only reads: SQLite opens the existing file read-only (a read-only file or mount works,
   * and nothing can be written by mistake). PostgreSQL is unaffected.
   */
  readonly readOnly?: boolean;
}

export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
export const DEFAULT_BUSY_TIMEOUT_MS = 5_000;

/**
 * Opens the database a URL names: `postgres://` / `postgresql://` URLs, `mariadb://` / `mysql://` URLs, `sqlite:<path>`,
 * `sqlite://<path>`, `sqlite::memory:`. Throws a UsageError for a malformed URL, an unknown scheme or a
 * database that cannot be reached (the message names host, port, database and user, never a password).
 */
export async function openDialect(url: string, options: OpenDialectOptions = {}): Promise<Dialect> {
  const parsed = parseDatabaseUrl(url);
  if (parsed.dialect === 'sqlite') {
    const mustExist = options.create === false || options.readOnly === true;
    if (mustExist && parsed.path !== ':memory:' && !existsSync(parsed.path)) {
      throw new UsageError(
        `SQLite database file ${parsed.path} does not exist; check the path in --database ` +
          '(or DATABASE_URL), or create the database first (seed creates one)',
        { reason: 'bad_url' },
      );
    }
    return SqliteDialect.open(parsed.path, {
      busyTimeoutMs: options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS,
      readOnly: options.readOnly === true && parsed.path !== ':memory:',
    });
  }
  if (parsed.dialect === 'mariadb') {
    return MariadbDialect.open(parsed, {
      connectTimeoutMs: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
      poolSize: options.poolSize ?? 4,
      ...(options.log === undefined ? {} : { log: options.log }),
    });
  }
  return PostgresDialect.open(parsed, {
    connectTimeoutMs: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    poolSize: options.poolSize ?? 4,
    ...(options.log === undefined ? {} : { log: options.log }),
  });
}
