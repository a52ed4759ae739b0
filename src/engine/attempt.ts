/**
 * One recorded DDL attempt and the retry decision, shared by builds and drops: a build row is written
 * `running` before the statement and finished after it, so a crash leaves a row the next run settles.
 */
import { failureDetail } from '../errors.js';
import type { ClassifiedDbError } from '../dialects/dialect.js';
import type { BuildRow } from './bookkeeping-store.js';
import type { RunError } from './engine.js';
import { backoffDelay } from './retry.js';
import type { RunContext } from './run-context.js';
import type { IndexAction } from './run-observer.js';

export interface AttemptTarget {
  readonly phase: string;
  readonly name: string;
  readonly table: string;
  readonly action: Extract<IndexAction, 'create' | 'rebuild' | 'drop'>;
  readonly attempt: number;
}

/** A new build row, `running` and not owned; callers override what they already know. */
export function newBuildRow(
  ctx: RunContext,
  t: Omit<AttemptTarget, 'action'> & { readonly action: IndexAction },
  startedAt: string,
): BuildRow {
  return {
    id: ctx.nextId(),
    runId: ctx.runId,
    phase: t.phase,
    indexName: t.name,
    tableName: t.table,
    action: t.action,
    status: 'running',
    attempt: t.attempt,
    startedAt,
    finishedAt: null,
    durationMs: null,
    errorCode: null,
    errorMessage: null,
    owned: false,
  };
}

export type AttemptResult =
  | { readonly ok: true; readonly durationMs: number }
  | {
      readonly ok: false;
      readonly durationMs: number;
      readonly cause: unknown;
      readonly message: string;
      readonly classified: ClassifiedDbError;
    };

/**
 * Runs `ddl` between a `running` build row and its outcome. `detail` may add to a failure's message
 * (e.g. the duplicate key). On success the row is owned when `ownOnSuccess`.
 *
 * The row is written before the statement starts. With `overlap`, `ddl` starts while the row is being
 * written and is given the write (`rowWritten`) to await right before its statement, so that the
 * dialect's own checks before it (a session, the wait for writers) take no round trip of their own;
 * without, `ddl` starts once the row is written. A row that could not be written fails the attempt with
 * its own error, as before the statement, whatever ddl did meanwhile.
 */
export async function recordedAttempt(
  ctx: RunContext,
  t: AttemptTarget,
  ddl: (rowWritten: Promise<void>) => Promise<void>,
  options: {
    readonly ownOnSuccess: boolean;
    readonly overlap?: boolean;
    readonly detail?: (c: ClassifiedDbError) => Promise<string>;
  },
): Promise<AttemptResult> {
  const started = ctx.clock.now();
  const row = newBuildRow(ctx, t, new Date(started).toISOString());
  const id = row.id;
  const rowWritten = ctx.store.insertBuild(row);
  if (options.overlap === true)
    rowWritten.catch(() => undefined); // awaited below
  else await rowWritten;
  try {
    await ddl(rowWritten);
    await rowWritten;
  } catch (cause) {
    await rowWritten;
    const durationMs = ctx.clock.now() - started;
    const classified = ctx.dialect.classifyError(cause);
    const extra = options.detail ? await options.detail(classified) : '';
    const code =
      classified.code === undefined ? classified.reason : `${classified.code} ${classified.reason}`;
    const message =
      `${t.action} index ${t.name} on ${t.table} (phase ${t.phase}, attempt ${t.attempt}) failed ` +
      `(${code}): ${failureDetail(cause)}${extra}`;
    await ctx.store.finishBuild(id, {
      status: 'failed',
      finishedAt: ctx.nowIso(),
      durationMs,
      errorCode: classified.code ?? classified.reason,
      errorMessage: message,
    });
    return { ok: false, durationMs, cause, message, classified };
  }
  const durationMs = ctx.clock.now() - started;
  const finishedAt = ctx.nowIso();
  await ctx.store.finishBuild(id, {
    status: 'succeeded',
    finishedAt,
    durationMs,
    owned: options.ownOnSuccess,
  });
  return { ok: true, durationMs };
}

/**
 * After a failed attempt: 'retry' once the backoff has passed (transient and retries left), 'give_up',
 * or 'aborted' when the run's signal fired during the backoff.
 */
export async function waitToRetry(
  ctx: RunContext,
  attempt: number,
  failure: Extract<AttemptResult, { ok: false }>,
  onRetry: (delayMs: number) => void,
): Promise<'retry' | 'give_up' | 'aborted'> {
  const { classified } = failure;
  if (classified.errorClass !== 'transient' || attempt > ctx.options.retries.limit) return 'give_up';
  const delayMs = backoffDelay(attempt, ctx.options.retries.backoffMs, ctx.random);
  onRetry(delayMs);
  try {
    await ctx.clock.sleep(delayMs, ctx.signal);
    return 'retry';
  } catch {
    return 'aborted';
  }
}

export function runErrorOf(
  failure: Extract<AttemptResult, { ok: false }>,
  phase: string,
  index: string,
): RunError {
  const { classified, message } = failure;
  return {
    message,
    errorClass: classified.errorClass,
    reason: classified.reason,
    phase,
    index,
    ...(classified.code ? { code: classified.code } : {}),
  };
}
