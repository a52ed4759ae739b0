/**
 * Before a run (holding the runner lock, so no other runner is active): rows a dead runner left
 * `running` are settled against the database. No DDL here: an INVALID leftover is rebuilt by the next
 * build of its index (up) or dropped by down/rollback, both with retries.
 */
import type { ExistingIndex } from '../dialects/dialect.js';
import type { BuildRow } from './bookkeeping-store.js';
import type { RunContext } from './run-context.js';

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
