/**
 * Step boundaries of a run, for hooks that must act exactly there: the kill test stops the process at
 * each of them to prove a rerun converges (see src/cli/fault-injection.ts, wired in only by the CLI's
 * entry point from its environment). The engine calls `EngineDeps.steps` at every boundary; without a
 * hook nothing happens. Boundaries:
 * - before/after each bookkeeping write (`before:upsertMigration`, `after:insertBuild`, …);
 * - during a build (`during:build`), a drop of `down` (`during:drop`) and a drop of a rollback or of
 *   the repair of INVALID leftovers (`during:rollback`): the statement has been started and is in
 *   flight while the hook runs.
 */
import type { BookkeepingStore } from './bookkeeping-store.js';

export const BOOKKEEPING_WRITES = ['upsertMigration', 'insertBuild', 'finishBuild', 'disown'] as const;
export type BookkeepingWrite = (typeof BOOKKEEPING_WRITES)[number];

export type StepPoint =
  | `before:${BookkeepingWrite}`
  | `after:${BookkeepingWrite}`
  | 'during:build'
  | 'during:drop'
  | 'during:rollback';

/** Called at each step boundary; the run waits for it. */
export type StepHook = (point: StepPoint) => void | Promise<void>;

/** The store with the hook called before and after each write. */
export function steppedStore(store: BookkeepingStore, step: StepHook): BookkeepingStore {
  const around =
    <A extends unknown[]>(name: BookkeepingWrite, write: (...args: A) => Promise<void>) =>
    async (...args: A): Promise<void> => {
      await step(`before:${name}`);
      await write(...args);
      await step(`after:${name}`);
    };
  return {
    ...pick(store),
    upsertMigration: around('upsertMigration', (row) => store.upsertMigration(row)),
    insertBuild: around('insertBuild', (row) => store.insertBuild(row)),
    finishBuild: around('finishBuild', (id, finish) => store.finishBuild(id, finish)),
    disown: around('disown', (name) => store.disown(name)),
  };
}

function pick(store: BookkeepingStore): Omit<BookkeepingStore, BookkeepingWrite> {
  return {
    ensureTables: () => store.ensureTables(),
    tablesExist: () => store.tablesExist(),
    listMigrations: () => store.listMigrations(),
    getMigration: (phase) => store.getMigration(phase),
    listBuilds: (phase) => store.listBuilds(phase),
    listRunningBuilds: () => store.listRunningBuilds(),
    listOwned: (phase) => store.listOwned(phase),
  };
}

/**
 * Runs the statement and, while it is in flight, the hook; resolves/rejects as the statement does.
 * `after` (the build row's write, which the statement waits for) comes before the hook, so the step
 * points keep their order; when it fails, the hook is not called.
 */
export async function duringStatement(
  step: StepHook | undefined,
  point: Extract<StepPoint, `during:${string}`>,
  statement: () => Promise<void>,
  after?: Promise<void>,
): Promise<void> {
  const running = statement();
  if (step === undefined) return running;
  // The statement's failure is the caller's to handle, also while the hook runs.
  running.catch(() => undefined);
  try {
    await after;
  } catch {
    return running;
  }
  await step(point);
  return running;
}
