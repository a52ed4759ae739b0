import type { ClassifiedDbError } from './dialect.js';
import { classifyAppError, errorCode } from './classify.js';

type Entry = Pick<ClassifiedDbError, 'errorClass' | 'reason'>;

/** PostgreSQL SQLSTATEs we know, by exact code. Classification is by code only, never message text. */
const BY_SQLSTATE: Readonly<Record<string, Entry>> = {
  '55P03': { errorClass: 'transient', reason: 'lock_timeout' },
  '57014': { errorClass: 'transient', reason: 'statement_timeout' },
  '40P01': { errorClass: 'transient', reason: 'deadlock' },
  '40001': { errorClass: 'transient', reason: 'serialization' },
  '57P01': { errorClass: 'transient', reason: 'connection' },
  '57P02': { errorClass: 'transient', reason: 'connection' },
  '57P03': { errorClass: 'transient', reason: 'connection' },
  '53300': { errorClass: 'transient', reason: 'connection' },
  '23505': { errorClass: 'permanent', reason: 'unique_violation' },
  '42501': { errorClass: 'permanent', reason: 'permission_denied' },
  '42P07': { errorClass: 'permanent', reason: 'duplicate_object' },
  '42P01': { errorClass: 'permanent', reason: 'undefined_object' },
  '42703': { errorClass: 'permanent', reason: 'undefined_object' },
  '42704': { errorClass: 'permanent', reason: 'undefined_object' },
};

/** Node socket errors: the connection is gone, a retry on a new one may work. */
const CONNECTION_ERRNOS = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
]);

/** Classifies a `pg` error (or an AppError the dialect already wrapped). */
export function classifyPostgresError(e: unknown): ClassifiedDbError {
  const app = classifyAppError(e);
  if (app) return app;
  const code = errorCode(e);
  if (code === undefined) return { errorClass: 'permanent', code, reason: 'other' };
  const known = BY_SQLSTATE[code];
  if (known) return { ...known, code };
  if (code.startsWith('08') || CONNECTION_ERRNOS.has(code)) {
    return { errorClass: 'transient', code, reason: 'connection' };
  }
  return { errorClass: 'permanent', code, reason: 'other' };
}
