/**
 * Classification of MariaDB errors by their server error number (`errno`, e.g. 1205
 * ER_LOCK_WAIT_TIMEOUT), never by message text. The code reported is the driver's symbolic name.
 */
import { classifyAppError, errorCode } from './classify.js';
import type { ClassifiedDbError } from './dialect.js';

type Entry = Pick<ClassifiedDbError, 'errorClass' | 'reason'>;

const transient = (reason: string): Entry => ({ errorClass: 'transient', reason });
const permanent = (reason: string): Entry => ({ errorClass: 'permanent', reason });

/** Server error numbers we know. */
export const BY_ERRNO: Readonly<Record<number, Entry>> = {
  1205: transient('lock_timeout'), // ER_LOCK_WAIT_TIMEOUT: row lock or metadata lock (lock_wait_timeout)
  1213: transient('deadlock'), // ER_LOCK_DEADLOCK
  1969: transient('statement_timeout'), // ER_STATEMENT_TIMEOUT (max_statement_time)
  1317: transient('connection'), // ER_QUERY_INTERRUPTED (KILL QUERY)
  1927: transient('connection'), // ER_CONNECTION_KILLED
  1053: transient('connection'), // ER_SERVER_SHUTDOWN
  1040: transient('connection'), // ER_CON_COUNT_ERROR
  1534: transient('online_log_overflow'), // ER_INNODB_ONLINE_LOG_TOO_BIG
  1845: permanent('online_impossible'), // ER_ALTER_OPERATION_NOT_SUPPORTED
  1846: permanent('online_impossible'), // ER_ALTER_OPERATION_NOT_SUPPORTED_REASON
  1062: permanent('unique_violation'), // ER_DUP_ENTRY
  1586: permanent('unique_violation'), // ER_DUP_ENTRY_WITH_KEY_NAME
  1061: permanent('duplicate_object'), // ER_DUP_KEYNAME
  1050: permanent('duplicate_object'), // ER_TABLE_EXISTS_ERROR
  1146: permanent('undefined_object'), // ER_NO_SUCH_TABLE
  1054: permanent('undefined_object'), // ER_BAD_FIELD_ERROR
  1091: permanent('undefined_object'), // ER_CANT_DROP_FIELD_OR_KEY
  1176: permanent('undefined_object'), // ER_KEY_DOES_NOT_EXISTS
  1071: permanent('key_too_long'), // ER_TOO_LONG_KEY
  1170: permanent('key_too_long'), // ER_BLOB_KEY_WITHOUT_LENGTH
  1553: permanent('needed_by_foreign_key'), // ER_DROP_INDEX_FK
  1044: permanent('permission_denied'), // ER_DBACCESS_DENIED_ERROR
  1045: permanent('permission_denied'), // ER_ACCESS_DENIED_ERROR
  1698: permanent('permission_denied'), // ER_ACCESS_DENIED_NO_PASSWORD_ERROR
  1142: permanent('permission_denied'), // ER_TABLEACCESS_DENIED_ERROR
  1227: permanent('permission_denied'), // ER_SPECIFIC_ACCESS_DENIED_ERROR
};

/** Driver codes of a connection that is gone (45xxx are the connector's own), and socket errnos. */
const CONNECTION_CODES = new Set([
  'ER_SOCKET_UNEXPECTED_CLOSE',
  'ER_CONNECTION_ALREADY_CLOSED',
  'ER_CONN_PVT_KEY_ENCRYPTED',
  'ER_GET_CONNECTION_TIMEOUT',
  'ER_CONNECTION_TIMEOUT',
  'ER_SOCKET_TIMEOUT',
  'ER_CLOSING_POOL',
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
]);

/** The server error number of a driver error, if it has one. */
export function errnoOf(e: unknown): number | undefined {
  if (typeof e !== 'object' || e === null) return undefined;
  const errno = (e as { errno?: unknown }).errno;
  return typeof errno === 'number' && errno > 0 ? errno : undefined;
}

/**
 * The code this dialect records for a server error is its number as text ('1205'); read back from the
 * bookkeeping (the operator's status and metrics) it classifies as the error did. Driver codes are names
 * (`ER_…`, `ECONNREFUSED`), never digits.
 */
function recordedErrno(code: string | undefined): number | undefined {
  return code !== undefined && /^[1-9][0-9]{0,5}$/.test(code) ? Number(code) : undefined;
}

/** Classifies a `mariadb` driver error (or an AppError the dialect already wrapped). */
export function classifyMariadbError(e: unknown): ClassifiedDbError {
  const app = classifyAppError(e);
  if (app) return app;
  const code = errorCode(e);
  const errno = errnoOf(e) ?? recordedErrno(code);
  const known = errno === undefined ? undefined : BY_ERRNO[errno];
  // The server's error number is the code (short, as SQLSTATEs are: it fits the bookkeeping's column).
  if (known) return { ...known, code: String(errno) };
  if (errno !== undefined && errno < 45_000)
    return { errorClass: 'permanent', code: String(errno), reason: 'other' };
  if (code !== undefined && CONNECTION_CODES.has(code)) {
    return { errorClass: 'transient', code, reason: 'connection' };
  }
  if (isFatal(e)) return { errorClass: 'transient', code, reason: 'connection' };
  return { errorClass: 'permanent', code, reason: 'other' };
}

/** The driver marks errors that closed the connection `fatal`. */
function isFatal(e: unknown): boolean {
  return typeof e === 'object' && e !== null && (e as { fatal?: unknown }).fatal === true;
}

/** The server's own words (without the driver's `sql: ...` suffix that repeats the statement). */
export function describeMariadbError(e: unknown): string {
  if (typeof e === 'object' && e !== null) {
    const text = (e as { sqlMessage?: unknown }).sqlMessage;
    if (typeof text === 'string' && text !== '') return text;
  }
  return e instanceof Error ? (e.message.split('\nsql:')[0] ?? e.message) : String(e);
}
