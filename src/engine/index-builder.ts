/**
 * Builds one index: re-checks the database right before (exists / INVALID leftover / conflict / missing
 * table), records a build row per attempt, retries transient failures with backoff, and reports.
 */
import type { IndexDefinition } from '../catalogue/index-definition.js';
import { errorMessage } from '../errors.js';
import type { IndexReport, PlannedIndex, RunError } from './engine.js';
import { planIndex } from './planner.js';
import { backoffDelay } from './retry.js';
import type { RunContext } from './run-context.js';
import { describeDuplicate, recordFinished } from './build-records.js';

export interface BuildOutcome {
  readonly report: IndexReport;
  /** The engine created (or rebuilt) the index in this call. */
  readonly created: boolean;
  readonly error?: RunError;
}

export async function buildIndex(
  ctx: RunContext,
  phase: string,
  def: IndexDefinition,
): Promise<BuildOutcome> {
  const log = ctx.log.child({ phase, index: def.name });
  for (let attempt = 1; ; attempt++) {
    if (ctx.signal?.aborted) return aborted(def, attempt - 1);
    const planned = await recheck(ctx, def);
    if (planned.action !== 'create' && planned.action !== 'rebuild') {
      return recordFinished(ctx, phase, planned, attempt);
    }
    const result = await attemptBuild(ctx, phase, planned, attempt);
    if (result.ok) {
      log.info({ action: planned.action, attempt, durationMs: result.durationMs }, 'index built');
      return {
        created: true,
        report: { ...reportOf(def, planned.action, attempt, result.durationMs), status: 'succeeded' },
      };
    }
    const { classified, message } = result;
    const retry = classified.errorClass === 'transient' && attempt <= ctx.options.retries.limit;
    if (retry) {
      const delayMs = backoffDelay(attempt, ctx.options.retries.backoffMs, ctx.random);
      log.warn(
        { attempt, reason: classified.reason, delayMs, err: result.error },
        'index build failed; will retry',
      );
      ctx.notify('indexRetry', { phase, index: def, attempt, reason: classified.reason, delayMs });
      try {
        await ctx.clock.sleep(delayMs, ctx.signal);
      } catch {
        return aborted(def, attempt);
      }
      continue;
    }
    log.error({ attempt, reason: classified.reason, err: result.error }, 'index build failed');
    ctx.notify('indexFailed', { phase, index: def, attempt, reason: classified.reason, message });
    return {
      created: false,
      report: {
        ...reportOf(def, planned.action, attempt, result.durationMs),
        status: 'failed',
        message,
        ...(classified.code ? { errorCode: classified.code } : {}),
      },
      error: {
        message,
        errorClass: classified.errorClass,
        reason: classified.reason,
        phase,
        index: def.name,
        ...(classified.code ? { code: classified.code } : {}),
      },
    };
  }
}

/** The database right before a build (ownership does not change what to do, so it is not read). */
async function recheck(ctx: RunContext, def: IndexDefinition): Promise<PlannedIndex> {
  const snapshot = await ctx.snapshot();
  return planIndex(def, { snapshot, capabilities: ctx.dialect.capabilities, owned: new Set() });
}

type AttemptResult =
  | { readonly ok: true; readonly durationMs: number }
  | {
      readonly ok: false;
      readonly durationMs: number;
      readonly error: unknown;
      readonly message: string;
      readonly classified: ReturnType<RunContext['dialect']['classifyError']>;
    };

async function attemptBuild(
  ctx: RunContext,
  phase: string,
  planned: PlannedIndex,
  attempt: number,
): Promise<AttemptResult> {
  const def = planned.index;
  const action = planned.action === 'rebuild' ? 'rebuild' : 'create';
  const id = ctx.nextId();
  const started = ctx.clock.now();
  await ctx.store.insertBuild({
    id,
    runId: ctx.runId,
    phase,
    indexName: def.name,
    tableName: def.table,
    action,
    status: 'running',
    attempt,
    startedAt: new Date(started).toISOString(),
    finishedAt: null,
    durationMs: null,
    errorCode: null,
    errorMessage: null,
    owned: false,
  });
  ctx.notify('indexStarted', { phase, index: def, attempt });
  try {
    if (action === 'rebuild') await ctx.dialect.dropIndex(def.name, ctx.options.build);
    await ctx.dialect.createIndex(def, ctx.options.build);
  } catch (e) {
    ctx.invalidateSnapshot();
    const durationMs = ctx.clock.now() - started;
    const classified = ctx.dialect.classifyError(e);
    const duplicate = classified.reason === 'unique_violation' ? await describeDuplicate(ctx, def) : '';
    const message = `${action} index ${def.name} on ${def.table} (phase ${phase}, attempt ${attempt}) failed: ${errorMessage(e)}${duplicate}`;
    await ctx.store.finishBuild(id, {
      status: 'failed',
      finishedAt: ctx.nowIso(),
      durationMs,
      errorCode: classified.code ?? classified.reason,
      errorMessage: message,
    });
    return { ok: false, durationMs, error: e, message, classified };
  }
  const durationMs = ctx.clock.now() - started;
  await ctx.store.finishBuild(id, { status: 'succeeded', finishedAt: ctx.nowIso(), durationMs, owned: true });
  ctx.notify('indexFinished', { phase, index: def, action, attempt, durationMs });
  return { ok: true, durationMs };
}

function reportOf(def: IndexDefinition, action: IndexReport['action'], attempts: number, durationMs: number) {
  return { name: def.name, table: def.table, action, attempts, durationMs } as const;
}

function aborted(def: IndexDefinition, attempts: number): BuildOutcome {
  const message =
    attempts === 0 ? 'run aborted before the build started' : 'run aborted while waiting to retry';
  return {
    created: false,
    report: {
      ...reportOf(def, 'create', attempts, 0),
      status: attempts === 0 ? 'not_run' : 'failed',
      message,
    },
  };
}
