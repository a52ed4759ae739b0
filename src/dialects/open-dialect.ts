import type { Logger } from '../log.js';
import { parseDatabaseUrl } from './database-url.js';
import type { Dialect } from './dialect.js';
import { PostgresDialect } from './postgres-dialect.js';
import { SqliteDialect } from './sqlite-dialect.js';

export interface OpenDialectOptions {
  /** How long the first connection may take before it is a UsageError (PostgreSQL). Default 10 s. */
  readonly connectTimeoutMs?: number;
  /** SQLite busy_timeout of the connection, ms. Default 5 s. */
  readonly busyTimeoutMs?: number;
  /** Size of the PostgreSQL query pool (index builds use their own sessions). Default 4. */
  readonly poolSize?: number;
  /** Receives warnings about connections lost while idle. */
  readonly log?: Logger;
}

export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
export const DEFAULT_BUSY_TIMEOUT_MS = 5_000;

/**
 * Opens the database a URL names: `postgres://` / `postgresql://` URLs, `sqlite:<path>`,
 * `sqlite://<path>`, `sqlite::memory:`. Throws a UsageError for a malformed URL, an unknown scheme or a
 * database that cannot be reached (the message names host, port, database and user, never a password).
 */
export async function openDialect(url: string, options: OpenDialectOptions = {}): Promise<Dialect> {
  const parsed = parseDatabaseUrl(url);
  if (parsed.dialect === 'sqlite') {
    return SqliteDialect.open(parsed.path, {
      busyTimeoutMs: options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS,
    });
  }
  return PostgresDialect.open(parsed, {
    connectTimeoutMs: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    poolSize: options.poolSize ?? 4,
    ...(options.log === undefined ? {} : { log: options.log }),
  });
}
