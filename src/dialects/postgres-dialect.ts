/**
 * PostgreSQL through `pg` (the only file that imports it). Queries go through a small pool; every
 * index build or drop runs on a dedicated session (one build at a time on it, kept open between the
 * builds of a run) with lock_timeout / statement_timeout (and an optional maintenance_work_mem) set,
 * never inside a transaction.
 * Bulk loads stream through COPY FROM STDIN (postgres-copy.ts).
 */
import pg from 'pg';
import type { IndexDefinition } from '../catalogue/index-definition.js';
import { TransientError } from '../errors.js';
import type { Logger } from '../log.js';
import { wrapDbError } from './classify.js';
import type { DatabaseUrl } from './database-url.js';
import { describeTarget } from './database-url.js';
import type {
  BuildOptions,
  BuildProgress,
  BulkRows,
  ClassifiedDbError,
  Dialect,
  DialectCapabilities,
  ExplainOptions,
  ExplainResult,
  HeldLock,
  IntrospectScope,
  SchemaSnapshot,
  UsageStatistics,
  TableSize,
} from './dialect.js';
import { PostgresBuildSessions } from './postgres-build-sessions.js';
import { copyRows } from './postgres-copy.js';
import { PostgresUnflushedSession } from './postgres-unflushed-session.js';
import { classifyPostgresError } from './postgres-errors.js';
import { summarizePostgresPlan } from './postgres-explain.js';
import { introspectPostgres } from './postgres-introspection.js';
import { postgresTableSizes } from './table-sizes.js';
import { POSTGRES_BUILD_COST } from './build-cost-defaults.js';
import { POSTGRES_PROBE_SQL, PROBE_ROWS } from './speed-probe.js';
import { quoteIdentifier, renderCreateIndex, renderDropIndex } from './render-sql.js';
import { postgresConnectError, withDeadline } from './postgres-connect.js';
import { readPostgresStatistics } from './postgres-statistics.js';
import { POSTGRES_PROGRESS_SQL, postgresBuildProgress, toProgressRow } from './postgres-progress.js';
import { holdAdvisoryLock } from './postgres-runner-lock.js';
import {
  blockersBeforeBuild,
  describeSessions,
  snapshotHolders,
  waitForSnapshotHolders,
  waitForTableLockers,
  type BeforeBuild,
  type BlockingSession,
  type WaitOutcome,
} from './postgres-blockers.js';
import {
  APPLICATION_NAME,
  BASELINE_SERVER,
  CLIENT_CHECK_PROBE_SQL,
  LOCK_CLASSID,
  LOCK_HOLDER_SQL,
  LOCK_KEY,
  LOCK_OBJID,
  buildSettings,
  describePgError,
  lockHeldMessage,
  serverCapabilities,
  type LockHolderRow,
  type ServerCapabilities,
} from './postgres-session.js';

export type PostgresUrl = Extract<DatabaseUrl, { dialect: 'postgresql' }>;

export interface PostgresDialectOptions {
  readonly connectTimeoutMs: number;
  readonly poolSize: number;
  readonly log?: Logger;
}

const LOCK_POLL_MS = 200;

export class PostgresDialect implements Dialect {
  readonly name = 'postgresql';
  readonly capabilities: DialectCapabilities = {
    supportsConcurrentBuild: true,
    supportsInclude: true,
    supportsTransactionalDdl: true,
    supportsPartialIndex: true,
    supportsDescendingIndex: true,
    searchesBooleanIs: true,
    supportsBuildProgress: true,
    supportsIndexStatistics: true,
    maxConcurrentBuilds: 16,
    buildCost: POSTGRES_BUILD_COST,
  };
  readonly target: string;
  private readonly config: pg.ClientConfig;
  private readonly pool: pg.Pool;
  private closed = false;
  /** Set by open() from the server's version (and a probe); build sessions use what it allows. */
  private server: ServerCapabilities = BASELINE_SERVER;
  private readonly buildSessions = new PostgresBuildSessions(() => this.newClient());
  private readonly unflushed = new PostgresUnflushedSession((extra) => this.newClient(extra));

