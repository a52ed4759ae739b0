/**
 * Sessions that would block a build or a drop, waited for BEFORE the statement runs (nothing created,
 * no lock taken, so writers are never queued behind us), and named when they do not end in time:
 * - CREATE INDEX CONCURRENTLY records the index (INVALID), builds it, then waits for every transaction
 *   holding a snapshot older than its own (a long REPEATABLE READ reader anywhere in the database); when
 *   lock_timeout cancels that wait, an INVALID index is left. So first wait for the transactions open now.
 * - DROP INDEX CONCURRENTLY waits for every transaction holding any lock on the table (a reader too).
 * The wait is bounded by BuildOptions.snapshotWaitMs (`--snapshot-wait`); 0 = do not wait beforehand.
 */
import type pg from 'pg';
import { APPLICATION_NAME } from './postgres-session.js';

/** A session of another client, as a message names it. */
export interface BlockingSession extends Record<string, unknown> {
  readonly pid: number;
  readonly application_name: string | null;
  readonly state: string | null;
  /** Milliseconds its transaction has been open. */
  readonly xact_age_ms: number | null;
  readonly query_start: Date | null;
  readonly xact_start: Date | null;
}

const SESSION_COLUMNS = `a.pid, a.application_name, a.state, a.query_start, a.xact_start,
  (extract(epoch FROM clock_timestamp() - a.xact_start) * 1000)::bigint AS xact_age_ms`;

/**
 * Client transactions in this database holding a snapshot (backend_xmin: what CONCURRENTLY's last phase
 * waits for; a READ COMMITTED transaction idle between statements holds none), but not index-operator's
 * own sessions (another build of this run: PostgreSQL handles those).
 */
const SNAPSHOT_HOLDERS_SQL = `SELECT ${SESSION_COLUMNS} FROM pg_stat_activity a
  WHERE a.datname = current_database() AND a.pid <> pg_backend_pid() AND a.backend_type = 'client backend'
    AND a.xact_start IS NOT NULL AND a.backend_xmin IS NOT NULL
    AND a.application_name NOT LIKE '${APPLICATION_NAME}%'
  ORDER BY a.xact_start`;

/**
 * Before a build, in one round trip: the transactions holding a write lock on the table now (kind
 * 'writer', with their vxid; see waitForOpenWriters in postgres-dialect.ts) and the snapshot holders.
 */
const BEFORE_BUILD_SQL = `SELECT DISTINCT 'writer' AS kind, l.virtualtransaction AS vxid, NULL::int AS pid,
    NULL::text AS application_name, NULL::text AS state, NULL::timestamptz AS query_start,
    NULL::timestamptz AS xact_start, NULL::bigint AS xact_age_ms
  FROM pg_locks l
  WHERE l.locktype = 'relation' AND l.relation = to_regclass($1) AND l.granted
    AND l.pid <> pg_backend_pid() AND l.mode = 'RowExclusiveLock'
  UNION ALL
  SELECT 'holder', NULL, h.* FROM (${SNAPSHOT_HOLDERS_SQL}) h
  ORDER BY kind DESC, xact_start`;

export interface BeforeBuild {
  /** Virtual transaction ids of the open transactions that write the table. */
  readonly writers: readonly string[];
  readonly snapshotHolders: readonly BlockingSession[];
}

/** What a build would wait for, as of now (one query). */
export async function blockersBeforeBuild(client: pg.Client, quotedTable: string): Promise<BeforeBuild> {
  const { rows } = await client.query<BlockingSession & { kind: string; vxid: string | null }>(
    BEFORE_BUILD_SQL,
    [quotedTable],
  );
  const writers: string[] = [];
  const snapshotHolders: BlockingSession[] = [];
  for (const { kind, vxid, ...session } of rows) {
    if (kind === 'writer' && vxid !== null) writers.push(vxid);
    else if (kind === 'holder') snapshotHolders.push(session);
  }
  return { writers, snapshotHolders };
}

