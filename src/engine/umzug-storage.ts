/**
 * Umzug storage backed by index_operator_migrations. Each phase is one migration named after it.
 * `executed` depends on the direction the runner is going:
 * - up: phases whose last run succeeded with the catalogue's current checksum (a drifted, failed,
 *   rolled-back or never-run phase is pending, so `up` runs it);
 * - down: phases that may own indexes (any status but rolled_back).
 * logMigration/unlogMigration write the final row of a phase from the result the migration left.
 */
import type { UmzugStorage } from 'umzug';
import type { Catalogue } from '../catalogue/catalogue.js';
import { phaseChecksum } from '../catalogue/phase-checksum.js';
import type { BookkeepingStore } from './bookkeeping-store.js';
import type { PhaseRunResult } from './phase-runner.js';
import type { RunContext } from './run-context.js';

export type Direction = 'up' | 'down';

export class BookkeepingUmzugStorage implements UmzugStorage {
  private readonly checksums: ReadonlyMap<string, string>;

  constructor(
    private readonly ctx: RunContext,
    private readonly direction: Direction,
    /** Results the phase migrations leave for logMigration/unlogMigration, by phase name. */
    private readonly results: ReadonlyMap<string, PhaseRunResult>,
  ) {
    this.checksums = new Map(ctx.catalogue.phases.map((p) => [p.name, phaseChecksum(p)]));
  }

  async executed(): Promise<string[]> {
    return executedPhases(this.ctx.store, this.ctx.catalogue, this.direction, this.checksums);
  }

  async logMigration({ name }: { name: string }): Promise<void> {
    const report = this.resultOf(name).report;
    await this.ctx.store.upsertMigration({
      phase: name,
      catalogue: this.ctx.catalogue.name,
      checksum: report.checksum,
      status: 'succeeded',
      startedAt: report.startedAt ?? this.ctx.nowIso(),
      finishedAt: report.finishedAt ?? this.ctx.nowIso(),
      durationMs: report.durationMs,
      indexesCreated: report.indexesCreated,
      indexesSkipped: report.indexesSkipped,
      message: null,
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

export async function executedPhases(
  store: BookkeepingStore,
  catalogue: Catalogue,
  direction: Direction,
  checksums: ReadonlyMap<string, string>,
): Promise<string[]> {
  const rows = new Map((await store.listMigrations()).map((r) => [r.phase, r]));
  return catalogue.phases
    .map((p) => p.name)
    .filter((name) => {
      const row = rows.get(name);
      if (!row) return false;
      if (direction === 'down') return row.status !== 'rolled_back';
      return row.status === 'succeeded' && row.checksum === checksums.get(name);
    });
}
