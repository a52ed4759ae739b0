/**
 * Error classification shared by the dialects: each dialect maps its driver's codes to a
 * ClassifiedDbError; these helpers turn that into one of the error kinds of errors.ts.
 */
import { PermanentError, TransientError, UsageError, isAppError, type AppError } from '../errors.js';
import type { ClassifiedDbError } from './dialect.js';

/** The `code` property of a driver error (SQLSTATE, SQLite code, Node errno), if it has one. */
export function errorCode(e: unknown): string | undefined {
  if (typeof e !== 'object' || e === null) return undefined;
  const code = (e as { code?: unknown }).code;
  if (typeof code === 'string') return code;
  // Node's happy-eyeballs connect reports an AggregateError whose parts carry the code.
  const errors = (e as { errors?: unknown }).errors;
  return Array.isArray(errors) ? errorCode(errors[0]) : undefined;
}

/** An AppError keeps the class it was given; the dialects wrap driver errors into one. */
export function classifyAppError(e: unknown): ClassifiedDbError | undefined {
  if (!isAppError(e)) return undefined;
  return { errorClass: e.errorClass, code: e.code, reason: e.reason };
}

/**
 * Wraps a driver error with context, keeping its classification (class, code, reason). `detail` is the
 * failure without the context (see ErrorDetails.detail): give it whenever `message` adds a prefix.
 */
export function wrapDbError(
  message: string,
  classified: ClassifiedDbError,
  cause: unknown,
  detail?: string,
): AppError {
  const details = {
    cause,
    code: classified.code,
    reason: classified.reason,
    ...(detail === undefined ? {} : { detail }),
  };
  switch (classified.errorClass) {
    case 'transient':
      return new TransientError(message, details);
    case 'permanent':
      return new PermanentError(message, details);
    case 'usage':
      return new UsageError(message, details);
  }
}