/** Sessions holding any lock on the index's table (what DROP INDEX CONCURRENTLY waits for). */
const TABLE_LOCKERS_SQL = `SELECT DISTINCT ${SESSION_COLUMNS} FROM pg_locks l
  JOIN pg_stat_activity a ON a.pid = l.pid
  WHERE l.locktype = 'relation' AND l.granted AND l.pid <> pg_backend_pid()
    AND l.relation = (SELECT indrelid FROM pg_index WHERE indexrelid = to_regclass($1))
    AND a.application_name NOT LIKE '${APPLICATION_NAME}%'
  ORDER BY a.xact_start`;

const POLL_MS = 100;

export interface WaitOutcome {
  /** Sessions still open when the wait ended (empty: all ended). */
  readonly still: readonly BlockingSession[];
  readonly waitedMs: number;
}

/**
 * Waits for the transactions holding a snapshot now to end, up to waitMs; `now` when the caller has
 * just read them (blockersBeforeBuild), saving the first query.
 */
export function waitForSnapshotHolders(
  client: pg.Client,
  waitMs: number,
  onWait: (sessions: readonly BlockingSession[]) => void,
  now?: readonly BlockingSession[],
): Promise<WaitOutcome> {
  return waitForSessions(client, SNAPSHOT_HOLDERS_SQL, [], waitMs, onWait, now);
}

/** Waits for the transactions holding a lock on the index's table now to end, up to waitMs. */
export function waitForTableLockers(
  client: pg.Client,
  quotedIndex: string,
  waitMs: number,
  onWait: (sessions: readonly BlockingSession[]) => void,
): Promise<WaitOutcome> {
  return waitForSessions(client, TABLE_LOCKERS_SQL, [quotedIndex], waitMs, onWait);
}

/** The sessions that may block a build now (for a message after a lock timeout). */
export async function snapshotHolders(query: pg.Pool | pg.Client): Promise<BlockingSession[]> {
  return (await query.query<BlockingSession>(SNAPSHOT_HOLDERS_SQL)).rows;
}

/** The same transactions (pid and start) still open: a session that began a new one does not count. */
async function waitForSessions(
  client: pg.Client,
  sql: string,
  params: readonly unknown[],
  waitMs: number,
  onWait: (sessions: readonly BlockingSession[]) => void,
  now?: readonly BlockingSession[],
): Promise<WaitOutcome> {
  const started = Date.now();
  if (waitMs <= 0) return { still: [], waitedMs: 0 };
  const first = now ?? (await client.query<BlockingSession>(sql, [...params])).rows;
  if (first.length === 0) return { still: [], waitedMs: 0 };
  onWait(first);
  const key = (s: BlockingSession): string => `${s.pid}@${s.xact_start?.getTime() ?? ''}`;
  let waiting = first;
  for (;;) {
    const now = new Set((await client.query<BlockingSession>(sql, [...params])).rows.map(key));
    waiting = waiting.filter((s) => now.has(key(s)));
    const waitedMs = Date.now() - started;
    if (waiting.length === 0 || waitedMs >= waitMs) return { still: waiting, waitedMs };
    await new Promise((r) => setTimeout(r, Math.min(POLL_MS, waitMs - waitedMs)));
  }
}

/** `pid 123 (application 'psql', idle in transaction, transaction open 75.0s, query started …)`. */
export function describeSessions(sessions: readonly BlockingSession[]): string {
  const shown = sessions.slice(0, 3).map((s) => {
    const age = s.xact_age_ms === null ? 'unknown' : `${(Number(s.xact_age_ms) / 1000).toFixed(1)}s`;
    return (
      `pid ${s.pid} (application '${s.application_name ?? ''}', ${s.state ?? 'state unknown'}, ` +
      `transaction open ${age}, query started ${s.query_start?.toISOString() ?? 'unknown'})`
    );
  });
  const more = sessions.length > 3 ? ` and ${sessions.length - 3} more` : '';
  return `${shown.join(', ')}${more}`;
}
