/**
 * One phase, up or down. Up: schedule the phase's builds (concurrency, one per table), then ANALYZE,
 * or on failure apply the on-failure policy to this phase. Down: drop what the engine owns in it.
 * Neither throws for a failed phase: the result carries the error; bookkeeping rows are written here
 * except the final `succeeded`/`rolled_back` rows, which the Umzug storage writes.
 */
import type { Phase } from '../catalogue/catalogue.js';
import type { IndexDefinition } from '../catalogue/index-definition.js';
import { phaseChecksum } from '../catalogue/phase-checksum.js';
import { errorMessage, isAppError } from '../errors.js';
import type { IndexReport, PhaseReport, RunError } from './engine.js';
import { buildIndex, type BuildOutcome } from './index-builder.js';
import { dropIndexes, type DropResult, type DropTarget } from './index-dropper.js';
import type { RunContext } from './run-context.js';
import { isStop } from './run-stop.js';
import { runScheduled } from './scheduler.js';

export interface PhaseRunResult {
  readonly report: PhaseReport;
  readonly error?: RunError;
}

export async function runPhaseUp(ctx: RunContext, phase: Phase): Promise<PhaseRunResult> {
  const started = ctx.clock.now();
  const checksum = phaseChecksum(phase);
  const startedAt = new Date(started).toISOString();
  const wasApplied = (await ctx.store.getMigration(phase.name))?.status === 'succeeded';
  await ctx.store.upsertMigration({ ...phaseRow(ctx, phase, checksum, startedAt), status: 'running' });
  ctx.notify('phaseStarted', { phase: phase.name, indexesTotal: phase.indexes.length });
  ctx.log.info({ phase: phase.name, indexes: phase.indexes.length }, 'phase started');
  const { outcomes, notRun, error } = await buildAll(ctx, phase);
  const skipped = outcomes.filter((o) => o.report.status === 'skipped').length;
  const indexes = [...outcomes.map((o) => o.report), ...notRun.map(notRunReport)];
  const base = { name: phase.name, checksum, startedAt, indexes, indexesSkipped: skipped };
  if (!error) {
    await analyzeTouched(ctx, phase.name, outcomes);
    const created = outcomes.filter((o) => o.created).length;
    const durationMs = ctx.clock.now() - started;
    const done = { finishedAt: ctx.nowIso(), durationMs, indexesDropped: 0, indexesCreated: created };
    const allSkipped = skipped === phase.indexes.length;
    if (!allSkipped) return { report: { ...base, ...done, outcome: 'succeeded' } };
    return { report: { ...base, ...done, outcome: 'skipped', message: allSkippedMessage(outcomes) } };
  }
  const dropped = await cleanUpFailedPhase(ctx, phase, error, wasApplied);
  const kept = outcomes.filter((o) => o.created && !dropped.dropped.includes(o.report.name)).length;
  const failure = failureMessage(error, dropped, dropped.invalid, dropped.error);
  const durationMs = ctx.clock.now() - started;
  const counts = { indexesCreated: kept, indexesSkipped: skipped };
  const unrecorded = await recordPhaseFailure(ctx, phase, {
    checksum,
    startedAt,
    durationMs,
    message: failure,
    ...counts,
  });
  const message = `${failure}${unrecorded}`;
  if (dropped.dropped.length > 0) {
    ctx.notify('rollback', { phase: phase.name, indexesDropped: dropped.dropped.length });
  }
  ctx.log.error({ phase: phase.name, reason: error.reason, durationMs }, message);
  const failed = { outcome: 'failed', finishedAt: ctx.nowIso(), durationMs, message } as const;
  return {
    report: {
      ...base,
      ...failed,
      ...counts,
      indexes: [...base.indexes, ...dropped.reports],
      indexesDropped: dropped.dropped.length,
    },
    error: { ...error, message },
  };
}

