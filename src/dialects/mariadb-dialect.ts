/**
 * MariaDB through the official `mariadb` connector (the only file that imports it). Queries go through
 * a small pool; `$n` placeholders become server-side bound `?` parameters. Every index build or drop
 * runs on a dedicated session (kept for the next build of the run, never two at once) as one online
 * statement, `ALTER TABLE ... ALGORITHM=INPLACE, LOCK=NONE`, with lock_wait_timeout / max_statement_time
 * set: writes go on during the build, and a table that cannot be altered online fails the statement
 * instead of being locked. MariaDB has no
 * transactional DDL: a failed or killed ALTER leaves nothing behind, which is what the engine relies on.
 */
import { hostname } from 'node:os';
import mariadb, { type Connection, type ConnectionConfig, type Pool } from 'mariadb';
import type { IndexDefinition } from '../catalogue/index-definition.js';
import { PermanentError, TransientError, UsageError, isAppError } from '../errors.js';
import type { Logger } from '../log.js';
import { wrapDbError } from './classify.js';
import { describeTarget } from './database-url.js';
import type {
  BuildOptions,
  BuildProgress,
  BulkRows,
  ClassifiedDbError,
  Dialect,
  DialectCapabilities,
  ExplainResult,
  HeldLock,
  IntrospectScope,
  SchemaSnapshot,
  UsageStatistics,
  TableSize,
} from './dialect.js';
import { mariadbConnectError, type MariadbUrl } from './mariadb-connect.js';
import { mariadbSslOption } from './mariadb-tls.js';
import { classifyMariadbError, describeMariadbError } from './mariadb-errors.js';
import { summarizeMariadbPlan } from './mariadb-explain.js';
import { introspectMariadb } from './mariadb-introspection.js';
import { readMariadbStatistics } from './mariadb-statistics.js';
import {
  MARIADB_LOCKERS_SQL,
  MARIADB_PROGRESS_SQL,
  MARIADB_STAGE_WORK_SQL,
  type StageWork,
  isLockWait,
  mariadbBuildProgress,
  ForwardProgress,
  parseAddIndex,
  toMariadbProgressRow,
} from './mariadb-progress.js';
import { mariadbTableSizes } from './table-sizes.js';
import { MARIADB_BUILD_COST } from './build-cost-defaults.js';
import { PROBE_ROWS, mariadbProbeSql } from './speed-probe.js';
import { holdGetLock } from './mariadb-runner-lock.js';
import { MariadbBuildSessions } from './mariadb-build-sessions.js';
import {
  LOCK_HOLDER_SQL,
  LOCK_TABLE_SQL,
  METADATA_LOCK_HOLDERS_SQL,
  OPEN_TRANSACTIONS_SQL,
  ORPHAN_BUILDS_SQL,
  SESSION_ALIVE_SQL,
  SESSION_INIT_SQL,
  describeBlockers,
  lockHeldMessage,
  runnerLockName,
  type LockHolderRow,
  type SessionRow,
} from './mariadb-session.js';
import {
  buildTag,
  fkIndexesToRestore,
  mariadbBuildSettings,
  renderAddIndex,
  renderDropIndexOnline,
  toMariadbValue,
  toPositional,
  withBacktickIdentifiers,
} from './mariadb-sql.js';
import { withDeadline } from './postgres-connect.js';
import { quoteIdentifier } from './render-sql.js';

export interface MariadbDialectOptions {
  readonly connectTimeoutMs: number;
  readonly poolSize: number;
  readonly log?: Logger;
}

type Queryable = Pick<Connection, 'query' | 'execute'>;

/** Rows per batch of a bulk load (the connector splits each into packets under max_allowed_packet). */
const BULK_ROWS = 5_000;
/** How long an orphaned build of a killed runner may take to roll back once it is killed. */
const ORPHAN_WAIT_MS = 60_000;

/** InnoDB's limits (utf8mb4, DYNAMIC rows): 64-character names, 3072-byte keys. */
const INNODB_LIMITS = { maxNameLength: 64, maxKeyBytes: 3072, defaultPrefixLength: 255 } as const;

