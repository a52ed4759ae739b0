/**
 * SQLite through `better-sqlite3` (the only file that imports it). One connection in WAL mode with
 * busy_timeout and foreign_keys=ON. The driver is synchronous: every operation takes its turn on a
 * queue, so a transaction's statements never interleave with other callers'. Each index is built in
 * its own BEGIN IMMEDIATE transaction. SQLite has no INCLUDE (covering) columns: they are left out of
 * the rendered index (capability supportsInclude=false); partial indexes are kept, booleans as 1/0.
 * Prepared statements are cached by SQL text (bounded LRU), so repeated SQL is compiled once.
 */
import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { IndexDefinition } from '../catalogue/index-definition.js';
import { TransientError, UsageError, errorMessage } from '../errors.js';
import { wrapDbError } from './classify.js';
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
import { classifySqliteError, describeSqliteError } from './sqlite-errors.js';
import { summarizeSqlitePlan, tableAliases } from './sqlite-explain.js';
import { LOCK_TABLE_SQL, isStale, lockHeldMessage, type LockRow } from './sqlite-lock-row.js';
import { introspectSqlite } from './sqlite-introspection.js';
import { sqliteTableSizes } from './table-sizes.js';
import { SQLITE_BUILD_COST } from './build-cost-defaults.js';
import { SQLITE_PROBE_REPEATS, SQLITE_PROBE_ROWS, SQLITE_PROBE_SQL } from './speed-probe.js';
import { quoteIdentifier, renderCreateIndex, renderDropIndex } from './render-sql.js';
import { bindings, insertAll, insertSql, rowsPerInsert } from './sqlite-bulk.js';
import { StatementCache } from './statement-cache.js';

export interface SqliteDialectOptions {
  /** busy_timeout of the connection, ms. */
  readonly busyTimeoutMs: number;
  /**
   * Open the existing file read-only (commands that only read: plan, status, health, verify), so a
   * read-only file or mount works. Writes fail with SQLITE_READONLY; transactions are deferred.
   */
  readonly readOnly?: boolean;
}

type Sync = Pick<Dialect, 'query' | 'execute'>;

const LOCK_POLL_MS = 200;
/** Tries to delete the runner lock's row while the file is busy (each waits the busy timeout). */
const RELEASE_ATTEMPTS = 3;
/** Prepared statements kept per connection: the engine's and seed's statements fit many times over. */
export const STATEMENT_CACHE_SIZE = 200;

/**
 * ANALYZE reads every index whole (analysis_limit 0). With any limit SQLite writes no sqlite_stat4, and
 * without its samples the planner misjudges ranges and skewed keys: measured at 100k after `up`, it chose a
 * skip-scan of (tool_id, timestamp) over the timestamp range for the hourly rollup (0.6x of before `up`,
 * 78 ms; 2 ms with stat4) and walked the newest-first listing index for one team's listing (0.1x to 0.9x;
 * the team index with stat4). A table's full ANALYZE holds the write lock for less time than one index
 * build on it (94 ms for `tools` at 100k).
 */
const ANALYSIS_LIMIT = 0;

export class SqliteDialect implements Dialect {
  readonly name = 'sqlite';
  readonly capabilities: DialectCapabilities = {
    supportsConcurrentBuild: false,
    supportsInclude: false,
    supportsTransactionalDdl: true,
    supportsPartialIndex: true,
    supportsDescendingIndex: true,
    searchesBooleanIs: true,
    supportsBuildProgress: false,
    supportsIndexStatistics: false,
    maxConcurrentBuilds: 1,
    buildCost: SQLITE_BUILD_COST,
  };
  readonly target: string;
  private turn: Promise<void> = Promise.resolve();
  private closed = false;
  private readonly statements = new StatementCache<Database.Statement>(STATEMENT_CACHE_SIZE);

  private constructor(
    private readonly db: Database.Database,
    path: string,
    private readonly busyTimeoutMs: number,
    private readonly readOnly: boolean,
  ) {
    this.target = path;
  }