  private constructor(
    url: PostgresUrl,
    private readonly options: PostgresDialectOptions,
  ) {
    this.target = describeTarget(url);
    this.config = {
      connectionString: url.connectionString,
      application_name: APPLICATION_NAME,
      // The deadline in open() fires first; this one makes sure the abandoned attempt is cleaned up.
      connectionTimeoutMillis: options.connectTimeoutMs + 1000,
    };
    this.pool = new pg.Pool({ ...this.config, max: options.poolSize });
    this.pool.on('error', (err) => {
      // An idle pooled connection died (server restart, terminated backend); the next query reconnects.
      options.log?.warn({ err, target: this.target }, 'idle PostgreSQL connection lost');
    });
  }

  /** Connects and checks the server answers; connection problems become a UsageError naming the target. */
  static async open(url: PostgresUrl, options: PostgresDialectOptions): Promise<PostgresDialect> {
    const dialect = new PostgresDialect(url, options);
    try {
      dialect.server = await withDeadline(dialect.readServerCapabilities(), options.connectTimeoutMs);
    } catch (e) {
      dialect.pool.end().catch(() => undefined);
      throw postgresConnectError(url, e, options.connectTimeoutMs);
    }
    return dialect;
  }

  /** By version; the connection check also by a probe (an OS without support refuses a non-zero value). */
  private async readServerCapabilities(): Promise<ServerCapabilities> {
    const { rows } = await this.pool.query<{ version: number }>(
      `SELECT current_setting('server_version_num')::int AS version`,
    );
    const byVersion = serverCapabilities(rows[0]?.version ?? 0);
    if (!byVersion.clientConnectionCheck) return byVersion;
    try {
      await this.pool.query(CLIENT_CHECK_PROBE_SQL); // is_local: ends with its own statement
      return byVersion;
    } catch (err) {
      this.options.log?.warn(
        { err, target: this.target },
        'the server refuses client_connection_check_interval; a killed runner leaves its build running',
      );
      return { ...byVersion, clientConnectionCheck: false };
    }
  }

  async query<T extends Record<string, unknown>>(sql: string, params: readonly unknown[] = []): Promise<T[]> {
    const result = await this.pool.query<T>(sql, [...params]);
    return result.rows;
  }

  async execute(sql: string, params: readonly unknown[] = []): Promise<number> {
    const result = await this.pool.query(sql, [...params]);
    return result.rowCount ?? 0;
  }

  transaction<T>(fn: (tx: Pick<Dialect, 'query' | 'execute'>) => Promise<T>): Promise<T> {
    return this.inTransaction((client) =>
      fn({
        query: async <R extends Record<string, unknown>>(sql: string, params: readonly unknown[] = []) =>
          (await client.query<R>(sql, [...params])).rows,
        execute: async (sql: string, params: readonly unknown[] = []) =>
          (await client.query(sql, [...params])).rowCount ?? 0,
      }),
    );
  }

  /** On a session of its own with synchronous_commit off (postgres-unflushed-session.ts). */
  executeUnflushed(sql: string, params: readonly unknown[] = []): Promise<number> {
    return this.unflushed.execute(sql, params, (e, lost) =>
      lost && this.classifyError(e).code === undefined ? this.wrap('bookkeeping write', e, true) : e,
    );
  }

  /** COPY FROM STDIN in one transaction; its commit does not wait for the WAL flush (seed data). */
  bulkInsert(rows: BulkRows): Promise<number> {
    if (rows.count === 0) return Promise.resolve(0);
    return this.inTransaction(async (client) => {
      await client.query('SET LOCAL synchronous_commit = off');
      return copyRows(client, rows);
    });
  }