export class MariadbDialect implements Dialect {
  readonly name = 'mariadb';
  readonly target: string;
  private caps: DialectCapabilities = capabilitiesFor(0);
  private readonly config: ConnectionConfig;
  private readonly pool: Pool;
  private readonly lockName: string;
  /** Connection id of the runner lock's session while this dialect holds it (0: not held). */
  private lockSession = 0;
  private closed = false;
  /** The sessions builds and drops run on, kept between them within a run. */
  private readonly buildSessions = new MariadbBuildSessions(() => this.connect());
  /** Each build's highest ratio so far in its phase (see ForwardProgress). */
  private readonly forwardProgress = new ForwardProgress();

  private constructor(
    url: MariadbUrl,
    private readonly options: MariadbDialectOptions,
  ) {
    this.target = describeTarget(url);
    this.lockName = runnerLockName(url.database);
    this.config = {
      host: url.host,
      port: url.port,
      database: url.database,
      ...(url.user === undefined ? {} : { user: url.user }),
      ...(url.password === undefined ? {} : { password: url.password }),
      ...mariadbSslOption(url.sslMode, url.host),
      connectTimeout: options.connectTimeoutMs,
      initSql: SESSION_INIT_SQL,
      timezone: 'Z',
      bigIntAsNumber: true,
      decimalAsNumber: true,
      insertIdAsNumber: true,
      multipleStatements: false,
      permitLocalInfile: false,
      // `SELECT tools.*, gateways_1.*` (the listings' joinedload) repeats `id`: the row keeps the last
      // column of a name, as the PostgreSQL and SQLite drivers do, instead of the connector refusing it.
      checkDuplicate: false,
    };
    this.pool = mariadb.createPool({
      ...this.config,
      connectionLimit: options.poolSize,
      acquireTimeout: options.connectTimeoutMs + 1000,
    });
  }

  get capabilities(): DialectCapabilities {
    return this.caps;
  }

  /** Connects and reads the server version; connection problems become a UsageError naming the target. */
  static async open(url: MariadbUrl, options: MariadbDialectOptions): Promise<MariadbDialect> {
    const dialect = new MariadbDialect(url, options);
    try {
      // The pool retries a failed TLS handshake or a refused session until its timeout and loses the
      // reason: a first session of its own says why at once (the server has TLS off, or requires it).
      await withDeadline(
        dialect.connect().then((c) => c.end()),
        options.connectTimeoutMs,
      );
      const rows = await withDeadline(
        dialect.query<{ version: string }>('SELECT VERSION() AS version'),
        options.connectTimeoutMs,
      );
      dialect.caps = capabilitiesFor(versionNumber(rows[0]?.version ?? ''));
    } catch (e) {
      dialect.pool.end().catch(() => undefined);
      throw mariadbConnectError(url, e, options.connectTimeoutMs);
    }
    return dialect;
  }

  async query<T extends Record<string, unknown>>(sql: string, params: readonly unknown[] = []): Promise<T[]> {
    return rowsOf<T>(await run(this.pool, sql, params));
  }

  async execute(sql: string, params: readonly unknown[] = []): Promise<number> {
    return affectedRows(await run(this.pool, sql, params));
  }

  async transaction<T>(fn: (tx: Pick<Dialect, 'query' | 'execute'>) => Promise<T>): Promise<T> {
    const conn = await this.pool.getConnection();
    let broken = false;
    try {
      await conn.beginTransaction();
      const result = await fn({
        query: async <R extends Record<string, unknown>>(sql: string, params: readonly unknown[] = []) =>
          rowsOf<R>(await run(conn, sql, params)),
        execute: async (sql: string, params: readonly unknown[] = []) =>
          affectedRows(await run(conn, sql, params)),
      });
      await conn.commit();
      return result;
    } catch (e) {
      await conn.rollback().catch(() => {
        broken = true;
      });
      throw e;
    } finally {
      if (broken) conn.destroy();
      else await conn.release();
    }
  }

  /** InnoDB flushes its log at commit as the server's innodb_flush_log_at_trx_commit says: plain execute. */
  executeUnflushed(sql: string, params: readonly unknown[] = []): Promise<number> {
    return this.execute(sql, params);
  }

