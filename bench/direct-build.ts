/**
 * The comparison every engine figure is held against: the same index statements the engine would run,
 * sent directly one after another on the shared connection, with the ANALYZE the engine runs after each
 * phase; and what undoes them.
 */
import type { Catalogue } from '../src/catalogue/catalogue.js';
import type { IndexDefinition } from '../src/catalogue/index-definition.js';
import type { Dialect } from '../src/dialects/dialect.js';
import { planRun, type EngineDeps } from '../src/engine/engine.js';
import { nowMs } from './timer.js';

/** The definitions the engine would build now, as it would build them on this dialect. */
export async function pendingDefinitions(
  deps: EngineDeps,
  catalogue: Catalogue,
  phases: { readonly phases?: readonly string[] },
): Promise<IndexDefinition[]> {
  const plan = await planRun(deps, catalogue, phases);
  return plan.phases.flatMap((p) => p.indexes.filter((i) => i.action === 'create').map((i) => i.index));
}

export async function dropDirect(db: Dialect, defs: readonly IndexDefinition[]): Promise<void> {
  for (const d of defs) await db.execute(db.renderDropIndex(d.name, d.table));
}

/** The same statements the engine runs, one after another, with the ANALYZE it runs after each phase. */
export async function buildDirect(db: Dialect, defs: readonly IndexDefinition[]): Promise<number> {
  const t0 = nowMs();
  let phase: string | undefined;
  let tables = new Set<string>();
  for (const d of defs) {
    if (phase !== undefined && d.phase !== phase) {
      await db.analyze([...tables]);
      tables = new Set();
    }
    phase = d.phase;
    tables.add(d.table);
    await db.execute(db.renderCreateIndex(d));
  }
  if (tables.size) await db.analyze([...tables]);
  return (nowMs() - t0) / 1000;
}