  /** BEGIN, fn on one pooled client, COMMIT; ROLLBACK on throw. */
  private async inTransaction<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    // A checked-out client has no error listener of the pool's: keep a lost connection from crashing
    // the process (the pending query rejects with the failure anyway).
    let lost = false;
    const onError = (err: Error): void => {
      lost = true;
      this.options.log?.warn({ err, target: this.target }, 'PostgreSQL connection lost in a transaction');
    };
    client.on('error', onError);
    let broken: unknown;
    try {
      await client.query('BEGIN');
      const result = await fn(client);
      await client.query('COMMIT');
      return result;
    } catch (e) {
      await client.query('ROLLBACK').catch((rollbackError: unknown) => {
        broken = rollbackError;
      });
      throw lost && this.classifyError(e).code === undefined ? this.wrap('transaction', e, true) : e;
    } finally {
      // A connection whose ROLLBACK failed is in an unknown state: destroy it instead of reusing it.
      client.removeListener('error', onError);
      client.release(broken instanceof Error ? broken : undefined);
    }
  }

  introspect(scope?: IntrospectScope): Promise<SchemaSnapshot> {
    return introspectPostgres((sql, params) => this.query(sql, params), scope);
  }

  tableSizes(tables: readonly string[]): Promise<ReadonlyMap<string, TableSize>> {
    return postgresTableSizes((sql, params) => this.query(sql, params), tables);
  }

  quoteIdentifier(name: string): string {
    return quoteIdentifier(name);
  }

  renderCreateIndex(def: IndexDefinition): string {
    return renderCreateIndex(def, { concurrently: true, include: true, booleans: 'keyword' });
  }

  renderDropIndex(name: string): string {
    return renderDropIndex(name, true);
  }

  /**
   * The session's checks (its settings, the table's open writers, the snapshot holders) run while the
   * caller's `beforeStatement` does; the statement waits for both.
   */
  async createIndex(
    def: IndexDefinition,
    options: BuildOptions,
    beforeStatement?: () => Promise<void>,
  ): Promise<void> {
    const sql = this.renderCreateIndex(def);
    await this.withSession(`create index ${def.name} on ${def.table}`, options, async (client) => {
      const waitMs = options.snapshotWaitMs ?? 0;
      const now = await readBlockers(client, def.table, options.lockTimeoutMs, waitMs);
      const wroteNow = await waitForOpenWriters(client, def.table, now.writers, options.lockTimeoutMs);
      // Past a wait for writers, the snapshot holders are read again: they are those open now.
      const holdersNow = wroteNow ? undefined : now.snapshotHolders;
      const waited = await waitForSnapshotHolders(
        client,
        waitMs,
        (sessions) =>
          this.sayWaiting(
            `create index ${def.name}`,
            'hold a snapshot the build would wait for',
            sessions,
            waitMs,
          ),
        holdersNow,
      );
      if (waited.still.length > 0) {
        throw stillBlocked('hold a snapshot the build would wait for', waited, waitMs, 'nothing was created');
      }
      await beforeStatement?.();
      try {
        await client.query(sql);
      } catch (e) {
        throw await withBlockers(e, () => snapshotHolders(client));
      }
    });
  }

  async dropIndex(name: string, options: BuildOptions): Promise<void> {
    const sql = this.renderDropIndex(name);
    await this.withSession(`drop index ${name}`, options, async (client) => {
      const waitMs = options.snapshotWaitMs ?? 0;
      const quoted = quoteIdentifier(name);
      const waited = await waitForTableLockers(client, quoted, waitMs, (sessions) =>
        this.sayWaiting(`drop index ${name}`, 'use its table', sessions, waitMs),
      );
      if (waited.still.length > 0) {
        throw stillBlocked('use its table', waited, waitMs, 'the index is still there');
      }
      try {
        await client.query(sql);
      } catch (e) {
        throw await withBlockers(
          e,
          async () => (await waitForTableLockers(client, quoted, 1, () => {})).still,
        );
      }
    });
  }

  private sayWaiting(what: string, why: string, sessions: readonly BlockingSession[], waitMs: number): void {
    this.options.log?.warn(
      { target: this.target, pids: sessions.map((s) => s.pid) },
      `${what}: waiting up to ${waitMs}ms (--snapshot-wait) for ${sessions.length} transaction(s) that ` +
        `${why}: ${describeSessions(sessions)}`,
    );
  }

  async buildProgress(): Promise<readonly BuildProgress[]> {
    const rows = await this.query(POSTGRES_PROGRESS_SQL);
    return rows.map((r) => postgresBuildProgress(toProgressRow(r)));
  }

  usageStatistics(): Promise<UsageStatistics> {
    return readPostgresStatistics(this);
  }

  /** speed-probe.ts: a sort of generated text in a READ ONLY transaction, bounded by statement_timeout. */
  async speedProbe(timeoutMs: number): Promise<number> {
    try {
      return await this.inTransaction(async (client) => {
        await client.query('SET TRANSACTION READ ONLY');
        await client.query(`SET LOCAL statement_timeout = ${Math.max(1, Math.round(timeoutMs))}`);
        await client.query("SET LOCAL work_mem = '64MB'");
        await client.query('SET LOCAL max_parallel_workers_per_gather = 0');
        const start = performance.now();
        await client.query(POSTGRES_PROBE_SQL, [PROBE_ROWS]);
        return (performance.now() - start) / 1000;
      });
    } catch (e) {
      throw this.wrap('speed probe', e, false);
    }
  }

  async analyze(tables: readonly string[]): Promise<void> {
    if (tables.length === 0) return;
    await this.pool.query(`ANALYZE ${tables.map(quoteIdentifier).join(', ')}`);
  }

  async acquireRunnerLock(owner: string, waitMs: number): Promise<HeldLock> {
    // Keepalive: a lock session whose peer vanished without a word is noticed (and reported lost).
    const client = this.newClient({ keepAlive: true });
    try {
      await client.connect();
      await client.query(`SELECT set_config('application_name', $1, false)`, [
        `${APPLICATION_NAME} runner: ${owner}`,
      ]);
      const deadline = Date.now() + waitMs;
      for (;;) {
        const { rows } = await client.query<{ ok: boolean }>(
          'SELECT pg_try_advisory_lock($1::bigint) AS ok',
          [LOCK_KEY],
        );
        if (rows[0]?.ok === true) return holdAdvisoryLock(client, this.target, this.options.log);
        const left = deadline - Date.now();
        if (left <= 0)
          throw new TransientError(await this.lockHeldMessage(client, waitMs), { reason: 'runner_lock' });
        await delay(Math.min(LOCK_POLL_MS, left));
      }
    } catch (e) {
      await client.end().catch(() => undefined);
      throw e instanceof TransientError ? e : this.wrap('acquire runner lock', e, false);
    }
  }

  async explain(
    sql: string,
    params: readonly unknown[],
    options: ExplainOptions = {},
  ): Promise<ExplainResult> {
    const text = `EXPLAIN (FORMAT JSON) ${sql}`;
    const rows = options.preferIndexes
      ? await this.transaction(async (tx) => {
          await tx.execute('SET LOCAL enable_seqscan = off');
          return tx.query<{ 'QUERY PLAN': unknown }>(text, params);
        })
      : await this.query<{ 'QUERY PLAN': unknown }>(text, params);
    return summarizePostgresPlan(rows[0]?.['QUERY PLAN']);
  }

  classifyError(e: unknown): ClassifiedDbError {
    return classifyPostgresError(e);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.buildSessions.close();
    await this.unflushed.close();
    await this.pool.end();
  }

  private newClient(extra: pg.ClientConfig = {}): pg.Client {
    const client = new pg.Client({ ...this.config, ...extra });
    client.on('error', (err) => {
      // The pending query (if any) rejects with the same failure; this only keeps the process alive.
      this.options.log?.warn({ err, target: this.target }, 'PostgreSQL session lost');
    });
    return client;
  }

  /**
   * Runs fn on a dedicated build session (postgres-build-sessions.ts: kept open between the builds of a
   * run) with the build's settings in force, wrapping any failure with context and its classification.
   */
  private async withSession(
    what: string,
    options: BuildOptions,
    fn: (client: pg.Client) => Promise<void>,
  ): Promise<void> {
    let settings: string[];
    try {
      settings = buildSettings(options, this.server);
    } catch (e) {
      throw this.wrap(what, e, false);
    }
    await this.buildSessions.use(settings, fn, (e, lost) => this.wrap(what, e, lost));
  }

  /** Ends the build sessions kept open between builds (the engine calls it when a run ends). */
  releaseSessions(): Promise<void> {
    return this.buildSessions.release();
  }

  private wrap(what: string, e: unknown, sessionLost: boolean): Error {
    let classified = this.classifyError(e);
    // The driver reports a dropped socket without any code: the session's end event says what happened.
    if (sessionLost && classified.code === undefined) {
      classified = { errorClass: 'transient', code: undefined, reason: 'connection' };
    }
    const code =
      classified.code === undefined ? classified.reason : `${classified.code} ${classified.reason}`;
    const detail = describePgError(e);
    return wrapDbError(`${what} failed (${code}): ${detail}`, classified, e, detail);
  }

  private async lockHeldMessage(client: pg.Client, waitMs: number): Promise<string> {
    const { rows } = await client.query<LockHolderRow>(LOCK_HOLDER_SQL, [LOCK_CLASSID, LOCK_OBJID]);
    return lockHeldMessage(this.target, rows[0], waitMs);
  }
}