  /**
   * Batches of prepared multi-row inserts (the connector's bulk protocol, COM_STMT_BULK_EXECUTE) in one
   * transaction, foreign key checks off for that session while it loads (seed loads parents before
   * children); the next batch is made while the server writes the one before. LOAD DATA LOCAL INFILE
   * was tried and measured slower here (MariaDB 10.11, 100k seed: 16.5 s of server CPU for the rows
   * against 10-12 s this way), so it is not used and the pool never allows local infile.
   */
  async bulkInsert(rows: BulkRows): Promise<number> {
    if (rows.count === 0) return 0;
    const sql =
      `INSERT INTO ${quoteIdentifier(rows.table)} (${rows.columns.map(quoteIdentifier).join(', ')}) ` +
      `VALUES (${rows.columns.map(() => '?').join(', ')})`;
    const conn = await this.pool.getConnection();
    try {
      await conn.query('SET SESSION foreign_key_checks = 0');
      await conn.beginTransaction();
      let written = 0;
      let sent: Promise<unknown> | undefined;
      for (let start = 0; start < rows.count; start += BULK_ROWS) {
        const batch: unknown[][] = [];
        for (let i = start; i < Math.min(rows.count, start + BULK_ROWS); i++) {
          batch.push(rows.row(i).map(toMariadbValue));
        }
        // The server writes the batch sent while this one was made: both processes work at once.
        if (sent !== undefined) written += affectedRows(await sent);
        sent = conn.batch(sql, batch);
        sent.catch(() => undefined); // awaited next round (or at the end); a failure rejects there
      }
      if (sent !== undefined) written += affectedRows(await sent);
      await conn.commit();
      return written;
    } catch (e) {
      await conn.rollback().catch(() => undefined);
      throw e;
    } finally {
      await conn.query('SET SESSION foreign_key_checks = 1').catch(() => undefined);
      await conn.release();
    }
  }

  /** Every table, or with a scope only what it names (see introspectMariadb). */
  introspect(scope?: IntrospectScope): Promise<SchemaSnapshot> {
    return introspectMariadb((sql, params) => this.query(sql, params), scope);
  }

  tableSizes(tables: readonly string[]): Promise<ReadonlyMap<string, TableSize>> {
    return mariadbTableSizes((sql, params) => this.query(sql, params), tables);
  }

  quoteIdentifier(name: string): string {
    return quoteIdentifier(name);
  }

  renderCreateIndex(def: IndexDefinition): string {
    return renderAddIndex(def, this.caps.supportsDescendingIndex);
  }

  renderDropIndex(name: string, table?: string): string {
    if (table === undefined) {
      throw new UsageError(`drop index ${name}: MariaDB names indexes per table; give the table`, {
        reason: 'bad_option',
      });
    }
    return renderDropIndexOnline(name, table);
  }

  async createIndex(
    def: IndexDefinition,
    options: BuildOptions,
    beforeStatement?: () => Promise<void>,
  ): Promise<void> {
    const sql = `${buildTag(this.lockSession)} ${this.renderCreateIndex(def)}`;
    await this.withBuildSession(`create index ${def.name} on ${def.table}`, options, async (conn) => {
      // The session's set-up and the orphan check run while the engine writes the build row (its commit
      // waits for InnoDB's log flush); the statement waits for the row.
      await this.settleOrphans(conn);
      await beforeStatement?.();
      try {
        await conn.query(sql);
      } catch (e) {
        throw await this.buildFailure(conn, def, e);
      }
    });
  }

  /** Ends the build sessions kept for the next build (the engine calls it when a run ends). */
  releaseSessions(): Promise<void> {
    return this.buildSessions.release();
  }

