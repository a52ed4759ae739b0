/**
 * Before a run (holding the runner lock, so no other runner is active): rows a dead runner left
 * `running` are settled against the database; then INVALID leftovers of the catalogue's indexes (a
 * killed build, a rollback whose drop was held up) are dropped first, with the usual retries and
 * bookkeeping rows, before any phase runs. `up` then builds them again in their phase.
 */
import type { ExistingIndex } from '../dialects/dialect.js';
import type { BuildRow } from './bookkeeping-store.js';
import type { RunError } from './engine.js';
import { dropIndexes, type DropTarget } from './index-dropper.js';
import type { RunContext } from './run-context.js';

/**
 * Drops every INVALID leftover of the catalogue's indexes. One that cannot be dropped (after retries)
 * stops the run before any phase: the error names it and why, its failed drop is recorded, and the
 * next run tries it first again.
 */
export async function repairInvalidLeftovers(ctx: RunContext): Promise<RunError | undefined> {
  const phaseOf = new Map(ctx.catalogue.phases.flatMap((p) => p.indexes.map((i) => [i.name, p.name])));
  const snapshot = await ctx.dialect.introspect();
  const byPhase = new Map<string, DropTarget[]>();
  for (const i of snapshot.indexes) {
    const phase = phaseOf.get(i.name);
    if (phase === undefined || (i.valid && i.ready)) continue;
    byPhase.set(phase, [...(byPhase.get(phase) ?? []), { name: i.name, table: i.table }]);
  }
  if (byPhase.size === 0) return undefined;
  ctx.invalidateSnapshot();
  const left: string[] = [];
  let first: RunError | undefined;
  for (const [phase, targets] of byPhase) {
    ctx.log.warn({ phase, indexes: targets.map((t) => t.name) }, 'dropping INVALID leftovers first');
    const result = await dropIndexes(ctx, phase, targets, 'rollback');
    left.push(...targets.map((t) => t.name).filter((n) => !result.dropped.includes(n)));
    first ??= result.error;
  }
  if (first === undefined) return undefined;
  const message =
    `INVALID index${left.length === 1 ? '' : 'es'} ${left.join(', ')} left by an earlier run could not be ` +
    `dropped, so no phase ran (the failed drop is recorded; the next run tries it first again): ${first.message}`;
  return { ...first, message };
}

export async function reconcileInterrupted(ctx: RunContext): Promise<void> {
  const builds = await ctx.store.listRunningBuilds();
  const phases = (await ctx.store.listMigrations()).filter((m) => m.status === 'running');
  if (builds.length === 0 && phases.length === 0) return;
  const snapshot = await ctx.dialect.introspect();
  const present = new Map(snapshot.indexes.map((i) => [i.name, i]));
  for (const row of builds) await settleBuild(ctx, row, present.get(row.indexName));
  for (const m of phases) {
    ctx.log.warn({ phase: m.phase }, 'phase was left running by a runner that stopped; marking it failed');
    await ctx.store.upsertMigration({
      ...m,
      status: 'failed',
      finishedAt: ctx.nowIso(),
      message: 'interrupted: the runner stopped before the phase finished; run up again to finish it',
    });
  }
}

async function settleBuild(
  ctx: RunContext,
  row: BuildRow,
  existing: ExistingIndex | undefined,
): Promise<void> {
  const finishedAt = ctx.nowIso();
  const durationMs = Math.max(0, Date.parse(finishedAt) - Date.parse(row.startedAt));
  const healthy = existing !== undefined && existing.valid && existing.ready;
  const log = ctx.log.child({ phase: row.phase, index: row.indexName });
  if (row.action === 'drop') {
    // Gone: the drop completed. Still there: the drop did not happen; the index stays owned.
    await ctx.store.finishBuild(row.id, {
      status: existing ? 'failed' : 'succeeded',
      finishedAt,
      durationMs,
      ...(existing
        ? { errorCode: 'interrupted', errorMessage: 'interrupted: the runner stopped during the drop' }
        : {}),
    });
    if (!existing) await ctx.store.disown(row.indexName);
    log.warn({ completed: !existing }, 'settled an interrupted drop');
    return;
  }
  const message = healthy
    ? 'completed, but the runner stopped before recording it'
    : existing
      ? 'interrupted: the runner stopped during the build; the INVALID leftover is rebuilt or dropped by the next run'
      : 'interrupted: the runner stopped during the build';
  await ctx.store.finishBuild(row.id, {
    status: healthy ? 'succeeded' : 'failed',
    finishedAt,
    durationMs,
    owned: healthy,
    errorCode: healthy ? null : 'interrupted',
    errorMessage: message,
  });
  log.warn({ valid: healthy }, `settled an interrupted build: ${message}`);
}
