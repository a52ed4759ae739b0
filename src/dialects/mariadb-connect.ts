/**
 * A failed first MariaDB connection as a message a user can act on: names host, port, database and
 * user, never the password. Unreachable host, bad credentials and a missing database are usage errors.
 */
import { UsageError } from '../errors.js';
import { redactUrl } from '../redact.js';
import { errorCode, wrapDbError } from './classify.js';
import type { DatabaseUrl } from './database-url.js';
import { requestsTls } from './mariadb-tls.js';
import { classifyMariadbError, describeMariadbError, errnoOf } from './mariadb-errors.js';
import { DeadlineExceeded } from './postgres-connect.js';

export type MariadbUrl = Extract<DatabaseUrl, { dialect: 'mariadb' }>;

const WHY_BY_CODE: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused; check the host and port and that MariaDB is running',
  ENOTFOUND: 'host not found; check the host name',
  EAI_AGAIN: 'host name lookup failed; check the host name and DNS',
  EHOSTUNREACH: 'host unreachable; check the host and the network',
  ETIMEDOUT: 'connection timed out; check the host, port and firewall',
  ER_CONNECTION_TIMEOUT: 'connection timed out; check the host, port and firewall',
  ER_SERVER_SSL_DISABLED:
    'sslMode asks for TLS but the server has TLS switched off; enable TLS on the server or use sslMode=disable',
};

const WHY_BY_ERRNO: Readonly<Record<number, string>> = {
  1045: 'access denied; check the user and password',
  1698: 'access denied; check the user and password',
  1044: 'the user may not use this database; check the user and the database name',
  1049: 'the database does not exist; check the database name',
  1130: 'this host may not connect; check the user and the hosts it may connect from',
};

const PLAIN_REFUSED =
  ', or the server requires TLS (require_secure_transport): add ?sslMode=verify-full (or verify-ca, trust)';

export function mariadbConnectError(url: MariadbUrl, e: unknown, timeoutMs: number): Error {
  const where =
    `MariaDB at ${url.host}:${url.port} (database ${url.database}` +
    `${url.user === undefined ? '' : `, user ${url.user}`})`;
  if (e instanceof DeadlineExceeded) {
    return new UsageError(
      `cannot connect to ${where}: no answer within ${Math.round(timeoutMs / 100) / 10}s; ` +
        'check the host, port and firewall',
      { cause: e, reason: 'connection' },
    );
  }
  const code = errorCode(e);
  const errno = errnoOf(e);
  const why = (errno === undefined ? undefined : WHY_BY_ERRNO[errno]) ?? (code && WHY_BY_CODE[code]);
  // A server with require_secure_transport refuses a session without TLS as access denied (1045).
  const plain = errno === 1045 && !requestsTls(url.sslMode) ? PLAIN_REFUSED : '';
  if (why)
    return new UsageError(`cannot connect to ${where}: ${why}${plain}`, {
      cause: e,
      code,
      reason: 'connection',
    });
  const said = redact(describeMariadbError(e), url.password);
  const classified = classifyMariadbError(e);
  return wrapDbError(
    `cannot connect to ${where}${said === '' ? '' : `: ${said}`} (${code ?? classified.reason})`,
    classified,
    e,
  );
}

function redact(text: string, password: string | undefined): string {
  const clean = redactUrl(text).trim();
  return password === undefined || password === '' ? clean : clean.split(password).join('[redacted]');
}
