/**
 * up and down: validate input, take the runner lock, settle what a dead runner left, then run the
 * selected phases as Umzug migrations (one migration per phase) and report.
 */
import { Umzug } from 'umzug';
import type { Catalogue, Phase } from '../catalogue/catalogue.js';
import { phaseChecksum } from '../catalogue/phase-checksum.js';
import { validateCatalogue } from '../catalogue/validate-catalogue.js';
import { UsageError, errorMessage } from '../errors.js';
import type {
  DownOptions,
  EngineDeps,
  PhaseReport,
  PlannedPhase,
  RunError,
  RunReport,
  UpOptions,
} from './engine.js';
import { runPhaseDown, runPhaseUp, type PhaseRunResult } from './phase-runner.js';
import { reconcileInterrupted, repairInvalidLeftovers } from './reconcile.js';
import { createRunContext, type RunContext } from './run-context.js';
import { isStop } from './run-stop.js';
import { selectPhases } from './select-phases.js';
import { BookkeepingUmzugStorage, executedPhases, planNow, type Direction } from './umzug-storage.js';
import { missingIndexes } from './phase-state.js';
import { validateRunOptions } from './validate-run-options.js';

export async function applyPhasesImpl(
  deps: EngineDeps,
  catalogue: Catalogue,
  options: UpOptions,
): Promise<RunReport> {
  validateCatalogue(catalogue);
  const phases = selectPhases(catalogue, options.phases);
  validateRunOptions(options, catalogue);
  const ctx = createRunContext(deps, catalogue, options);
  return withRunnerLock(ctx, async () => {
    const started = ctx.clock.now();
    const repair = await repairInvalidLeftovers(ctx);
    if (repair)
      return finishRun(
        ctx,
        'up',
        started,
        phases.map((p) => untouched(p, 'not_run')),
        repair,
      );
    const before = await planNow(ctx);
    const applied = new Set(before.filter((p) => p.applied && !p.drift).map((p) => p.name));
    const toRun = phases.filter((p) => !applied.has(p.name));
    const repairing = repairsOf(ctx, before, toRun);
    ctx.notify('runStarted', { phases: toRun.map((p) => p.name), indexesTotal: countIndexes(toRun) });
    const results = new Map<string, PhaseRunResult>();
    let error = await runUmzug(ctx, 'up', results, phases);
    if (error && !isStop(error) && ctx.options.onFailure === 'rollback-all') {
      const earlier = phases.filter((p) => results.get(p.name)?.report.outcome === 'succeeded').reverse();
      ctx.log.warn({ phases: earlier.map((p) => p.name) }, 'rolling back the earlier phases of this run');
      const rollbackError = await runUmzug(ctx, 'down', results, earlier);
      if (rollbackError)
        error = { ...error, message: `${error.message}; rollback-all incomplete: ${rollbackError.message}` };
    }
    const reports = phases.map((p) =>
      withRepairNote(
        results.get(p.name)?.report ?? untouched(p, applied.has(p.name) ? 'unchanged' : 'not_run'),
        repairing.get(p.name),
      ),
    );
    return finishRun(ctx, 'up', started, reports, error);
  });
}

export async function rollbackPhasesImpl(
  deps: EngineDeps,
  catalogue: Catalogue,
  options: DownOptions,
): Promise<RunReport> {
  validateCatalogue(catalogue);
  validateRunOptions(options, catalogue);
  const phases = downSelection(catalogue, options);
  const ctx = createRunContext(deps, catalogue, options);
  return withRunnerLock(ctx, async () => {
    const started = ctx.clock.now();
    const newestFirst = [...phases].reverse();
    const repair = await repairInvalidLeftovers(ctx);
    if (repair)
      return finishRun(
        ctx,
        'down',
        started,
        newestFirst.map((p) => untouched(p, 'not_run')),
        repair,
      );
    const applied = new Set(await executedPhases(ctx, 'down'));
    const toRun = newestFirst.filter((p) => applied.has(p.name));
    ctx.notify('runStarted', { phases: toRun.map((p) => p.name), indexesTotal: countIndexes(toRun) });
    const results = new Map<string, PhaseRunResult>();
    const error = await runUmzug(ctx, 'down', results, newestFirst);
    const reports = newestFirst.map(
      (p) =>
        results.get(p.name)?.report ?? untouched(p, error && applied.has(p.name) ? 'not_run' : 'unchanged'),
    );
    return finishRun(ctx, 'down', started, reports, error);
  });
}

/**
 * down: `to` = every phase after it (it stays applied, as Alembic's `downgrade <rev>` leaves <rev>);
 * `phases` narrows further.
 */
