/**
 * Pure pieces of the MariaDB dialect's sessions: how every session starts, the runner lock's name, the
 * queries that name a blocking session or find an orphaned build, and the messages a user reads.
 * No driver code here.
 */
import { createHash } from 'node:crypto';

/**
 * Every session of ours: ANSI_QUOTES (so `"name"` is an identifier, as the shared SQL writes it) and
 * PIPES_AS_CONCAT (`||` concatenates, as in standard SQL), UTC
 * timestamps, utf8mb4. The server's other modes (STRICT_TRANS_TABLES...) are kept.
 */
export const SESSION_INIT_SQL = [
  `SET SESSION sql_mode = CONCAT_WS(',', NULLIF(@@SESSION.sql_mode, ''), 'ANSI_QUOTES', 'PIPES_AS_CONCAT')`,
  `SET SESSION time_zone = '+00:00'`,
  // A recursive CTE may count past MariaDB's default of 1000 steps, as it may on the other databases.
  'SET SESSION max_recursive_iterations = 4294967295',
];

/**
 * GET_LOCK names are server-wide (not per database) and at most 64 characters: the runner lock of one
 * database is `index-operator:<database>`, or a hash of the name when that would be too long.
 */
export function runnerLockName(database: string): string {
  const name = `index-operator:${database}`;
  if (name.length <= 64) return name;
  return `index-operator:${createHash('sha256').update(database).digest('hex').slice(0, 40)}`;
}

/**
 * Who holds the runner lock: GET_LOCK says which session, and the holder writes a row here right after
 * it takes the lock (owner, pid, host, since), so a waiting runner can name it. Rows of other sessions
 * are stale by definition once the lock is taken, and are removed then.
 */
export const LOCK_TABLE_SQL = `CREATE TABLE IF NOT EXISTS index_operator_lock (
  session BIGINT PRIMARY KEY, owner VARCHAR(200) NOT NULL, pid INTEGER NOT NULL,
  hostname VARCHAR(255) NOT NULL, acquired_at VARCHAR(32) NOT NULL)`;

export const LOCK_HOLDER_SQL = `SELECT p.ID AS id, p.USER AS user, p.HOST AS host, p.TIME AS seconds,
    l.owner, l.pid, l.hostname, l.acquired_at
  FROM information_schema.PROCESSLIST p LEFT JOIN index_operator_lock l ON l.session = p.ID
  WHERE p.ID = IS_USED_LOCK(?)`;

export interface SessionRow extends Record<string, unknown> {
  readonly id: number;
  readonly user: string | null;
  readonly host: string | null;
  readonly seconds: number | null;
  readonly command?: string | null;
  readonly state?: string | null;
  readonly lock_mode?: string | null;
}

export interface LockHolderRow extends SessionRow {
  readonly owner: string | null;
  readonly pid: number | null;
  readonly hostname: string | null;
  readonly acquired_at: string | null;
}

export function lockHeldMessage(target: string, holder: LockHolderRow | undefined, waitMs: number): string {
  const runner =
    holder?.owner == null
      ? ''
      : `owner '${holder.owner}', pid ${holder.pid ?? '?'} on host ${holder.hostname ?? '?'}, since ${holder.acquired_at ?? '?'}; `;
  const who =
    holder === undefined
      ? 'another runner (it released the lock just now)'
      : `${runner}session ${holder.id} (${holder.user ?? '?'}@${holder.host ?? '?'})`;
  return (
    `another index-operator runner holds the runner lock on ${target}: ${who}; waited ` +
    `${Math.round(waitMs / 100) / 10}s. Wait for it to finish or stop it (its lock is released when ` +
    'its session ends), then run again'
  );
}

/** Sessions holding a metadata lock on the table (the metadata_lock_info plugin, where installed). */
export const METADATA_LOCK_HOLDERS_SQL = `SELECT DISTINCT p.ID AS id, p.USER AS user, p.HOST AS host,
    p.TIME AS seconds, p.COMMAND AS command, p.STATE AS state, m.LOCK_MODE AS lock_mode
  FROM information_schema.METADATA_LOCK_INFO m JOIN information_schema.PROCESSLIST p ON p.ID = m.THREAD_ID
  WHERE m.TABLE_SCHEMA = DATABASE() AND m.TABLE_NAME = ? AND m.THREAD_ID <> CONNECTION_ID()
  ORDER BY p.TIME DESC LIMIT 5`;

/** Without the plugin: sessions with an open InnoDB transaction (what usually holds the lock). */
export const OPEN_TRANSACTIONS_SQL = `SELECT p.ID AS id, p.USER AS user, p.HOST AS host,
    TIMESTAMPDIFF(SECOND, t.trx_started, NOW()) AS seconds, p.COMMAND AS command, p.STATE AS state
  FROM information_schema.INNODB_TRX t JOIN information_schema.PROCESSLIST p ON p.ID = t.trx_mysql_thread_id
  WHERE p.ID <> CONNECTION_ID() ORDER BY t.trx_started LIMIT 5`;

/** Names the sessions that held the lock a build waited for (ids, users, what they were doing). */
export function describeBlockers(rows: readonly SessionRow[], source: 'metadata' | 'transactions'): string {
  if (rows.length === 0) return 'no blocking session is visible any more';
  const list = rows
    .map(
      (r) =>
        `session ${r.id} (${r.user ?? '?'}@${r.host ?? '?'}, ${r.command ?? '?'}` +
        `${r.state ? `, ${r.state}` : ''}${r.lock_mode ? `, holds ${r.lock_mode}` : ''}, ${r.seconds ?? '?'}s)`,
    )
    .join(', ');
  return source === 'metadata'
    ? `blocked by ${list}`
    : `metadata lock holders are not visible (install the metadata_lock_info plugin to see them); open transactions: ${list}`;
}

/**
 * Builds of ours still running for a runner whose lock session is gone (the runner was killed: the
 * server goes on with the ALTER it sent). Marked by `buildTag(lock session)` in PROCESSLIST.INFO.
 */
export const ORPHAN_BUILDS_SQL = `SELECT p.ID AS id,
    CAST(SUBSTRING_INDEX(SUBSTRING_INDEX(p.INFO, 'lock=', -1), ' ', 1) AS UNSIGNED) AS lock_session
  FROM information_schema.PROCESSLIST p
  WHERE p.INFO LIKE '/* index-operator build lock=%' AND p.ID <> CONNECTION_ID() AND p.DB = DATABASE()`;

export const SESSION_ALIVE_SQL = `SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE ID = ?`;
