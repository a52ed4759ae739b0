import type { Catalogue } from '../catalogue/catalogue.js';
import type { BuildRow, MigrationRow } from './bookkeeping-store.js';
import type { EngineDeps, PhaseStatusReport, PlannedPhase, StatusReport } from './engine.js';
import { planPhases } from './planner.js';
import { readRemaining, type RemainingEstimate } from './read-estimate.js';
import { systemClock } from './clock.js';
import { SqlBookkeepingStore } from './sql-bookkeeping-store.js';

/**
 * Reads the bookkeeping (creating nothing); with a catalogue, adds its pending phases and drift, and
 * checks each phase against the database the way `plan` does (phase-state.ts), so the two agree.
 */
export async function readStatusImpl(deps: EngineDeps, catalogue?: Catalogue): Promise<StatusReport> {
  const store = new SqlBookkeepingStore(deps.dialect);
  const hasTables = await store.tablesExist();
  const migrations = hasTables ? await store.listMigrations() : [];
  const builds = hasTables ? await store.listBuilds() : [];
  const owned = hasTables ? await store.listOwned() : [];
  const rows = new Map(migrations.map((m) => [m.phase, m]));
  const snapshot = catalogue ? await deps.dialect.introspect() : undefined;
  const planned =
    catalogue && snapshot
      ? planPhases({
          phases: catalogue.phases,
          snapshot,
          capabilities: deps.dialect.capabilities,
          migrations,
          owned: new Set(owned.map((o) => o.indexName)),
        })
      : [];
  const estimate = snapshot
    ? await readRemaining(
        deps.dialect,
        planned,
        { builds, nowMs: (deps.clock ?? systemClock).now() },
        snapshot,
      )
    : undefined;
  const byName = new Map(planned.map((p) => [p.name, p]));
  const names = catalogue
    ? [
        ...catalogue.phases.map((p) => p.name),
        ...migrations.map((m) => m.phase).filter((n) => !catalogue.phases.some((p) => p.name === n)),
      ]
    : migrations.map((m) => m.phase);
  return {
    dialect: deps.dialect.name,
    target: deps.dialect.target,
    ...(catalogue ? { catalogue: catalogue.name } : {}),
    phases: names.map((name) =>
      withRemaining(phaseStatus(name, rows.get(name), builds, byName.get(name)), estimate),
    ),
    ownedIndexes: owned.map((o) => o.indexName),
    ...(estimate ? { estimate } : {}),
  };
}

function withRemaining(p: PhaseStatusReport, estimate: RemainingEstimate | undefined): PhaseStatusReport {
  const left = estimate?.phases.find((e) => e.name === p.name);
  return left ? { ...p, estimatedRemainingSeconds: left.remainingSeconds } : p;
}

function phaseStatus(
  name: string,
  row: MigrationRow | undefined,
  builds: readonly BuildRow[],
  planned: PlannedPhase | undefined,
): PhaseStatusReport {
  const phaseBuilds = builds.filter((b) => b.phase === name);
  if (!row) return { name, status: 'pending', indexesCreated: 0, indexesSkipped: 0, builds: phaseBuilds };
  const message = planned?.message ?? row.message;
  return {
    name,
    catalogue: row.catalogue,
    status: planned?.status ?? row.status,
    checksum: row.checksum,
    ...(planned === undefined ? {} : { drift: planned.drift }),
    startedAt: row.startedAt,
    ...(row.finishedAt === null ? {} : { finishedAt: row.finishedAt }),
    ...(row.durationMs === null ? {} : { durationMs: row.durationMs }),
    indexesCreated: row.indexesCreated,
    indexesSkipped: row.indexesSkipped,
    ...(message === null || message === undefined ? {} : { message }),
    builds: phaseBuilds,
  };
}
