import type { Catalogue } from '../catalogue/catalogue.js';
import { phaseChecksum } from '../catalogue/phase-checksum.js';
import type { BuildRow, MigrationRow } from './bookkeeping-store.js';
import type { EngineDeps, PhaseStatusReport, StatusReport } from './engine.js';
import { SqlBookkeepingStore } from './sql-bookkeeping-store.js';

/** Reads the bookkeeping (creating nothing); with a catalogue, adds its pending phases and drift. */
export async function readStatusImpl(deps: EngineDeps, catalogue?: Catalogue): Promise<StatusReport> {
  const store = new SqlBookkeepingStore(deps.dialect);
  const hasTables = await store.tablesExist();
  const migrations = hasTables ? await store.listMigrations() : [];
  const builds = hasTables ? await store.listBuilds() : [];
  const owned = hasTables ? await store.listOwned() : [];
  const rows = new Map(migrations.map((m) => [m.phase, m]));
  const names = catalogue
    ? [
        ...catalogue.phases.map((p) => p.name),
        ...migrations.map((m) => m.phase).filter((n) => !catalogue.phases.some((p) => p.name === n)),
      ]
    : migrations.map((m) => m.phase);
  const checksums = new Map(catalogue?.phases.map((p) => [p.name, phaseChecksum(p)]) ?? []);
  return {
    dialect: deps.dialect.name,
    target: deps.dialect.target,
    ...(catalogue ? { catalogue: catalogue.name } : {}),
    phases: names.map((name) => phaseStatus(name, rows.get(name), builds, checksums.get(name))),
    ownedIndexes: owned.map((o) => o.indexName),
  };
}

function phaseStatus(
  name: string,
  row: MigrationRow | undefined,
  builds: readonly BuildRow[],
  checksum?: string,
): PhaseStatusReport {
  const phaseBuilds = builds.filter((b) => b.phase === name);
  if (!row) return { name, status: 'pending', indexesCreated: 0, indexesSkipped: 0, builds: phaseBuilds };
  return {
    name,
    catalogue: row.catalogue,
    status: row.status,
    checksum: row.checksum,
    ...(checksum === undefined ? {} : { drift: row.status === 'succeeded' && row.checksum !== checksum }),
    startedAt: row.startedAt,
    ...(row.finishedAt === null ? {} : { finishedAt: row.finishedAt }),
    ...(row.durationMs === null ? {} : { durationMs: row.durationMs }),
    indexesCreated: row.indexesCreated,
    indexesSkipped: row.indexesSkipped,
    ...(row.message === null ? {} : { message: row.message }),
    builds: phaseBuilds,
  };
}