/** The wait before a build or drop ran out: a transient failure naming the sessions, nothing done. */
function stillBlocked(why: string, waited: WaitOutcome, waitMs: number, state: string): TransientError {
  const n = waited.still.length;
  return new TransientError(
    `${state}: ${n} transaction${n === 1 ? '' : 's'} open since before it still ${why}: ` +
      `${describeSessions(waited.still)}; waited ${waited.waitedMs}ms (--snapshot-wait ${waitMs}ms). ` +
      'Commit or end them (or give --snapshot-wait a longer wait), then run again',
    { code: '55P03', reason: 'snapshot_wait' },
  );
}

/**
 * A lock timeout or cancel, with the sessions that hold it up named (CONCURRENTLY waits on them); the
 * driver error's code is kept, so it is classified as before.
 */
async function withBlockers(e: unknown, find: () => Promise<readonly BlockingSession[]>): Promise<unknown> {
  const code = (e as { code?: unknown } | null)?.code;
  if (code !== '55P03' && code !== '57014') return e;
  const sessions = await find().catch(() => []);
  if (sessions.length === 0 || !(e instanceof Error)) return e;
  return Object.assign(new Error(`${e.message}; held up by ${describeSessions(sessions)}`), {
    code,
    detail: (e as { detail?: unknown }).detail,
  });
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * What a build waits for before its statement (one query, none when it waits for neither): the open
 * writers of the table when a lock timeout bounds the build, the snapshot holders when --snapshot-wait
 * does. Writers: transactions that have written to the table (ROW EXCLUSIVE) and are still open.
 * Stronger locks are left out on purpose: they also conflict with the SHARE UPDATE EXCLUSIVE lock
 * CONCURRENTLY takes before it records anything, so it waits for them (and autovacuum yields to it)
 * with nothing left behind.
 */
async function readBlockers(
  client: pg.Client,
  table: string,
  lockTimeoutMs: number,
  snapshotWaitMs: number,
): Promise<BeforeBuild> {
  if (lockTimeoutMs <= 0 && snapshotWaitMs <= 0) return { writers: [], snapshotHolders: [] };
  return blockersBeforeBuild(client, quoteIdentifier(table));
}

const STILL_OPEN_SQL = `SELECT count(*)::int AS n FROM pg_locks
  WHERE locktype = 'virtualxid' AND virtualxid = ANY($1::text[])`;

/**
 * CREATE INDEX CONCURRENTLY records the index (INVALID) before it waits for the transactions writing the
 * table; when lock_timeout cancels that wait, an INVALID index is left that cannot be dropped either
 * until those transactions end. So wait first, without taking any lock (writers are never queued behind
 * us), for the transactions that held a write lock on the table when the build began (`vxids`), up to
 * the lock timeout. Still open: the same 55P03 lock_timeout, with nothing created. True when it waited.
 * (Added by E2, engine: see its report.)
 */
async function waitForOpenWriters(
  client: pg.Client,
  table: string,
  vxids: readonly string[],
  lockTimeoutMs: number,
): Promise<boolean> {
  if (lockTimeoutMs <= 0 || vxids.length === 0) return false; // lock_timeout 0: CIC waits itself.
  const deadline = Date.now() + lockTimeoutMs;
  for (;;) {
    const { rows: open } = await client.query<{ n: number }>(STILL_OPEN_SQL, [vxids]);
    if ((open[0]?.n ?? 0) === 0) return true;
    const left = deadline - Date.now();
    if (left <= 0) {
      const e = new Error(
        `canceling before the build due to lock timeout: ${open[0]?.n ?? 0} open transaction(s) still ` +
          `write table ${table}; nothing was created`,
      );
      throw Object.assign(e, { code: '55P03' });
    }
    await delay(Math.min(50, left));
  }
}