  /** Opens (creating if needed) the file; a path that cannot be opened is a UsageError naming it. */
  static open(path: string, options: SqliteDialectOptions): SqliteDialect {
    let db: Database.Database | undefined;
    const readOnly = options.readOnly === true;
    try {
      db = readOnly ? new Database(path, { readonly: true, fileMustExist: true }) : new Database(path);
      if (!readOnly) db.pragma('journal_mode = WAL');
      db.pragma(`busy_timeout = ${Math.max(0, Math.round(options.busyTimeoutMs))}`);
      db.pragma('foreign_keys = ON');
    } catch (e) {
      db?.close();
      throw new UsageError(
        `cannot open SQLite database ${path}: ${errorMessage(e)}; check the path and its permissions`,
        {
          cause: e,
          reason: 'connection',
        },
      );
    }
    return new SqliteDialect(db, path, options.busyTimeoutMs, readOnly);
  }

  query<T extends Record<string, unknown>>(sql: string, params: readonly unknown[] = []): Promise<T[]> {
    return this.exclusive(() => this.sync.query<T>(sql, params));
  }

  execute(sql: string, params: readonly unknown[] = []): Promise<number> {
    return this.exclusive(() => this.sync.execute(sql, params));
  }

  /** BEGIN IMMEDIATE (read-only: BEGIN) ... COMMIT; other callers wait their turn until it ends (do not nest). */
  transaction<T>(fn: (tx: Sync) => Promise<T>): Promise<T> {
    return this.exclusive(async () => {
      this.db.exec(this.readOnly ? 'BEGIN' : 'BEGIN IMMEDIATE');
      try {
        const result = await fn(this.sync);
        this.db.exec('COMMIT');
        return result;
      } catch (e) {
        if (this.db.inTransaction) this.db.exec('ROLLBACK');
        throw e;
      }
    });
  }

  /**
   * Committed with `synchronous = NORMAL` (in WAL mode: no fsync of the log at that commit; the next
   * commit at the connection's own level, an index build's, syncs it), then the connection's level again.
   */
  executeUnflushed(sql: string, params: readonly unknown[] = []): Promise<number> {
    return this.exclusive(() => {
      const level = this.db.pragma('synchronous', { simple: true }) as number;
      this.db.pragma('synchronous = NORMAL');
      try {
        return this.prepared(sql).run(...bindings(params)).changes;
      } finally {
        this.db.pragma(`synchronous = ${level}`);
      }
    });
  }

  /** Cached multi-row INSERTs (sqlite-bulk.ts) inside one BEGIN IMMEDIATE transaction. */
  bulkInsert(rows: BulkRows): Promise<number> {
    return this.exclusive(() => {
      if (rows.count === 0) return 0;
      const many = this.prepared(insertSql(rows, rowsPerInsert(rows.columns.length)));
      const one = this.prepared(insertSql(rows, 1));
      const load = this.db.transaction(() =>
        insertAll(
          rows,
          (args) => many.run(args).changes,
          (args) => one.run(args).changes,
        ),
      );
      return load.immediate();
    });
  }

  introspect(scope?: IntrospectScope): Promise<SchemaSnapshot> {
    return this.exclusive(() => introspectSqlite((sql, params) => this.sync.query(sql, params), scope));
  }

  tableSizes(tables: readonly string[]): Promise<ReadonlyMap<string, TableSize>> {
    return this.exclusive(() => sqliteTableSizes((sql, params) => this.sync.query(sql, params), tables));
  }

  /**
   * speed-probe.ts: SQLITE_PROBE_REPEATS sorts of generated text; the driver cannot interrupt a
   * statement, so the deadline is checked between them (bounded by the timeout plus one of them).
   */
  speedProbe(timeoutMs: number): Promise<number> {
    return this.exclusive(() => {
      const start = performance.now();
      for (let i = 0; i < SQLITE_PROBE_REPEATS; i++) {
        this.probePart();
        const ms = performance.now() - start;
        if (ms > timeoutMs)
          throw new TransientError(
            `speed probe ran out of time: ${i + 1} of its ${SQLITE_PROBE_REPEATS} parts took ${Math.round(ms)} ms, over its ${Math.round(timeoutMs)} ms`,
            { reason: 'statement_timeout' },
          );
      }
      return (performance.now() - start) / 1000;
    });
  }

  /** One sort of the speed probe; a failure says it was the probe's. */
  private probePart(): void {
    try {
      this.prepared(SQLITE_PROBE_SQL).get(SQLITE_PROBE_ROWS, SQLITE_PROBE_ROWS);
    } catch (e) {
      const classified = this.classifyError(e);
      const detail = errorMessage(e);
      throw wrapDbError(
        `speed probe failed (${classified.code ?? classified.reason}): ${detail}`,
        classified,
        e,
        detail,
      );
    }
  }