/** A phase with nothing built or found: why, and that it is not applied. */
function allSkippedMessage(outcomes: readonly BuildOutcome[]): string {
  const reasons = [...new Set(outcomes.map((o) => o.report.message ?? 'skipped'))];
  const shown = reasons.slice(0, 3).join('; ') + (reasons.length > 3 ? '; …' : '');
  return (
    `every index skipped (${shown}): nothing is applied; run up again once the tables exist ` +
    '(e.g. after the application has created its schema)'
  );
}

function phaseRow(ctx: RunContext, phase: Phase, checksum: string, startedAt: string) {
  return {
    phase: phase.name,
    catalogue: ctx.catalogue.name,
    checksum,
    startedAt,
    finishedAt: null,
    durationMs: null,
    indexesCreated: 0,
    indexesSkipped: 0,
    message: null,
  };
}

interface PhaseFailure {
  readonly checksum: string;
  readonly startedAt: string;
  readonly durationMs: number;
  readonly message: string;
  readonly indexesCreated: number;
  readonly indexesSkipped: number;
}

/**
 * Records the phase as failed. A write that fails (its connection died) does not hide the phase's own
 * failure: returns a note for the message instead ('' when recorded); the next run settles the row.
 */
async function recordPhaseFailure(ctx: RunContext, phase: Phase, f: PhaseFailure): Promise<string> {
  let note = '';
  try {
    await ctx.store.upsertMigration({
      ...phaseRow(ctx, phase, f.checksum, f.startedAt),
      status: 'failed',
      finishedAt: ctx.nowIso(),
      durationMs: f.durationMs,
      indexesCreated: f.indexesCreated,
      indexesSkipped: f.indexesSkipped,
      message: f.message,
    });
  } catch (e) {
    ctx.log.error({ err: e, phase: phase.name }, 'could not record the phase failure');
    note = `; the failure could not be recorded (${errorMessage(e)}): the next run settles the phase`;
  }
  ctx.notify('phaseFinished', {
    phase: phase.name,
    result: 'failed',
    durationMs: f.durationMs,
    indexesCreated: f.indexesCreated,
    indexesSkipped: f.indexesSkipped,
  });
  return note;
}

interface BuildAllResult {
  readonly outcomes: BuildOutcome[];
  readonly notRun: IndexDefinition[];
  readonly error?: RunError;
}

async function buildAll(ctx: RunContext, phase: Phase): Promise<BuildAllResult> {
  const outcomes: BuildOutcome[] = [];
  let error: RunError | undefined;
  const notRun = await runScheduled(
    phase.indexes,
    ctx.options.concurrency,
    async (def) => {
      try {
        const outcome = await buildIndex(ctx, phase.name, def);
        outcomes.push(outcome);
        error ??= outcome.error;
      } catch (e) {
        // A bookkeeping write that failed past its retries (database locked, connection gone) is
        // classified like any database failure; only what no dialect recognizes is a bug.
        ctx.log.error({ err: e, phase: phase.name, index: def.name }, 'unexpected failure building an index');
        const classified = ctx.dialect.classifyError(e);
        const known = isAppError(e) || classified.code !== undefined;
        error ??= {
          message: `index ${def.name} (phase ${phase.name}): ${errorMessage(e)}`,
          errorClass: known ? classified.errorClass : 'bug',
          reason: classified.reason,
          ...(classified.code === undefined ? {} : { code: classified.code }),
          phase: phase.name,
          index: def.name,
        };
      }
    },
    () => error === undefined && !ctx.signal?.aborted,
  );
  const interrupted =
    notRun.length > 0 ||
    outcomes.some((o) => o.report.status === 'not_run' || (o.report.status === 'failed' && !o.error));
  if (!error && ctx.signal?.aborted && interrupted) error = ctx.stop.error(phase.name, true);
  return error ? { outcomes, notRun, error } : { outcomes, notRun };
}

