/**
 * The comparison every engine figure is held against: the same index statements the engine would run,
 * sent directly one after another on the shared connection, with the ANALYZE the engine runs after each
 * phase; and what undoes them.
 */
import type { Catalogue } from '../src/catalogue/catalogue.js';
import type { IndexDefinition } from '../src/catalogue/index-definition.js';
import type { Dialect } from '../src/dialects/dialect.js';
import { DEFAULT_RUN_OPTIONS, planRun, type EngineDeps, type Plan } from '../src/engine/engine.js';
import { nowMs } from './timer.js';

/** The engine's default session settings for the untimed drops. */
const UNDO_OPTIONS = {
  lockTimeoutMs: DEFAULT_RUN_OPTIONS.lockTimeoutMs,
  statementTimeoutMs: DEFAULT_RUN_OPTIONS.statementTimeoutMs,
  busyTimeoutMs: DEFAULT_RUN_OPTIONS.busyTimeoutMs,
} as const;

/** The definitions the engine would build now, as it would build them on this dialect. */
export async function pendingDefinitions(
  deps: EngineDeps,
  catalogue: Catalogue,
  phases: { readonly phases?: readonly string[] },
): Promise<IndexDefinition[]> {
  return definitionsToCreate(await planRun(deps, catalogue, phases));
}

/** The definitions a plan creates, in build order. */
export function definitionsToCreate(plan: Pick<Plan, 'phases'>): IndexDefinition[] {
  return plan.phases.flatMap((p) => p.indexes.filter((i) => i.action === 'create').map((i) => i.index));
}

/**
 * Drops what buildDirect built as `down` drops the engine's: through the dialect's dropIndex (on MariaDB
 * that adds back a foreign key's own index, which InnoDB dropped when a catalogue index took over the key:
 * a bare DROP INDEX fails there with ER_DROP_INDEX_FK), in the order `down` drops them (phases newest
 * first, each phase's indexes by name), so that both sides of a comparison leave the next build the same
 * schema and free pages. On SQLite the order matters: at 1m, dropped in build order, the direct builds
 * that followed the engine's rollback took 10% more CPU than the engine's builds that followed this drop
 * (bench 2026-12-03: engine / direct 0.908x in both rounds); dropped newest first, as `down` drops
 * phases, 1.006x and 0.998x (2 rounds, same database; wall 0.98x and 1.03x).
 */
export async function dropDirect(db: Dialect, defs: readonly IndexDefinition[]): Promise<void> {
  const byName = (a: IndexDefinition, b: IndexDefinition): number =>
    a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
  for (const phase of [...new Set(defs.map((d) => d.phase))].reverse())
    for (const d of defs.filter((x) => x.phase === phase).sort(byName))
      await db.dropIndex(d.name, UNDO_OPTIONS);
  // The sessions the drops ran on are not left for the engine's next run to find open.
  await db.releaseSessions();
}

/**
 * The same statements the engine runs, one after another, with the ANALYZE it runs after each phase (its
 * tables in the engine's order, sorted by name).
 */
export async function buildDirect(db: Dialect, defs: readonly IndexDefinition[]): Promise<number> {
  const t0 = nowMs();
  let phase: string | undefined;
  let tables = new Set<string>();
  for (const d of defs) {
    if (phase !== undefined && d.phase !== phase) {
      await db.analyze([...tables].sort());
      tables = new Set();
    }
    phase = d.phase;
    tables.add(d.table);
    await db.execute(db.renderCreateIndex(d));
  }
  if (tables.size) await db.analyze([...tables].sort());
  return (nowMs() - t0) / 1000;
}