  quoteIdentifier(name: string): string {
    return quoteIdentifier(name);
  }

  renderCreateIndex(def: IndexDefinition): string {
    return renderCreateIndex(def, { concurrently: false, include: false, booleans: 'integer' });
  }

  renderDropIndex(name: string): string {
    return renderDropIndex(name, false);
  }

  async createIndex(
    def: IndexDefinition,
    options: BuildOptions,
    beforeStatement?: () => Promise<void>,
  ): Promise<void> {
    await beforeStatement?.();
    return this.ddl(`create index ${def.name} on ${def.table}`, this.renderCreateIndex(def), options);
  }

  /** Builds and drops open no session of their own to keep. */
  releaseSessions(): Promise<void> {
    return Promise.resolve();
  }

  dropIndex(name: string, options: BuildOptions): Promise<void> {
    return this.ddl(`drop index ${name}`, this.renderDropIndex(name), options);
  }

  /**
   * ANALYZE each table in its own statement, so the write lock is let go between tables; each reads its
   * indexes whole and writes sqlite_stat1 and sqlite_stat4 (see ANALYSIS_LIMIT).
   */
  analyze(tables: readonly string[]): Promise<void> {
    return this.exclusive(() => {
      this.db.pragma(`analysis_limit = ${ANALYSIS_LIMIT}`);
      for (const t of tables) this.db.exec(`ANALYZE ${quoteIdentifier(t)}`);
    });
  }

  /** SQLite reports no build progress (CREATE INDEX holds the write lock throughout). */
  buildProgress(): Promise<readonly BuildProgress[]> {
    return Promise.resolve([]);
  }

  /** SQLite keeps no index usage statistics: health checks structure only. */
  usageStatistics(): Promise<UsageStatistics | undefined> {
    return Promise.resolve(undefined);
  }

  async acquireRunnerLock(owner: string, waitMs: number): Promise<HeldLock> {
    const me = { owner, token: randomUUID(), pid: process.pid, hostname: hostname() };
    const started = Date.now();
    const deadline = started + waitMs;
    for (;;) {
      const holder = await this.exclusive(() => this.tryTakeLock(me));
      if (holder === undefined) return this.heldLock(me.token);
      const left = deadline - Date.now();
      if (left <= 0) throw this.lockNotTaken(holder, waitMs, Date.now() - started);
      await delay(Math.min(LOCK_POLL_MS, left));
    }
  }

  /** Another runner's row, or the file write-locked by another connection (`busy`), past the wait. */
  private lockNotTaken(holder: LockRow | 'busy', waitMs: number, waitedMs: number): TransientError {
    if (holder !== 'busy') {
      return new TransientError(lockHeldMessage(this.target, holder, waitMs), { reason: 'runner_lock' });
    }
    return new TransientError(
      `cannot take the runner lock on ${this.target}: another connection holds the write lock on the ` +
        `file (SQLITE_BUSY); waited ${waitedMs}ms (busy timeout ${this.busyTimeoutMs}ms, --lock-wait ` +
        `${waitMs}ms). Run again when that writer is done, or give --lock-wait a longer wait`,
      { code: 'SQLITE_BUSY', reason: 'busy' },
    );
  }

  /** SQLite has no setting that makes full scans dearer (`preferIndexes` changes nothing). */
  async explain(sql: string, params: readonly unknown[]): Promise<ExplainResult> {
    const rows = await this.query<{ detail: string }>(`EXPLAIN QUERY PLAN ${sql}`, params);
    return summarizeSqlitePlan(rows, tableAliases(sql));
  }

  classifyError(e: unknown): ClassifiedDbError {
    return classifySqliteError(e);
  }

  async close(): Promise<void> {
    await this.exclusive(() => {
      if (this.closed) return;
      this.closed = true;
      this.statements.clear();
      this.db.close();
    });
  }

  /** Statements run directly on the connection: only inside a turn. */
  private readonly sync: Sync = {
    query: <T extends Record<string, unknown>>(sql: string, params: readonly unknown[] = []) => {
      const stmt = this.prepared(sql);
      const args = bindings(params);
      if (!stmt.reader) {
        stmt.run(...args);
        return Promise.resolve([] as T[]);
      }
      return Promise.resolve(stmt.all(...args) as T[]);
    },
    execute: (sql: string, params: readonly unknown[] = []) =>
      Promise.resolve(this.prepared(sql).run(...bindings(params)).changes),
  };

