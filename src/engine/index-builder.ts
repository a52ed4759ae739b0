/**
 * Builds one index: re-checks the database right before (exists / INVALID leftover / conflict / missing
 * table), records a build row per attempt, retries transient failures with backoff, and reports.
 */
import type { IndexDefinition } from '../catalogue/index-definition.js';
import type { IntrospectScope } from '../dialects/dialect.js';
import type { IndexReport, PlannedIndex, RunError } from './engine.js';
import { planIndex } from './planner.js';
import type { RunContext } from './run-context.js';
import { describeDuplicate, recordFinished } from './build-records.js';
import { recordedAttempt, runErrorOf, waitToRetry, type AttemptResult } from './attempt.js';
import { duringStatement } from './steps.js';

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
    const planned = await recheckPaced(ctx, def);
    if (planned === 'aborted') return aborted(def, attempt - 1);
    if (planned.action !== 'create' && planned.action !== 'rebuild') {
      return recordFinished(ctx, phase, planned, attempt);
    }
    const action = planned.action;
    const result = await attemptBuild(ctx, phase, planned.index, action, attempt);
    const base = {
      name: def.name,
      table: def.table,
      action,
      attempts: attempt,
      durationMs: result.durationMs,
    };
    if (result.ok) {
      log.info({ action, attempt, durationMs: result.durationMs }, 'index built');
      return { created: true, report: { ...base, status: 'succeeded' } };
    }
    const { reason } = result.classified;
    const next = await waitToRetry(ctx, attempt, result, (delayMs) => {
      log.warn({ attempt, reason, delayMs, err: result.cause }, 'index build failed; will retry');
      ctx.notify('indexRetry', { phase, index: def, attempt, reason, delayMs });
    });
    if (next === 'retry') continue;
    if (next === 'aborted') return aborted(def, attempt);
    log.error({ attempt, reason, err: result.cause }, 'index build failed');
    ctx.notify('indexFailed', { phase, index: def, attempt, reason, message: result.message });
    const code = result.classified.code ? { errorCode: result.classified.code } : {};
    return {
      created: false,
      report: { ...base, status: 'failed', message: result.message, ...code },
      error: runErrorOf(result, phase, def.name),
    };
  }
}

/**
 * The re-check, then the pacer's pause when a build is due (`pauseBetweenBuildsMs`); after a pause the
 * database is checked again, so the build acts on what is there when it starts.
 */
async function recheckPaced(ctx: RunContext, def: IndexDefinition): Promise<PlannedIndex | 'aborted'> {
  const planned = await recheck(ctx, def);
  if (planned.action !== 'create' && planned.action !== 'rebuild') return planned;
  const turn = await ctx.pacer.turn(ctx.signal);
  if (turn === 'aborted') return 'aborted';
  return turn === 'waited' ? recheck(ctx, def) : planned;
}

/**
 * The database right before a build (ownership does not change what to do, so it is not read): a read
 * of the phase's tables and the indexes on them or of its names, all that planIndex looks at.
 */
async function recheck(ctx: RunContext, def: IndexDefinition): Promise<PlannedIndex> {
  const snapshot = await ctx.snapshot(phaseScope(ctx, def));
  return planIndex(def, { snapshot, capabilities: ctx.dialect.capabilities, owned: new Set() });
}

/** The tables and index names of the definition's phase (the definition's own when not found). */
function phaseScope(ctx: RunContext, def: IndexDefinition): IntrospectScope {
  const defs = ctx.catalogue.phases.find((p) => p.name === def.phase)?.indexes ?? [def];
  return {
    tables: [...new Set(defs.map((d) => d.table))].sort(),
    indexes: defs.map((d) => d.name).sort(),
  };
}

async function attemptBuild(
  ctx: RunContext,
  phase: string,
  def: IndexDefinition,
  action: 'create' | 'rebuild',
  attempt: number,
): Promise<AttemptResult> {
  const target = { phase, name: def.name, table: def.table, action, attempt };
  // A create's session checks run while its build row is written (the statement waits for the row); a
  // rebuild drops the INVALID index first, so it starts once its row is written.
  const overlap = action === 'create';
  const ddl = async (rowWritten: Promise<void>): Promise<void> => {
    ctx.notify('indexStarted', { phase, index: def, attempt });
    try {
      const statement = async (): Promise<void> => {
        if (action === 'rebuild') await ctx.dialect.dropIndex(def.name, ctx.options.build);
        await ctx.dialect.createIndex(def, ctx.options.build, () => rowWritten);
      };
      await duringStatement(ctx.steps, 'during:build', statement, rowWritten);
    } finally {
      ctx.pacer.buildEnded();
    }
  };
  const detail = async (c: { readonly reason: string }): Promise<string> =>
    c.reason === 'unique_violation' ? describeDuplicate(ctx, def) : '';
  const result = await recordedAttempt(ctx, target, ddl, { ownOnSuccess: true, overlap, detail });
  if (!result.ok) ctx.invalidateSnapshot(); // a failed build may have left an INVALID index
  if (result.ok)
    ctx.notify('indexFinished', { phase, index: def, action, attempt, durationMs: result.durationMs });
  return result;
}

function aborted(def: IndexDefinition, attempts: number): BuildOutcome {
  const message =
    attempts === 0 ? 'run aborted before the build started' : 'run aborted while waiting to retry';
  const status = attempts === 0 ? 'not_run' : 'failed';
  return {
    created: false,
    report: { name: def.name, table: def.table, action: 'create', attempts, durationMs: 0, status, message },
  };
}
