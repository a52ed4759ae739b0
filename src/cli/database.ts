/**
 * Opening the target database for a command: the URL is checked first (UsageError, nothing touched),
 * then one probe query proves the connection before any work starts. A database that cannot be reached
 * is a usage error (exit 2) whose message names the target (host:port/database or file), never the
 * password.
 */
import type { GlobalConfig } from '../config.js';
import { requireDatabaseUrl } from '../config.js';
import type { Dialect } from '../dialects/dialect.js';
import { describeTarget, parseDatabaseUrl } from '../dialects/database-url.js';
import { openDialect } from '../dialects/open-dialect.js';
import { UsageError, errorMessage } from '../errors.js';
import { redactUrl } from '../redact.js';
import type { Logger } from '../log.js';

export interface OpenOptions {
  /** SQLite: create the file when missing (seed, demo); other commands refuse a missing file. */
  readonly create?: boolean;
  /** The command only reads (plan, status, health, verify): SQLite opens the file read-only. */
  readonly readOnly?: boolean;
}

/** For commands that only read. */
export const READ_ONLY: OpenOptions = { readOnly: true };

/** Opens and probes the database named by --database / DATABASE_URL. The caller closes it. */
export async function openDatabase(
  global: GlobalConfig,
  log?: Logger,
  options: OpenOptions = {},
): Promise<Dialect> {
  const url = requireDatabaseUrl(global);
  const target = describeTarget(parseDatabaseUrl(url));
  let dialect: Dialect;
  try {
    dialect = await openDialect(url, {
      create: options.create ?? false,
      readOnly: options.readOnly ?? false,
      ...(log === undefined ? {} : { log }),
    });
  } catch (e) {
    throw e instanceof UsageError ? e : cannotConnect(target, e);
  }
  try {
    await dialect.query('SELECT 1 AS ok');
  } catch (e) {
    await dialect.close().catch(() => undefined);
    throw cannotConnect(target, e);
  }
  return dialect;
}

/** Runs fn with an open database and always closes it. */
export async function withDatabase<T>(
  global: GlobalConfig,
  log: Logger | undefined,
  fn: (dialect: Dialect) => Promise<T>,
  options: OpenOptions = {},
): Promise<T> {
  const dialect = await openDatabase(global, log, options);
  try {
    return await fn(dialect);
  } finally {
    await dialect.close();
  }
}

/** A usage error for a database that could not be opened; the dialect's own "cannot connect to …" is not repeated. */
export function cannotConnect(target: string, cause: unknown): UsageError {
  const code = (cause as { code?: unknown } | null)?.code;
  const said = redactUrl(errorMessage(cause));
  return new UsageError(
    `${said.startsWith('cannot connect to ') ? said : `cannot connect to ${target}: ${said}`}; check the host, ` +
      'port, database name and credentials in --database (or DATABASE_URL) and that the server is running',
    { cause, reason: 'connection', ...(typeof code === 'string' ? { code } : {}) },
  );
}
