/**
 * Build rows for the outcomes that need no build (exists, skip, conflict), and the duplicate-key detail
 * added to a failed unique build's message.
 */
import { errorMessage } from '../errors.js';
import type { IndexDefinition } from '../catalogue/index-definition.js';
import type { BuildStatus } from './bookkeeping-store.js';
import type { PlannedIndex } from './engine.js';
import type { IndexAction } from './run-observer.js';
import type { BuildOutcome } from './index-builder.js';
import type { RunContext } from './run-context.js';
import { newBuildRow } from './attempt.js';

/** Records an index that needs no build: exists, skip (with reason), or conflict (a permanent failure). */
export async function recordFinished(
  ctx: RunContext,
  phase: string,
  planned: PlannedIndex,
  attempt: number,
): Promise<BuildOutcome> {
  const def = planned.index;
  const conflict = planned.action === 'conflict';
  const action: IndexAction = planned.action === 'skip' ? 'skip' : conflict ? 'create' : 'exists';
  const status: BuildStatus = conflict ? 'failed' : 'succeeded';
  const message = planned.reason ?? null;
  const now = ctx.nowIso();
  const target = { phase, name: def.name, table: def.table, action, attempt };
  await ctx.store.insertBuild({
    ...newBuildRow(ctx, target, now),
    status,
    finishedAt: now,
    durationMs: 0,
    errorCode: conflict ? 'conflict' : null,
    errorMessage: message,
  });
  const log = ctx.log.child({ phase, index: def.name });
  const base = { name: def.name, table: def.table, attempts: attempt, durationMs: 0 };
  if (conflict) {
    const text = message ?? `index ${def.name} conflicts with an existing index`;
    log.error({ existing: planned.existingName }, text);
    ctx.notify('indexFailed', { phase, index: def, attempt, reason: 'conflict', message: text });
    return {
      created: false,
      report: { ...base, action: 'conflict', status: 'failed', message: text, errorCode: 'conflict' },
      error: { message: text, errorClass: 'permanent', reason: 'conflict', phase, index: def.name },
    };
  }
  log.info({ action, reason: planned.reason, existing: planned.existingName }, `index ${action}`);
  ctx.notify('indexFinished', { phase, index: def, action, attempt, durationMs: 0 });
  const report = { ...base, action, status: action === 'skip' ? 'skipped' : 'succeeded' } as const;
  return { created: false, report: message === null ? report : { ...report, message } };
}

/**
 * `; duplicate key (email)=(a@example.com) appears 2 times` for a failed unique build, found with a
 * GROUP BY (portable; PostgreSQL's own detail is in the driver message too). Empty when not found.
 */
export async function describeDuplicate(ctx: RunContext, def: IndexDefinition): Promise<string> {
  if (def.where.length > 0) return '';
  const cols = def.columns.map((c) => ctx.dialect.quoteIdentifier(c.name));
  const list = cols.join(', ');
  const notNull = cols.map((c) => `${c} IS NOT NULL`).join(' AND ');
  try {
    const rows = await ctx.dialect.query<Record<string, unknown>>(
      `SELECT ${list}, COUNT(*) AS n FROM ${ctx.dialect.quoteIdentifier(def.table)} WHERE ${notNull} ` +
        `GROUP BY ${list} HAVING COUNT(*) > 1 LIMIT 1`,
    );
    const row = rows[0];
    if (!row) return '';
    const values = def.columns.map((c) => String(row[c.name]));
    const names = def.columns.map((c) => c.name).join(', ');
    return `; duplicate key (${names})=(${values.join(', ')}) appears ${String(row['n'])} times: remove the duplicates or make the index non-unique`;
  } catch (e) {
    ctx.log.warn({ err: e, index: def.name }, `could not look up the duplicate key: ${errorMessage(e)}`);
    return '';
  }
}