  async dropIndex(name: string, options: BuildOptions): Promise<void> {
    const snapshot = await this.introspect();
    const tables = [...new Set(snapshot.indexes.filter((i) => i.name === name).map((i) => i.table))];
    if (tables.length === 0) return; // already gone: as DROP INDEX IF EXISTS
    if (tables.length > 1) {
      throw new PermanentError(
        `drop index ${name}: ${tables.length} tables have an index of that name (${tables.join(', ')}); ` +
          'drop the one you mean by hand',
        { reason: 'ambiguous' },
      );
    }
    const table = tables[0] as string;
    const sql = renderDropIndexOnline(name, table, fkIndexesToRestore(name, table, snapshot));
    await this.withBuildSession(`drop index ${name} on ${table}`, options, async (conn) => {
      await conn.query(sql);
    });
  }

  async buildProgress(): Promise<readonly BuildProgress[]> {
    const listed = (await this.query(MARIADB_PROGRESS_SQL)).map(toMariadbProgressRow);
    const work = listed.length > 0 ? await this.stageWork() : new Map<number, StageWork>();
    const rows = listed.map((r) => {
      const w = work.get(r.id);
      return w === undefined ? r : { ...r, work: w };
    });
    const out: { session: number; progress: BuildProgress }[] = [];
    for (const row of rows) {
      const table = parseAddIndex(row.info)?.table;
      const lockers = table !== undefined && isLockWait(row) ? await this.lockers(table, row.id) : 0;
      const progress = mariadbBuildProgress(row, lockers);
      if (progress !== undefined) out.push({ session: row.id, progress });
    }
    return this.forwardProgress.apply(out);
  }

  /**
   * InnoDB ALTER stage work per session from performance_schema; empty where it is off, its instruments
   * or consumer are off, or this user may not read it (then the server-wide counter is the fallback).
   */
  private async stageWork(): Promise<Map<number, StageWork>> {
    try {
      const rows = await this.query<{ id: unknown; stage: unknown; done: unknown; total: unknown }>(
        MARIADB_STAGE_WORK_SQL,
      );
      return new Map(
        rows.map((r) => [
          Number(r.id),
          {
            done: Number(r.done ?? 0),
            total: Number(r.total ?? 0),
            ...(typeof r.stage === 'string' ? { stage: r.stage } : {}),
          },
        ]),
      );
    } catch (e) {
      this.options.log?.debug({ err: e }, 'performance_schema stage progress not readable');
      return new Map();
    }
  }

  /** Sessions holding a metadata lock on the table a build waits for (1 when the plugin is missing). */
  private async lockers(table: string, build: number): Promise<number> {
    const rows = await this.query<{ n: number }>(MARIADB_LOCKERS_SQL, [table, build]).catch(() => [{ n: 1 }]);
    return Number(rows[0]?.n ?? 1);
  }

  usageStatistics(): Promise<UsageStatistics> {
    return readMariadbStatistics((sql, params) => this.query(sql, params));
  }

  /** speed-probe.ts: a filesort of the Sequence engine's rows, bounded by max_statement_time. */
  async speedProbe(timeoutMs: number): Promise<number> {
    const start = performance.now();
    try {
      await this.pool.query(mariadbProbeSql(PROBE_ROWS, timeoutMs));
    } catch (e) {
      throw this.wrap('speed probe', e);
    }
    return (performance.now() - start) / 1000;
  }

  async analyze(tables: readonly string[]): Promise<void> {
    if (tables.length === 0) return;
    await this.pool.query(`ANALYZE TABLE ${tables.map(quoteIdentifier).join(', ')}`);
  }

  async acquireRunnerLock(owner: string, waitMs: number): Promise<HeldLock> {
    const conn = await this.connect({ keepAliveDelay: 5_000 });
    try {
      await conn.query(LOCK_TABLE_SQL);
      const rows = rowsOf<{ ok: number | null }>(
        await conn.query('SELECT GET_LOCK(?, ?) AS ok', [this.lockName, Math.max(0, waitMs) / 1000]),
      );
      if (rows[0]?.ok === 1) return await this.holdRunnerLock(conn, owner);
      const holder = rowsOf<LockHolderRow>(await conn.query(LOCK_HOLDER_SQL, [this.lockName]))[0];
      throw new TransientError(lockHeldMessage(this.target, holder, waitMs), { reason: 'runner_lock' });
    } catch (e) {
      await conn.end().catch(() => conn.destroy());
      throw isAppError(e) ? e : this.wrap('acquire runner lock', e);
    }
  }

