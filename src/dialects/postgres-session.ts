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
SELECT a.pid, a.application_name, host(a.client_addr) AS client_addr, a.backend_start
FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
  AND l.classid = $1::oid AND l.objid = $2::oid
  AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())`;

export interface LockHolderRow extends Record<string, unknown> {
  readonly pid: number;
  readonly application_name: string;
  readonly client_addr: string | null;
  /**
   * When the holder's session started: its runner opened it to take the lock. (Not state_change: the
   * holder checks its session every few seconds, so that is the time of its last check.)
   */
  readonly backend_start: Date | null;
}

/** What this server can do beyond the baseline, found once when the dialect connects. */
export interface ServerCapabilities {
  /** PostgreSQL 14+ `client_connection_check_interval` (and the server's OS supports it). */
  readonly clientConnectionCheck: boolean;
  /** PostgreSQL 11+ `max_parallel_maintenance_workers`. */
  readonly parallelMaintenanceWorkers: boolean;
}

/** No optional setting: what buildSettings assumes when it is not told about the server. */
export const BASELINE_SERVER: ServerCapabilities = {
  clientConnectionCheck: false,
  parallelMaintenanceWorkers: false,
};

/** Capabilities by `server_version_num` (the connection check is also probed: see PostgresDialect.open). */
export function serverCapabilities(versionNum: number): ServerCapabilities {
  return {
    clientConnectionCheck: versionNum >= 140000,
    parallelMaintenanceWorkers: versionNum >= 110000,
  };
}

/**
 * How often a build session's server checks that its client is still connected: a CLI or Job killed in
 * the middle of CREATE INDEX CONCURRENTLY gets its build cancelled by the server within about this long,
 * instead of the build running on (and holding its locks) until it ends by itself.
 */
export const CLIENT_CHECK_INTERVAL_MS = 2_000;

/** Probes whether the server accepts the connection check (it refuses on an OS without support). */
export const CLIENT_CHECK_PROBE_SQL = `SELECT set_config('client_connection_check_interval', '${CLIENT_CHECK_INTERVAL_MS}', true)`;

/**
 * The SET statements of a build or drop session, validated: `lock_timeout`, `statement_timeout`, and
 * when the server has them, `client_connection_check_interval` and the caller's
 * `max_parallel_maintenance_workers`; `maintenance_work_mem` when given.
 */
export function buildSettings(o: BuildOptions, server: ServerCapabilities = BASELINE_SERVER): string[] {
  const sql = [
    `SET lock_timeout = ${nonNegativeMs(o.lockTimeoutMs, 'lock timeout')}`,
    `SET statement_timeout = ${nonNegativeMs(o.statementTimeoutMs, 'statement timeout')}`,
  ];
  if (server.clientConnectionCheck) {
    sql.push(`SET client_connection_check_interval = ${CLIENT_CHECK_INTERVAL_MS}`);
  }
  if (o.maintenanceWorkMem !== undefined) {
    if (!/^\d+\s*(kB|MB|GB|TB)?$/.test(o.maintenanceWorkMem)) {
      throw new UsageError(
        `invalid maintenance_work_mem '${o.maintenanceWorkMem}': use a size such as 256MB or 1GB`,
        { reason: 'bad_option' },
      );
    }
    sql.push(`SET maintenance_work_mem = '${o.maintenanceWorkMem}'`);
  }
  const workers = o.maxParallelMaintenanceWorkers;
  if (workers !== undefined && server.parallelMaintenanceWorkers) {
    if (!Number.isSafeInteger(workers) || workers < 0 || workers > MAX_WORKERS) {
      throw new UsageError(
        `invalid max_parallel_maintenance_workers ${workers}: use a whole number from 0 to ${MAX_WORKERS}`,
        { reason: 'bad_option' },
      );
    }
    sql.push(`SET max_parallel_maintenance_workers = ${workers}`);
  }
  return sql;
}

/** PostgreSQL's own upper bound of max_parallel_maintenance_workers. */
const MAX_WORKERS = 1024;

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
        `${holder.backend_start ? `, since ${holder.backend_start.toISOString()}` : ''})`;
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