  /** The prepared statement for sql, compiled on first use and kept in the LRU cache. */
  private prepared(sql: string): Database.Statement {
    return this.statements.get(sql, (text) => this.db.prepare(text));
  }

  /** Runs fn when every earlier operation has finished. */
  private async exclusive<T>(fn: () => T | Promise<T>): Promise<T> {
    const previous = this.turn;
    let done = (): void => undefined;
    this.turn = new Promise((resolve) => {
      done = resolve;
    });
    await previous;
    try {
      return await fn();
    } catch (e) {
      throw this.busyAsTransient(e);
    } finally {
      done();
    }
  }

  /**
   * SQLITE_BUSY/LOCKED (another connection held the write lock past the busy timeout) becomes a
   * TransientError naming the file and the wait, so every caller retries it; anything else is unchanged.
   */
  private busyAsTransient(e: unknown): unknown {
    const classified = this.classifyError(e);
    if (classified.reason !== 'busy' || e instanceof TransientError) return e;
    const detail = describeSqliteError(e, this.busyTimeoutMs);
    return new TransientError(`SQLite file ${this.target}: ${detail}`, {
      cause: e,
      code: classified.code,
      reason: 'busy',
      detail,
    });
  }

  /** One DDL statement in its own BEGIN IMMEDIATE transaction, with the build's busy_timeout. */
  private ddl(what: string, sql: string, options: BuildOptions): Promise<void> {
    return this.exclusive(() => {
      this.db.pragma(`busy_timeout = ${Math.max(0, Math.round(options.busyTimeoutMs))}`);
      try {
        this.db.exec('BEGIN IMMEDIATE');
        this.db.exec(sql);
        this.db.exec('COMMIT');
      } catch (e) {
        if (this.db.inTransaction) this.db.exec('ROLLBACK');
        const classified = this.classifyError(e);
        const detail = describeSqliteError(e, options.busyTimeoutMs);
        throw wrapDbError(
          `${what} failed (${classified.code ?? classified.reason}): ${detail}`,
          classified,
          e,
          detail,
        );
      } finally {
        this.db.pragma(`busy_timeout = ${Math.max(0, Math.round(this.busyTimeoutMs))}`);
      }
    });
  }

  /**
   * Takes the lock row if it is free or stale; returns the current holder otherwise, or `busy` when
   * another connection held the file's write lock past the busy timeout (the caller waits and tries again).
   */
  private tryTakeLock(me: Omit<LockRow, 'acquired_at'>): LockRow | 'busy' | undefined {
    try {
      this.db.exec(LOCK_TABLE_SQL);
      this.db.exec('BEGIN IMMEDIATE');
      const row = this.db
        .prepare('SELECT owner, token, pid, hostname, acquired_at FROM index_operator_lock WHERE id = 1')
        .get() as LockRow | undefined;
      if (row !== undefined && !isStale(row)) {
        this.db.exec('COMMIT');
        return row;
      }
      this.db
        .prepare(
          'INSERT OR REPLACE INTO index_operator_lock (id, owner, token, pid, hostname, acquired_at) VALUES (1, ?, ?, ?, ?, ?)',
        )
        .run(me.owner, me.token, me.pid, me.hostname, new Date().toISOString());
      this.db.exec('COMMIT');
      return undefined;
    } catch (e) {
      if (this.db.inTransaction) this.db.exec('ROLLBACK');
      const classified = this.classifyError(e);
      if (classified.reason === 'busy') return 'busy';
      const detail = errorMessage(e);
      throw wrapDbError(`acquire runner lock on ${this.target}: ${detail}`, classified, e, detail);
    }
  }

  private heldLock(token: string): HeldLock {
    let released = false;
    return {
      // The lock row lives in the file this process has open: it is not lost while the process lives.
      lost: new AbortController().signal,
      release: async () => {
        if (released || this.closed) return;
        released = true;
        for (let attempt = 1; ; attempt++) {
          try {
            await this.execute('DELETE FROM index_operator_lock WHERE token = $1', [token]);
            return;
          } catch (e) {
            // A row left behind is stale as soon as this process has exited (see isStale).
            if (this.classifyError(e).reason !== 'busy' || attempt >= RELEASE_ATTEMPTS) throw e;
          }
        }
      },
    };
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
