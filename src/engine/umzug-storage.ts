/**
 * Umzug storage backed by index_operator_migrations. Each phase is one migration named after it.
 * `executed` is derived from the database's real state for the direction the runner is going (see
 * executedPhases). logMigration/unlogMigration write the final row of a phase from the result the
 * migration left.
 */
import type { UmzugStorage } from 'umzug';
import type { PlannedPhase } from './engine.js';
import { planPhases } from './planner.js';
import type { PhaseRunResult } from './phase-runner.js';
import type { RunContext } from './run-context.js';

export type Direction = 'up' | 'down';

export class BookkeepingUmzugStorage implements UmzugStorage {
  constructor(
    private readonly ctx: RunContext,
    private readonly direction: Direction,
    /** Results the phase migrations leave for logMigration/unlogMigration, by phase name. */
    private readonly results: ReadonlyMap<string, PhaseRunResult>,
  ) {}

  async executed(): Promise<string[]> {
    return executedPhases(this.ctx, this.direction);
  }

  /** `succeeded`, or `skipped` when every index was skipped: then nothing is recorded as applied. */
  async logMigration({ name }: { name: string }): Promise<void> {
    const report = this.resultOf(name).report;
    const skipped = report.outcome === 'skipped';
    await this.ctx.store.upsertMigration({
      phase: name,
      catalogue: this.ctx.catalogue.name,
      checksum: report.checksum,
      status: skipped ? 'skipped' : 'succeeded',
      startedAt: report.startedAt ?? this.ctx.nowIso(),
      finishedAt: report.finishedAt ?? this.ctx.nowIso(),
      durationMs: report.durationMs,
      indexesCreated: report.indexesCreated,
      indexesSkipped: report.indexesSkipped,
      message: skipped ? (report.message ?? null) : null,
    });
    this.ctx.notify('phaseFinished', {
      phase: name,
      result: 'succeeded',
      durationMs: report.durationMs,
      indexesCreated: report.indexesCreated,
      indexesSkipped: report.indexesSkipped,
    });
  }

  async unlogMigration({ name }: { name: string }): Promise<void> {
    const report = this.resultOf(name).report;
    const dropped = report.indexesDropped;
    await this.ctx.store.upsertMigration({
      phase: name,
      catalogue: this.ctx.catalogue.name,
      checksum: report.checksum,
      status: 'rolled_back',
      startedAt: report.startedAt ?? this.ctx.nowIso(),
      finishedAt: report.finishedAt ?? this.ctx.nowIso(),
      durationMs: report.durationMs,
      indexesCreated: 0,
      indexesSkipped: 0,
      message: `rolled back: dropped ${dropped} index${dropped === 1 ? '' : 'es'} the engine owned`,
    });
    this.ctx.notify('phaseFinished', {
      phase: name,
      result: 'rolled_back',
      durationMs: report.durationMs,
      indexesCreated: 0,
      indexesSkipped: 0,
    });
  }

  private resultOf(name: string): PhaseRunResult {
    const result = this.results.get(name);
    if (!result) throw new Error(`bug: phase ${name} finished without leaving a result`);
    return result;
  }
}

/**
 * The phases Umzug counts as executed, derived from the database's real state (phase-state.ts), never
 * from a `succeeded` row alone:
 * - up: phases applied now (recorded succeeded with the catalogue's checksum AND every index there);
 * - down: phases that may own something: a row that is not rolled_back, an owned index, or an INVALID
 *   leftover of one of its indexes.
 */
export async function executedPhases(ctx: RunContext, direction: Direction): Promise<string[]> {
  const planned = await planNow(ctx);
  if (direction === 'up') return planned.filter((p) => p.applied && !p.drift).map((p) => p.name);
  const rows = new Map((await ctx.store.listMigrations()).map((r) => [r.phase, r]));
  const owning = new Set((await ctx.store.listOwned()).map((o) => o.phase));
  return planned
    .filter((p) => {
      const row = rows.get(p.name);
      const recorded = row !== undefined && row.status !== 'rolled_back';
      return recorded || owning.has(p.name) || p.indexes.some((i) => i.action === 'rebuild');
    })
    .map((p) => p.name);
}

/** Every phase of the run's catalogue planned against a fresh read of the database and bookkeeping. */
export async function planNow(ctx: RunContext): Promise<PlannedPhase[]> {
  ctx.invalidateSnapshot();
  const [snapshot, migrations, owned] = await Promise.all([
    ctx.snapshot(),
    ctx.store.listMigrations(),
    ctx.store.listOwned(),
  ]);
  return planPhases({
    phases: ctx.catalogue.phases,
    snapshot,
    capabilities: ctx.dialect.capabilities,
    migrations,
    owned: new Set(owned.map((o) => o.indexName)),
  });
}
