/**
 * Turning a failed first connection into a message a user can act on: names host, port, database and
 * user, never the password. Unreachable host, bad credentials and a missing database are usage errors.
 */
import { UsageError, errorMessage } from '../errors.js';
import { redactUrl } from '../redact.js';
import { errorCode, wrapDbError } from './classify.js';
import type { DatabaseUrl } from './database-url.js';
import { classifyPostgresError } from './postgres-errors.js';

type PostgresUrl = Extract<DatabaseUrl, { dialect: 'postgresql' }>;

/** Thrown by withDeadline when the promise did not settle in time. */
export class DeadlineExceeded extends Error {
  override readonly name = 'DeadlineExceeded';
}

/** Rejects with DeadlineExceeded after ms; the underlying work is not cancelled. */
export async function withDeadline<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DeadlineExceeded(`no answer within ${ms}ms`)), ms);
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

const WHY_BY_CODE: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused; check the host and port and that PostgreSQL is running',
  ENOTFOUND: 'host not found; check the host name',
  EAI_AGAIN: 'host name lookup failed; check the host name and DNS',
  EHOSTUNREACH: 'host unreachable; check the host and the network',
  ETIMEDOUT: 'connection timed out; check the host, port and firewall',
  '28P01': 'authentication failed; check the user and password',
  '28000': 'authentication rejected (pg_hba.conf or the role is not allowed to log in); check the user',
  '3D000': 'the database does not exist; check the database name',
};

export function postgresConnectError(url: PostgresUrl, e: unknown, timeoutMs: number): Error {
  const where =
    `PostgreSQL at ${url.host}:${url.port} (database ${url.database}` +
    `${url.user === undefined ? '' : `, user ${url.user}`})`;
  if (e instanceof DeadlineExceeded) {
    return new UsageError(
      `cannot connect to ${where}: no answer within ${Math.round(timeoutMs / 100) / 10}s; ` +
        'check the host, port and firewall',
      { cause: e, reason: 'connection' },
    );
  }
  const code = errorCode(e);
  const why = code === undefined ? undefined : WHY_BY_CODE[code];
  if (why !== undefined)
    return new UsageError(`cannot connect to ${where}: ${why}`, { cause: e, code, reason: 'connection' });
  const classified = classifyPostgresError(e);
  const said = driverSaid(e, url.password);
  return wrapDbError(
    `cannot connect to ${where}${said === '' ? '' : `: ${said}`} (${code ?? classified.reason})`,
    classified,
    e,
  );
}

/** The driver's own words for a failure we have no advice for (e.g. "The server does not support SSL connections"), never the password. */
function driverSaid(e: unknown, password: string | undefined): string {
  const text = redactUrl(errorMessage(e)).trim();
  return password === undefined || password === '' ? text : text.split(password).join('[redacted]');
}