/**
 * rollback-phase / rollback-all: drop what this run built in the phase, and when the phase was not
 * applied before this run, every index the engine owns in it (what an interrupted earlier run built:
 * the phase converges to the same end as a run that was never interrupted). halt keeps them. Either way,
 * an INVALID leftover of the phase's indexes is dropped (it serves no query and slows every write).
 * A stopped run (aborted, or its runner lock lost) drops nothing: see run-stop.ts.
 */
async function cleanUpFailedPhase(
  ctx: RunContext,
  phase: Phase,
  error: RunError,
  wasApplied: boolean,
): Promise<DropResult & { readonly invalid: readonly string[]; readonly targets: readonly string[] }> {
  if (isStop(error)) return { dropped: [], reports: [], invalid: [], targets: [] };
  const invalid = await invalidLeftovers(ctx, phase);
  const targets: DropTarget[] = [...invalid];
  if (ctx.options.onFailure !== 'halt') {
    const builtNow = (await ctx.store.listBuilds(phase.name)).filter(
      (b) => b.owned && (b.runId === ctx.runId || !wasApplied),
    );
    for (const b of builtNow) {
      if (!targets.some((t) => t.name === b.indexName))
        targets.push({ name: b.indexName, table: b.tableName });
    }
  }
  ctx.log.warn(
    { phase: phase.name, onFailure: ctx.options.onFailure, drops: targets.map((t) => t.name) },
    'rolling back the failed phase',
  );
  const result = await dropIndexes(ctx, phase.name, targets, 'rollback');
  return { ...result, invalid: invalid.map((t) => t.name), targets: targets.map((t) => t.name) };
}

async function invalidLeftovers(ctx: RunContext, phase: Phase): Promise<DropTarget[]> {
  const names = new Set(phase.indexes.map((d) => d.name));
  const snapshot = await ctx.dialect.introspect();
  return snapshot.indexes
    .filter((i) => names.has(i.name) && (!i.valid || !i.ready))
    .map((i) => ({ name: i.name, table: i.table }));
}

function failureMessage(
  error: RunError,
  cleanup: { readonly dropped: readonly string[]; readonly targets: readonly string[] },
  invalid: readonly string[],
  dropError: RunError | undefined,
): string {
  const { dropped, targets } = cleanup;
  const plural = (n: number, word: string): string =>
    `${n} ${word}${n === 1 ? '' : word.endsWith('x') ? 'es' : 's'}`;
  const built = dropped.filter((n) => !invalid.includes(n)).length;
  const leftovers = dropped.length - built;
  const parts = [
    ...(built > 0 ? [`dropped ${plural(built, 'index')} built by this run`] : []),
    ...(leftovers > 0 ? [`dropped ${plural(leftovers, 'INVALID leftover')}`] : []),
  ];
  const rolledBack = parts.length > 0 ? `; rolled back: ${parts.join(', ')}` : '';
  const left = targets.filter((t) => !dropped.includes(t));
  const dropFailed = dropError
    ? `; rollback incomplete: ${left.length} index${left.length === 1 ? '' : 'es'} not dropped ` +
      `(${left.join(', ')}): ${dropError.message}; the next run drops or repairs ` +
      `${left.length === 1 ? 'it' : 'them'}`
    : '';
  return `${error.message}${rolledBack}${dropFailed}`;
}

async function analyzeTouched(
  ctx: RunContext,
  phase: string,
  outcomes: readonly BuildOutcome[],
): Promise<void> {
  const tables = [...new Set(outcomes.filter((o) => o.created).map((o) => o.report.table))].sort();
  if (tables.length === 0) return;
  try {
    await ctx.dialect.analyze(tables);
  } catch (e) {
    // The indexes are built and valid; stale statistics are not a reason to fail the phase.
    ctx.log.warn(
      { err: e, phase, tables },
      'ANALYZE after the phase failed; planner statistics may be stale',
    );
  }
}

