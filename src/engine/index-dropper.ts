/**
 * Drops indexes the engine owns (down, rollback) and INVALID leftovers, one build row per drop,
 * retrying transient failures like builds do. Ownership ends only once the index is gone.
 */
import { errorMessage } from '../errors.js';
import type { RunError } from './engine.js';
import { backoffDelay } from './retry.js';
import type { RunContext } from './run-context.js';

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
    const id = ctx.nextId();
    const started = ctx.clock.now();
    await ctx.store.insertBuild({
      id,
      runId: ctx.runId,
      phase,
      indexName: target.name,
      tableName: target.table,
      action: 'drop',
      status: 'running',
      attempt,
      startedAt: new Date(started).toISOString(),
      finishedAt: null,
      durationMs: null,
      errorCode: null,
      errorMessage: null,
      owned: false,
    });
    try {
      await ctx.dialect.dropIndex(target.name, ctx.options.build);
    } catch (e) {
      const classified = ctx.dialect.classifyError(e);
      const message = `drop index ${target.name} (phase ${phase}, attempt ${attempt}) failed: ${errorMessage(e)}`;
      await ctx.store.finishBuild(id, {
        status: 'failed',
        finishedAt: ctx.nowIso(),
        durationMs: ctx.clock.now() - started,
        errorCode: classified.code ?? classified.reason,
        errorMessage: message,
      });
      if (classified.errorClass === 'transient' && attempt <= ctx.options.retries.limit) {
        const delayMs = backoffDelay(attempt, ctx.options.retries.backoffMs, ctx.random);
        log.warn({ err: e, attempt, delayMs }, 'drop failed; will retry');
        await ctx.clock.sleep(delayMs);
        continue;
      }
      log.error({ err: e, attempt }, 'drop failed');
      return {
        message,
        errorClass: classified.errorClass,
        reason: classified.reason,
        phase,
        index: target.name,
      };
    }
    const durationMs = ctx.clock.now() - started;
    await ctx.store.finishBuild(id, { status: 'succeeded', finishedAt: ctx.nowIso(), durationMs });
    await ctx.store.disown(target.name);
    log.info({ durationMs }, 'index dropped');
    return undefined;
  }
}
