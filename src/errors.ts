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
  /**
   * The failure itself, without the context this error's message adds (`create index x failed (…): `):
   * a caller that states the context itself composes its message from this (see failureDetail), so a
   * message never repeats its prefix. Defaults to the message.
   */
  readonly detail?: string;
}

abstract class ClassifiedError extends Error {
  abstract readonly errorClass: ErrorClass;
  readonly code: string | undefined;
  readonly reason: string;
  readonly detail: string;

  constructor(message: string, details: ErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.code = details.code;
    this.reason = details.reason ?? 'other';
    this.detail = details.detail ?? message;
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

/**
 * What went wrong, for a caller that adds its own context (`create index … (phase p) failed (55P03
 * lock_timeout): <detail>`): an error of ours gives its detail (its message without its own context
 * prefix), anything else its message.
 */
export function failureDetail(e: unknown): string {
  return isAppError(e) ? e.detail : errorMessage(e);
}

/** CLI exit code for a failure. */
export function exitCodeFor(e: unknown): 1 | 2 {
  return e instanceof UsageError ? 2 : 1;
}
