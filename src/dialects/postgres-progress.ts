/**
 * Live build progress on PostgreSQL: `pg_stat_progress_create_index` rows of the current database and
 * the ratio within each build phase (blocks for scans, tuples for sort/load, lockers for waits).
 * Pure but for the SQL text: the dialect runs it.
 */
import type { BuildProgress } from './dialect.js';

export const POSTGRES_PROGRESS_SQL = `
SELECT p.phase,
       i.relname AS index_name,
       t.relname AS table_name,
       p.lockers_total, p.lockers_done,
       p.blocks_total, p.blocks_done,
       p.tuples_total, p.tuples_done
  FROM pg_stat_progress_create_index p
  JOIN pg_class t ON t.oid = p.relid
  LEFT JOIN pg_class i ON i.oid = p.index_relid AND p.index_relid <> 0
 WHERE p.datid = (SELECT oid FROM pg_database WHERE datname = current_database())`;

export interface ProgressRow {
  readonly phase: string;
  readonly indexName: string | null;
  readonly tableName: string;
  readonly lockersTotal: number;
  readonly lockersDone: number;
  readonly blocksTotal: number;
  readonly blocksDone: number;
  readonly tuplesTotal: number;
  readonly tuplesDone: number;
}

/** Progress within the build's phase: blocks for scans, tuples for sort/load, lockers for waits. */
export function progressRatio(row: ProgressRow): number {
  const ratio = (done: number, total: number): number => (total > 0 ? Math.min(1, done / total) : 0);
  if (row.phase.startsWith('waiting')) return ratio(row.lockersDone, row.lockersTotal);
  if (row.phase.includes('scanning')) return ratio(row.blocksDone, row.blocksTotal);
  if (row.phase.includes('tuples')) return ratio(row.tuplesDone, row.tuplesTotal);
  return 0;
}

/** Sessions the build waits for; 0 outside the `waiting for ...` phases. */
export function lockersWaiting(row: ProgressRow): number {
  return row.phase.startsWith('waiting') ? Math.max(0, row.lockersTotal - row.lockersDone) : 0;
}

export function toProgressRow(r: Record<string, unknown>): ProgressRow {
  const n = (v: unknown): number => (v === null || v === undefined ? 0 : Number(v));
  return {
    phase: String(r['phase']),
    indexName: typeof r['index_name'] === 'string' ? r['index_name'] : null,
    tableName: String(r['table_name']),
    lockersTotal: n(r['lockers_total']),
    lockersDone: n(r['lockers_done']),
    blocksTotal: n(r['blocks_total']),
    blocksDone: n(r['blocks_done']),
    tuplesTotal: n(r['tuples_total']),
    tuplesDone: n(r['tuples_done']),
  };
}

export function postgresBuildProgress(row: ProgressRow): BuildProgress {
  const { phase, indexName, tableName, ...counters } = row;
  return {
    phase,
    indexName,
    tableName,
    ratio: progressRatio(row),
    lockersWaiting: lockersWaiting(row),
    counters: JSON.stringify(counters),
  };
}
