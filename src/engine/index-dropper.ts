/**
 * Drops indexes the engine owns (down, rollback) and INVALID leftovers, one build row per drop,
 * retrying transient failures like builds do. Ownership ends only once the index is gone.
 */
import type { RunError } from './engine.js';
import type { RunContext } from './run-context.js';
import { recordedAttempt, runErrorOf, waitToRetry } from './attempt.js';

export interface DropResult {
  readonly dropped: readonly string[];
  readonly error?: RunError;
}

export interface DropTarget {
  readonly name: string;
  readonly table: string;
}

/**
 * Drops each target in turn. A drop that fails (after its retries) does not stop the others: the first
 * failure is returned, and what could not be dropped stays owned and recorded.
 */
export async function dropIndexes(
  ctx: RunContext,
  phase: string,
  targets: readonly DropTarget[],
): Promise<DropResult> {
  const dropped: string[] = [];
  let firstError: RunError | undefined;
  for (const target of targets) {
    const error = await dropOne(ctx, phase, target);
    if (error) firstError ??= error;
    else dropped.push(target.name);
  }
  return firstError ? { dropped, error: firstError } : { dropped };
}

async function dropOne(ctx: RunContext, phase: string, target: DropTarget): Promise<RunError | undefined> {
  const log = ctx.log.child({ phase, index: target.name });
  for (let attempt = 1; ; attempt++) {
    const ddl = () => ctx.dialect.dropIndex(target.name, ctx.options.build);
    const t = { phase, name: target.name, table: target.table, action: 'drop', attempt } as const;
    const result = await recordedAttempt(ctx, t, ddl, { ownOnSuccess: false });
    if (result.ok) {
      await ctx.store.disown(target.name);
      log.info({ durationMs: result.durationMs }, 'index dropped');
      return undefined;
    }
    // A rollback finishes even when the run is being stopped: the backoff ignores the abort signal.
    const next = await waitToRetry({ ...ctx, signal: undefined }, attempt, result, (delayMs) =>
      log.warn({ err: result.cause, attempt, delayMs }, 'drop failed; will retry'),
    );
    if (next === 'retry') continue;
    log.error({ err: result.cause, attempt }, 'drop failed');
    return runErrorOf(result, phase, target.name);
  }
}
