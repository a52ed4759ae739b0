/**
 * The SQLite runner lock is one row in `index_operator_lock`, taken inside a BEGIN IMMEDIATE
 * transaction. Pure pieces here: the table, staleness (same host, process gone) and the message.
 */
import { hostname } from 'node:os';

export const LOCK_TABLE_SQL = `CREATE TABLE IF NOT EXISTS index_operator_lock (
  id INTEGER PRIMARY KEY CHECK (id = 1), owner TEXT NOT NULL, token TEXT NOT NULL,
  pid INTEGER NOT NULL, hostname TEXT NOT NULL, acquired_at TEXT NOT NULL)`;

export interface LockRow extends Record<string, unknown> {
  readonly owner: string;
  /** Random per acquisition: release deletes only its own row. */
  readonly token: string;
  readonly pid: number;
  readonly hostname: string;
  readonly acquired_at: string;
}

/**
 * A row left by a process that no longer exists on this host. A row from another host is never stale
 * (we cannot see its processes): it has to be removed by hand, as the timeout message says.
 */
export function isStale(row: LockRow): boolean {
  if (row.hostname !== hostname()) return false;
  try {
    process.kill(row.pid, 0);
    return false;
  } catch (e) {
    return (e as { code?: unknown }).code === 'ESRCH';
  }
}

export function lockHeldMessage(target: string, holder: LockRow, waitMs: number): string {
  return (
    `another index-operator runner holds the runner lock on ${target}: owner '${holder.owner}', ` +
    `pid ${holder.pid} on host ${holder.hostname}, since ${holder.acquired_at}; waited ` +
    `${Math.round(waitMs / 100) / 10}s. Wait for it to finish; if that process is gone, delete ` +
    'the row from index_operator_lock and run again'
  );
}
