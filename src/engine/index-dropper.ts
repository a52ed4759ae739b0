/**
 * Drops indexes the engine owns (down, rollback) and INVALID leftovers, one build row per drop,
 * retrying transient failures like builds do. Ownership ends only once the index is gone.
 */
import { errorMessage } from '../errors.js';
import type { IndexReport, RunError } from './engine.js';
import type { RunContext } from './run-context.js';
import { recordedAttempt, runErrorOf, waitToRetry } from './attempt.js';
import { duringStatement } from './steps.js';

export interface DropResult {
  readonly dropped: readonly string[];
  /** Per target (dropped or not): what was tried. */
  readonly reports: readonly IndexReport[];
  readonly error?: RunError;
}

/** `down` of a phase, or a rollback (of a failed phase, or of INVALID leftovers before a run). */
export type DropWhy = 'down' | 'rollback';

export interface DropTarget {
  readonly name: string;
  readonly table: string;
}

/**
 * Drops each target in turn. A drop that fails (after its retries), or whose bookkeeping write fails,
 * does not stop the others: the first failure is returned, and what could not be dropped stays owned
 * and recorded (a drop left `running` is settled by the next run).
 */
export async function dropIndexes(
  ctx: RunContext,
  phase: string,
  targets: readonly DropTarget[],
  why: DropWhy,
): Promise<DropResult> {
  const reports: IndexReport[] = [];
  let firstError: RunError | undefined;
  for (const target of targets) {
    const report = await dropOne(ctx, phase, target, why).catch((e: unknown) =>
      unrecordedDrop(ctx, phase, target, e),
    );
    reports.push(report.report);
    if (report.error) firstError ??= report.error;
  }
  const dropped = reports.filter((r) => r.status === 'succeeded').map((r) => r.name);
  return firstError ? { dropped, reports, error: firstError } : { dropped, reports };
}

/** A drop whose bookkeeping threw (e.g. the connection died): failed, with the cause. */
function unrecordedDrop(
  ctx: RunContext,
  phase: string,
  target: DropTarget,
  e: unknown,
): { report: IndexReport; error: RunError } {
  ctx.log.error({ err: e, phase, index: target.name }, 'drop stopped: its bookkeeping failed');
  const classified = ctx.dialect.classifyError(e);
  const message = `drop index ${target.name} on ${target.table} (phase ${phase}) stopped: ${errorMessage(e)}`;
  const code = classified.code === undefined ? {} : { errorCode: classified.code };
  const base = {
    name: target.name,
    table: target.table,
    action: 'drop',
    attempts: 1,
    durationMs: 0,
  } as const;
  return {
    report: { ...base, status: 'failed', message, ...code },
    error: {
      message,
      errorClass: classified.errorClass,
      reason: classified.reason,
      phase,
      index: target.name,
      ...(classified.code === undefined ? {} : { code: classified.code }),
    },
  };
}

async function dropOne(
  ctx: RunContext,
  phase: string,
  target: DropTarget,
  why: DropWhy,
): Promise<{ report: IndexReport; error?: RunError }> {
  const log = ctx.log.child({ phase, index: target.name });
  const point = why === 'down' ? 'during:drop' : 'during:rollback';
  for (let attempt = 1; ; attempt++) {
    const ddl = () =>
      duringStatement(ctx.steps, point, () => ctx.dialect.dropIndex(target.name, ctx.options.build));
    const t = { phase, name: target.name, table: target.table, action: 'drop', attempt } as const;
    const result = await recordedAttempt(ctx, t, ddl, { ownOnSuccess: false });
    const base = { name: target.name, table: target.table, action: 'drop', attempts: attempt } as const;
    if (result.ok) {
      await ctx.store.disown(target.name);
      log.info({ durationMs: result.durationMs }, 'index dropped');
      return { report: { ...base, status: 'succeeded', durationMs: result.durationMs } };
    }
    // A rollback finishes even when the run is being stopped: the backoff ignores the abort signal.
    const next = await waitToRetry({ ...ctx, signal: undefined }, attempt, result, (delayMs) =>
      log.warn({ err: result.cause, attempt, delayMs }, 'drop failed; will retry'),
    );
    if (next === 'retry') continue;
    log.error({ err: result.cause, attempt }, 'drop failed');
    const report = {
      ...base,
      status: 'failed',
      durationMs: result.durationMs,
      message: result.message,
    } as const;
    return { report, error: runErrorOf(result, phase, target.name) };
  }
}