function notRunReport(def: IndexDefinition): IndexReport {
  return {
    name: def.name,
    table: def.table,
    action: 'create',
    status: 'not_run',
    attempts: 0,
    durationMs: 0,
  };
}

/** Down: drops every index the engine owns in the phase (and INVALID leftovers of its indexes). */
export async function runPhaseDown(ctx: RunContext, phase: Phase, checksum: string): Promise<PhaseRunResult> {
  const started = ctx.clock.now();
  ctx.notify('phaseStarted', { phase: phase.name, indexesTotal: phase.indexes.length });
  const targets = await downTargets(ctx, phase);
  await markRollingBack(ctx, phase, checksum, new Date(started).toISOString(), targets);
  const result = await dropIndexes(ctx, phase.name, targets, 'down');
  const durationMs = ctx.clock.now() - started;
  const report: PhaseReport = {
    name: phase.name,
    outcome: result.error ? 'failed' : 'rolled_back',
    checksum,
    startedAt: new Date(started).toISOString(),
    finishedAt: ctx.nowIso(),
    durationMs,
    indexesCreated: 0,
    indexesSkipped: 0,
    indexesDropped: result.dropped.length,
    indexes: result.reports,
    ...(result.error ? { message: result.error.message } : {}),
  };
  if (result.dropped.length > 0) {
    ctx.notify('rollback', { phase: phase.name, indexesDropped: result.dropped.length });
  }
  if (!result.error) return { report };
  const left = targets.filter((t) => !result.dropped.includes(t.name)).map((t) => t.name);
  const message =
    `${result.error.message}; rollback incomplete: ${left.length} index${left.length === 1 ? '' : 'es'} ` +
    `still there (${left.join(', ')}): run down again to finish, or up to restore the phase`;
  const finished = {
    phase: phase.name,
    result: 'failed',
    durationMs,
    indexesCreated: 0,
    indexesSkipped: 0,
  } as const;
  ctx.notify('phaseFinished', finished);
  return { report: { ...report, message }, error: { ...result.error, message } };
}

/**
 * Written before the first drop, so a down that stops half-way (killed, connection lost) never leaves
 * the phase looking applied: the next `up` rebuilds what is gone, the next `down` drops the rest.
 */
async function markRollingBack(
  ctx: RunContext,
  phase: Phase,
  checksum: string,
  startedAt: string,
  targets: readonly DropTarget[],
): Promise<void> {
  const row = await ctx.store.getMigration(phase.name);
  await ctx.store.upsertMigration({
    ...phaseRow(ctx, phase, row?.checksum ?? checksum, startedAt),
    status: 'rolling_back',
    indexesCreated: row?.indexesCreated ?? 0,
    indexesSkipped: row?.indexesSkipped ?? 0,
    message:
      `rolling back: dropping ${targets.length} index${targets.length === 1 ? '' : 'es'}; if this ` +
      'stops half-way, down finishes it and up rebuilds what is gone',
  });
}

/** INVALID leftovers of the phase's indexes, then every owned index still there (gone ones are disowned). */
async function downTargets(ctx: RunContext, phase: Phase): Promise<DropTarget[]> {
  const snapshot = await ctx.dialect.introspect();
  const names = new Set(phase.indexes.map((d) => d.name));
  const targets: DropTarget[] = snapshot.indexes
    .filter((i) => names.has(i.name) && (!i.valid || !i.ready))
    .map((i) => ({ name: i.name, table: i.table }));
  const present = new Map(snapshot.indexes.map((i) => [i.name, i]));
  for (const o of await ctx.store.listOwned(phase.name)) {
    const existing = present.get(o.indexName);
    if (!existing) {
      ctx.log.warn(
        { phase: phase.name, index: o.indexName },
        'owned index is already gone; recording it as dropped',
      );
      await ctx.store.disown(o.indexName);
    } else if (!targets.some((t) => t.name === o.indexName)) {
      targets.push({ name: existing.name, table: existing.table });
    }
  }
  return targets;
}