  /** Records who holds the lock (any other row is stale now), and watches the lock's session. */
  private async holdRunnerLock(conn: Connection, owner: string): Promise<HeldLock> {
    const session = conn.threadId ?? 0;
    await conn.query('DELETE FROM index_operator_lock');
    await conn.query(
      'INSERT INTO index_operator_lock (session, owner, pid, hostname, acquired_at) VALUES (?, ?, ?, ?, ?)',
      [session, owner.slice(0, 200), process.pid, hostname().slice(0, 255), new Date().toISOString()],
    );
    this.lockSession = session;
    return holdGetLock(conn, this.lockName, this.target, this.options.log, () => {
      this.lockSession = 0;
    });
  }

  /** MariaDB 10.11 has no setting that makes full scans dearer (`preferIndexes` changes nothing). */
  async explain(sql: string, params: readonly unknown[]): Promise<ExplainResult> {
    // On a session without ANSI_QUOTES (see withBacktickIdentifiers), restored before it goes back.
    const conn = await this.pool.getConnection();
    try {
      await conn.query(`SET SESSION sql_mode = REPLACE(@@SESSION.sql_mode, 'ANSI_QUOTES', '')`);
      const text = `EXPLAIN FORMAT=JSON ${withBacktickIdentifiers(sql)}`;
      const rows = rowsOf<{ EXPLAIN: unknown }>(await run(conn, text, params));
      return summarizeMariadbPlan(rows[0]?.EXPLAIN, sql);
    } finally {
      await conn.query(SESSION_INIT_SQL[0] ?? '').catch(() => conn.destroy());
      await conn.release();
    }
  }

  classifyError(e: unknown): ClassifiedDbError {
    return classifyMariadbError(e);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.buildSessions.close();
    await this.pool.end();
  }

  /** A new dedicated session (its own connection, the same session settings). */
  private async connect(extra: Partial<ConnectionConfig> = {}): Promise<Connection> {
    const conn = await mariadb.createConnection({ ...this.config, ...extra });
    conn.on('error', (err) => {
      // The pending query (if any) rejects with the same failure; this only keeps the process alive.
      this.options.log?.warn({ err, target: this.target }, 'MariaDB session lost');
    });
    return conn;
  }

  /**
   * Runs fn on a build session (kept between builds, see MariadbBuildSessions) with the build's settings
   * in force, wrapping any driver failure with context and classification.
   */
  private async withBuildSession(
    what: string,
    options: BuildOptions,
    fn: (conn: Connection) => Promise<void>,
  ): Promise<void> {
    try {
      await this.buildSessions.use(mariadbBuildSettings(options), fn);
    } catch (e) {
      throw isAppError(e) ? e : this.wrap(what, e);
    }
  }

  private wrap(what: string, e: unknown, extra = ''): Error {
    const classified = this.classifyError(e);
    const code =
      classified.code === undefined ? classified.reason : `${classified.code} ${classified.reason}`;
    const detail = `${describeMariadbError(e)}${extra}`;
    return wrapDbError(`${what} failed (${code}): ${detail}`, classified, e, detail);
  }

  /** A failed build, with what a user needs: who blocked it, why it cannot run online, what to change. */
  private async buildFailure(conn: Connection, def: IndexDefinition, e: unknown): Promise<Error> {
    const what = `create index ${def.name} on ${def.table}`;
    const { reason } = this.classifyError(e);
    if (reason === 'lock_timeout') {
      const blockers = await this.blockers(conn, def.table).catch(
        () => 'the blocking session could not be read',
      );
      return this.wrap(
        what,
        e,
        `; waited for a metadata lock on ${def.table}: ${blockers}. Nothing was created`,
      );
    }
    if (reason === 'online_impossible') {
      return this.wrap(
        what,
        e,
        `; ${def.table} cannot get this index without blocking writes (ALGORITHM=INPLACE, LOCK=NONE), ` +
          'so nothing was built: e.g. the table is not InnoDB. Convert the table, or build this index ' +
          'yourself in a maintenance window',
      );
    }
    if (reason === 'online_log_overflow') {
      return this.wrap(
        what,
        e,
        `; writes to ${def.table} during the build outgrew innodb_online_alter_log_max_size and the build ` +
          'was rolled back: raise innodb_online_alter_log_max_size or build when writes are lighter',
      );
    }
    return this.wrap(what, e);
  }