function downSelection(catalogue: Catalogue, options: DownOptions): Phase[] {
  const selected = selectPhases(catalogue, options.phases);
  if (options.to === undefined) return selected;
  const at = catalogue.phases.findIndex((p) => p.name === options.to);
  const tail = new Set(catalogue.phases.slice(at + 1).map((p) => p.name));
  return selected.filter((p) => tail.has(p.name));
}

async function withRunnerLock(ctx: RunContext, fn: () => Promise<RunReport>): Promise<RunReport> {
  const lock = await ctx.dialect.acquireRunnerLock(ctx.options.owner, ctx.options.lockWaitMs);
  const unwatch = ctx.stop.watchLock(lock);
  try {
    await ctx.store.ensureTables();
    await refuseOtherCatalogue(ctx);
    await reconcileInterrupted(ctx);
    return await fn();
  } finally {
    unwatch();
    // The build sessions are kept from phase to phase (idle between builds: no transaction, snapshot or
    // lock) and ended here, at the end of the run.
    await ctx.dialect.releaseSessions();
    await lock.release().catch((e: unknown) => {
      // The run's result stands: the lock ends with this process (SQLite row of a dead pid is stale,
      // PostgreSQL's ends with its session).
      ctx.log.error({ err: e }, 'could not release the runner lock; it is freed when this process exits');
    });
  }
}

/**
 * Bookkeeping is keyed by phase name: one catalogue per database. A phase of the same name recorded
 * for another catalogue (and not rolled back) is a UsageError before anything changes.
 */
async function refuseOtherCatalogue(ctx: RunContext): Promise<void> {
  const names = new Set(ctx.catalogue.phases.map((p) => p.name));
  const clash = (await ctx.store.listMigrations()).filter(
    (m) => names.has(m.phase) && m.catalogue !== ctx.catalogue.name && m.status !== 'rolled_back',
  );
  if (clash.length === 0) return;
  const list = clash.map((m) => `'${m.phase}' (catalogue '${m.catalogue}', ${m.status})`).join(', ');
  throw new UsageError(
    `${ctx.dialect.target} already records phase ${list} of another catalogue; one catalogue per ` +
      `database: roll that catalogue back with down --catalogue ${clash[0]?.catalogue ?? ''} first`,
    { reason: 'other_catalogue' },
  );
}

/**
 * Phases to run whose record says more than the database shows (recorded applied with indexes missing,
 * or a rollback that did not finish): said in the log now and in the phase's report at the end.
 */
function repairsOf(
  ctx: RunContext,
  planned: readonly PlannedPhase[],
  toRun: readonly Phase[],
): Map<string, PlannedPhase> {
  const names = new Set(toRun.map((p) => p.name));
  const repairs = planned.filter(
    (p) => names.has(p.name) && (p.status === 'incomplete' || p.status === 'rolling_back'),
  );
  for (const p of repairs) {
    const missing = missingIndexes(p.indexes);
    ctx.log.warn(
      { phase: p.name, state: p.status, missing: missing.length },
      `phase ${p.name} is ${p.status.replace('_', ' ')}: ${missing.length} of its indexes are missing; building them`,
    );
  }
  return new Map(repairs.map((p) => [p.name, p]));
}

function withRepairNote(report: PhaseReport, was: PlannedPhase | undefined): PhaseReport {
  if (was === undefined || report.outcome !== 'succeeded') return report;
  const n = report.indexesCreated;
  const note =
    `was ${was.status.replace('_', ' ')} (${missingIndexes(was.indexes).length} of ` +
    `${was.indexes.length} indexes missing): built ${n} missing index${n === 1 ? '' : 'es'}`;
  return { ...report, message: report.message ? `${note}; ${report.message}` : note };
}

class PhaseFailed extends Error {
  constructor(readonly error: RunError) {
    super(error.message);
  }
}

