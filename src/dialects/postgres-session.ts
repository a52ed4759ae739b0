/**
 * Pure pieces of the PostgreSQL dialect's dedicated sessions: the SET statements of a build, the runner
 * lock's advisory key and holder query, and the messages a user reads. No driver code here.
 */
import { UsageError } from '../errors.js';
import type { BuildOptions } from './dialect.js';

export const APPLICATION_NAME = 'index-operator';

/** The runner lock's advisory key (bigint `0x494F_5052_4C4B`, "IOPRLK"), and its pg_locks classid/objid. */
export const LOCK_CLASSID = 0x494f;
export const LOCK_OBJID = 0x50524c4b;
export const LOCK_KEY = String(LOCK_CLASSID * 2 ** 32 + LOCK_OBJID);

/** The session holding the runner lock in this database. */
export const LOCK_HOLDER_SQL = `
SELECT a.pid, a.application_name, host(a.client_addr) AS client_addr, a.state_change
FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
  AND l.classid = $1::oid AND l.objid = $2::oid
  AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())`;

export interface LockHolderRow extends Record<string, unknown> {
  readonly pid: number;
  readonly application_name: string;
  readonly client_addr: string | null;
  /** When the holder's session last changed state: right after it took the lock, as it then idles. */
  readonly state_change: Date | null;
}

/** `SET lock_timeout`, `SET statement_timeout` and optionally `SET maintenance_work_mem`, validated. */
export function buildSettings(o: BuildOptions): string[] {
  const sql = [
    `SET lock_timeout = ${nonNegativeMs(o.lockTimeoutMs, 'lock timeout')}`,
    `SET statement_timeout = ${nonNegativeMs(o.statementTimeoutMs, 'statement timeout')}`,
  ];
  if (o.maintenanceWorkMem !== undefined) {
    if (!/^\d+\s*(kB|MB|GB|TB)?$/.test(o.maintenanceWorkMem)) {
      throw new UsageError(
        `invalid maintenance_work_mem '${o.maintenanceWorkMem}': use a size such as 256MB or 1GB`,
        { reason: 'bad_option' },
      );
    }
    sql.push(`SET maintenance_work_mem = '${o.maintenanceWorkMem}'`);
  }
  return sql;
}

function nonNegativeMs(ms: number, what: string): number {
  if (!Number.isFinite(ms) || ms < 0) {
    throw new UsageError(`invalid ${what} ${ms}ms: use a duration of 0 or more`, { reason: 'bad_option' });
  }
  return Math.round(ms);
}

/** Names who holds the runner lock: pid, application, client address, since when. */
export function lockHeldMessage(target: string, holder: LockHolderRow | undefined, waitMs: number): string {
  const who =
    holder === undefined
      ? 'another runner (it released the lock just now)'
      : `pid ${holder.pid} (application '${holder.application_name}', client ` +
        `${holder.client_addr ?? 'local socket'}` +
        `${holder.state_change ? `, since ${holder.state_change.toISOString()}` : ''})`;
  return (
    `another index-operator runner holds the runner lock on ${target}: ${who}; ` +
    `waited ${Math.round(waitMs / 100) / 10}s. Wait for it to finish or stop it ` +
    `(its lock is released when its session ends), then run again`
  );
}

/** The driver's message plus its detail (for 23505 it names the duplicate key). */
export function describePgError(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  const detail = (e as { detail?: unknown }).detail;
  return typeof detail === 'string' && detail !== '' ? `${e.message}; ${detail}` : e.message;
}