  /** Who holds the table's metadata lock (metadata_lock_info), else who has a transaction open. */
  private async blockers(conn: Queryable, table: string): Promise<string> {
    try {
      const rows = rowsOf<SessionRow>(await conn.query(METADATA_LOCK_HOLDERS_SQL, [table]));
      return describeBlockers(rows, 'metadata');
    } catch {
      const rows = rowsOf<SessionRow>(await conn.query(OPEN_TRANSACTIONS_SQL));
      return describeBlockers(rows, 'transactions');
    }
  }

  /**
   * A runner killed mid-build leaves its ALTER running on the server (MariaDB does not notice the
   * client is gone). Holding the runner lock, we end the builds of runners whose lock session is gone,
   * and wait for them to roll back, so the next build starts from the database's real state.
   */
  private async settleOrphans(conn: Queryable): Promise<void> {
    if (this.lockSession === 0) return;
    const builds = rowsOf<{ id: number; lock_session: number }>(await conn.query(ORPHAN_BUILDS_SQL));
    for (const b of builds) {
      const lock = Number(b.lock_session);
      if (lock === 0 || lock === this.lockSession || !Number.isSafeInteger(Number(b.id))) continue;
      const alive = rowsOf<{ n: number }>(await conn.query(SESSION_ALIVE_SQL, [lock]))[0]?.n ?? 0;
      if (Number(alive) > 0) continue;
      this.options.log?.warn(
        { target: this.target, session: b.id },
        'ending an orphaned build of a killed runner',
      );
      await conn.query(`KILL ${Number(b.id)}`).catch(() => undefined);
      await this.waitGone(conn, Number(b.id));
    }
  }

  private async waitGone(conn: Queryable, id: number): Promise<void> {
    const deadline = Date.now() + ORPHAN_WAIT_MS;
    while (Date.now() < deadline) {
      const n = rowsOf<{ n: number }>(await conn.query(SESSION_ALIVE_SQL, [id]))[0]?.n ?? 0;
      if (Number(n) === 0) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new TransientError(`an orphaned build (session ${id}) is still rolling back; run again later`, {
      reason: 'lock_timeout',
    });
  }
}

/** `$n` SQL on a pool or connection: text protocol without values, a prepared statement with them. */
async function run(on: Queryable, sql: string, params: readonly unknown[]): Promise<unknown> {
  if (params.length === 0) return on.query(sql);
  const positional = toPositional(sql, params);
  return on.execute(positional.sql, positional.values);
}

function rowsOf<T>(result: unknown): T[] {
  return Array.isArray(result) ? Array.from(result as readonly T[]) : [];
}

function affectedRows(result: unknown): number {
  if (Array.isArray(result)) return result.reduce((sum: number, r: unknown) => sum + affectedRows(r), 0);
  const n =
    typeof result === 'object' && result !== null ? (result as { affectedRows?: unknown }).affectedRows : 0;
  return Number(n ?? 0);
}

/** `10.11.19-MariaDB-0+deb12u1` → 101119; 0 when unreadable. */
export function versionNumber(version: string): number {
  const m = /^(\d+)\.(\d+)\.(\d+)/.exec(version);
  return m ? Number(m[1]) * 10_000 + Number(m[2]) * 100 + Number(m[3]) : 0;
}

/** What this server can do: descending keys from 10.8. */
export function capabilitiesFor(version: number): DialectCapabilities {
  return {
    supportsConcurrentBuild: true,
    supportsInclude: false,
    supportsTransactionalDdl: false,
    supportsPartialIndex: false,
    supportsDescendingIndex: version >= 100800,
    searchesBooleanIs: false,
    supportsBuildProgress: true,
    supportsIndexStatistics: true,
    maxConcurrentBuilds: 4,
    indexLimits: INNODB_LIMITS,
    buildCost: MARIADB_BUILD_COST,
  };
}
