/**
 * The kinds of failure, defined once. Everything that crosses a module boundary is one of these, or it
 * is a bug (logged with stack, counted, retried with backoff by whoever runs it).
 *
 * - UsageError: bad input from the user (flags, URL, catalogue, spec). Exit code 2; nothing was changed.
 * - PermanentError: the run cannot succeed by retrying (unique violation while building a unique index,
 *   permission denied, definition conflict). Exit code 1; the phase fails and is rolled back as asked.
 * - TransientError: retrying later may succeed (lock timeout, deadlock, lost connection, HTTP 409).
 */
export type ErrorClass = 'usage' | 'permanent' | 'transient';

export interface ErrorDetails {
  readonly cause?: unknown;
  /** SQLSTATE or another machine-readable code, when one is known. */
  readonly code?: string;
  /** Bounded reason class for metrics (`lock_timeout`, `unique_violation`, ...). */
  readonly reason?: string;
}

abstract class ClassifiedError extends Error {
  abstract readonly errorClass: ErrorClass;
  readonly code: string | undefined;
  readonly reason: string;

  constructor(message: string, details: ErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.code = details.code;
    this.reason = details.reason ?? 'other';
  }
}

export class UsageError extends ClassifiedError {
  override readonly name = 'UsageError';
  readonly errorClass = 'usage';
}

export class PermanentError extends ClassifiedError {
  override readonly name = 'PermanentError';
  readonly errorClass = 'permanent';
}

export class TransientError extends ClassifiedError {
  override readonly name = 'TransientError';
  readonly errorClass = 'transient';
}

export type AppError = UsageError | PermanentError | TransientError;

export function isAppError(e: unknown): e is AppError {
  return e instanceof UsageError || e instanceof PermanentError || e instanceof TransientError;
}

/** A short message for any thrown value, never a stack. */
export function errorMessage(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}

/** CLI exit code for a failure. */
export function exitCodeFor(e: unknown): 1 | 2 {
  return e instanceof UsageError ? 2 : 1;
}