/** Runs the phases (already in run order) through Umzug; returns the first failure, if any. */
async function runUmzug(
  ctx: RunContext,
  direction: Direction,
  results: Map<string, PhaseRunResult>,
  phases: readonly Phase[],
): Promise<RunError | undefined> {
  if (phases.length === 0) return undefined;
  const umzug = new Umzug<object>({
    migrations: ctx.catalogue.phases.map((phase) => ({
      name: phase.name,
      up: async () => {
        stopIfAborted(ctx, phase);
        settle(results, phase, await reportThrown(ctx, phase, () => runPhaseUp(ctx, phase)));
      },
      down: async () => {
        stopIfAborted(ctx, phase);
        const checksum = results.get(phase.name)?.report.checksum ?? phaseChecksum(phase);
        const result = await reportThrown(ctx, phase, async () => {
          const down = await runPhaseDown(ctx, phase, checksum);
          if (down.error) await recordDownFailure(ctx, phase, down);
          return down;
        });
        settle(results, phase, result);
      },
    })),
    storage: new BookkeepingUmzugStorage(ctx, direction, results),
    logger: undefined,
    context: {},
  });
  const names = phases.map((p) => p.name);
  try {
    if (direction === 'up') await umzug.up({ migrations: names, rerun: 'SKIP' });
    else await umzug.down({ migrations: names, rerun: 'SKIP' });
    return undefined;
  } catch (e) {
    const failed = e instanceof Error && e.cause instanceof PhaseFailed ? e.cause : undefined;
    if (failed) return failed.error;
    ctx.log.error({ err: e }, `${direction} stopped by an unexpected error`);
    const classified = ctx.dialect.classifyError(e instanceof Error && e.cause !== undefined ? e.cause : e);
    return { message: errorMessage(e), errorClass: classified.errorClass, reason: classified.reason };
  }
}

/**
 * A phase whose run threw (its bookkeeping connection died during the phase or its rollback) is
 * reported `failed` with the cause, not left looking as if it never ran. Its row may still say
 * `running`: the next run settles it against the database, as it does after a crash.
 */
async function reportThrown(
  ctx: RunContext,
  phase: Phase,
  run: () => Promise<PhaseRunResult>,
): Promise<PhaseRunResult> {
  const started = ctx.clock.now();
  try {
    return await run();
  } catch (e) {
    ctx.log.error({ err: e, phase: phase.name }, 'phase stopped by an error it could not record');
    const classified = ctx.dialect.classifyError(e);
    const message =
      `phase ${phase.name} failed and its bookkeeping may be incomplete (the next run settles it): ` +
      errorMessage(e);
    const report: PhaseReport = {
      ...untouched(phase, 'not_run'),
      outcome: 'failed',
      startedAt: new Date(started).toISOString(),
      finishedAt: ctx.nowIso(),
      durationMs: ctx.clock.now() - started,
      message,
    };
    const code = classified.code === undefined ? {} : { code: classified.code };
    const error: RunError = {
      message,
      errorClass: classified.errorClass,
      reason: classified.reason,
      ...code,
    };
    return { report, error: { ...error, phase: phase.name } };
  }
}

function settle(results: Map<string, PhaseRunResult>, phase: Phase, result: PhaseRunResult): void {
  results.set(phase.name, result);
  if (result.error) throw new PhaseFailed(result.error);
}

async function recordDownFailure(ctx: RunContext, phase: Phase, result: PhaseRunResult): Promise<void> {
  const row = await ctx.store.getMigration(phase.name);
  if (!row) return;
  await ctx.store.upsertMigration({
    ...row,
    status: 'failed',
    finishedAt: ctx.nowIso(),
    message: `down incomplete: ${result.error?.message ?? 'unknown failure'}`,
  });
}

/** An abort between phases: the next phase does not start (and leaves no bookkeeping row). */
function stopIfAborted(ctx: RunContext, phase: Phase): void {
  if (!ctx.signal?.aborted) return;
  throw new PhaseFailed(ctx.stop.error(phase.name, false));
}

function untouched(phase: Phase, outcome: 'unchanged' | 'not_run'): PhaseReport {
  return {
    name: phase.name,
    outcome,
    checksum: phaseChecksum(phase),
    durationMs: 0,
    indexesCreated: 0,
    indexesSkipped: 0,
    indexesDropped: 0,
    indexes: [],
  };
}

function countIndexes(phases: readonly Phase[]): number {
  return phases.reduce((n, p) => n + p.indexes.length, 0);
}

function finishRun(
  ctx: RunContext,
  command: 'up' | 'down',
  started: number,
  phases: readonly PhaseReport[],
  error: RunError | undefined,
): RunReport {
  const durationMs = ctx.clock.now() - started;
  ctx.notify('runFinished', { ok: !error, durationMs });
  ctx.log.info(
    { command, ok: !error, durationMs },
    error ? `${command} failed: ${error.message}` : `${command} finished`,
  );
  return {
    command,
    ok: !error,
    runId: ctx.runId,
    catalogue: ctx.catalogue.name,
    startedAt: new Date(started).toISOString(),
    finishedAt: ctx.nowIso(),
    durationMs,
    phases,
    ...(error ? { error } : {}),
  };
}
