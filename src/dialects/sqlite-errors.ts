import type { ClassifiedDbError } from './dialect.js';
import { classifyAppError, errorCode } from './classify.js';

/** Classifies a better-sqlite3 error by its result code (`SQLITE_BUSY`, `SQLITE_CONSTRAINT_UNIQUE`...). */
export function classifySqliteError(e: unknown): ClassifiedDbError {
  const app = classifyAppError(e);
  if (app) return app;
  const code = errorCode(e);
  if (code === undefined) return { errorClass: 'permanent', code, reason: 'other' };
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
    return { errorClass: 'transient', code, reason: 'busy' };
  }
  if (code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
    return { errorClass: 'permanent', code, reason: 'unique_violation' };
  }
  if (code === 'SQLITE_READONLY' || code.startsWith('SQLITE_PERM') || code.startsWith('SQLITE_AUTH')) {
    return { errorClass: 'permanent', code, reason: 'permission_denied' };
  }
  return { errorClass: 'permanent', code, reason: 'other' };
}

/**
 * The driver's message, and for SQLITE_BUSY what was waited: `database is locked (SQLITE_BUSY): another
 * connection holds the write lock; waited the busy timeout of 5000ms`.
 */
export function describeSqliteError(e: unknown, busyTimeoutMs: number): string {
  const said = e instanceof Error ? e.message : String(e);
  if (classifySqliteError(e).reason !== 'busy') return said;
  return (
    `${said} (${errorCode(e) ?? 'SQLITE_BUSY'}): another connection holds the write lock on the file; ` +
    `waited the busy timeout of ${busyTimeoutMs}ms`
  );
}
