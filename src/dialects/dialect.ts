import type { IndexColumn, IndexDefinition } from '../catalogue/index-definition.js';
import type { ErrorClass } from '../errors.js';

export type DialectName = 'postgresql' | 'sqlite' | 'mariadb';

/** What a dialect can do. Code asks these, never `dialect.name === ...`. */
export interface DialectCapabilities {
  /** Builds without blocking writes (PostgreSQL CREATE INDEX CONCURRENTLY). */
  readonly supportsConcurrentBuild: boolean;
  /** INCLUDE (covering) columns. */
  readonly supportsInclude: boolean;
  /** DDL can run inside a transaction and be rolled back. */
  readonly supportsTransactionalDdl: boolean;
  /**
   * Partial indexes (WHERE). Without them a plain index keeps its intent with the predicate's columns
   * appended to its key (the planner does it, and `plan` shows it); a partial unique index is skipped.
   */
  readonly supportsPartialIndex: boolean;
  /** Descending key columns (MariaDB from 10.8); without, a DESC key is built ascending (shown by `plan`). */
  readonly supportsDescendingIndex: boolean;
  /**
   * `col IS TRUE` / `col IS FALSE` (what SQLAlchemy writes for `.is_(True)`) can search an index on a
   * boolean key column. MariaDB cannot: it searches by the key columns before it and checks the boolean
   * row by row in the index (`= TRUE` and a bare `col = 1` do search it). `plan` shows that adaptation
   * for every index with a boolean key column (ColumnKeyInfo.boolean).
   */
  readonly searchesBooleanIs: boolean;
  /**
   * Limits an index must fit, checked by the planner before anything is built (MariaDB/InnoDB: 64-char
   * names, 3072-byte keys, TEXT/BLOB keys only by a prefix). Undefined: the database has none we check.
   */
  readonly indexLimits?: IndexLimits;
  /** Live build progress (pg_stat_progress_create_index; MariaDB PROCESSLIST), see `buildProgress`. */
  readonly supportsBuildProgress: boolean;
  /** Index usage statistics (scans, size), see `usageStatistics`. */
  readonly supportsIndexStatistics: boolean;
  /** How many index builds may run at once against one database. */
  readonly maxConcurrentBuilds: number;
  /**
   * Default cost model of one index build on this dialect, before this database has shown its own
   * (src/engine/estimate.ts refines it from the bookkeeping's earlier builds).
   */
  readonly buildCost: BuildCost;
}

/**
 * Cost model of a phase (src/engine/estimate.ts): each index build takes about `fixedSeconds +
 * tableBytes / bytesPerSecond + tableRows / rowsPerSecond`, plus `overheadSeconds` of the engine's own
 * work around it (bookkeeping rows, checks); the ANALYZE after the phase reads each table
 * it built on once, about `sampledBytes / analyzeBytesPerSecond`, where the sampled bytes are the
 * table's bytes times `min(1, analyzeSampleRows / tableRows)` (ANALYZE samples that many rows at most);
 * or, where ANALYZE reads every index whole, `tableRows * indexes / analyzeIndexEntriesPerSecond`.
 */
export interface BuildCost {
  /** Per build, whatever the table's size (session, waits for writers, catalog updates). */
  readonly fixedSeconds: number;
  /** Per index, the engine's work outside the build's recorded time (bookkeeping rows, checks). */
  readonly overheadSeconds: number;
  /** Table bytes one build reads per second. */
  readonly bytesPerSecond: number;
  /** Table rows one build sorts and writes into the index per second. */
  readonly rowsPerSecond: number;
  /** Rows ANALYZE samples from a table at most (the dialect's sample size; Infinity: every row). */
  readonly analyzeSampleRows: number;
  /** Sampled table bytes ANALYZE reads and summarises per second. */
  readonly analyzeBytesPerSecond: number;
  /**
   * Set where ANALYZE reads every index of the table whole (SQLite without analysis_limit): index entries
   * it reads per second. A table's ANALYZE then costs its rows times its indexes (those it has and those
   * the run built on it so far) over this rate, instead of the sampled bytes.
   */
  readonly analyzeIndexEntriesPerSecond?: number;
  /**
   * Seconds the dialect's speed probe (Dialect.speedProbe) takes on a server running at the speed of
   * these rates: a probe taking twice that scales every term by 2 (src/engine/estimate.ts).
   */
  readonly probeReferenceSeconds: number;
}

/** A table's size as the database reports it, cheaply (no full count). */
export interface TableSize {
  /** Bytes of the table's own data (PostgreSQL heap, SQLite b-tree pages, InnoDB data_length). */
  readonly bytes: number;
  /** Estimated rows; -1 when unknown. */
  readonly rows: number;
}

export interface IndexLimits {
  /** Longest index name, in characters. */
  readonly maxNameLength: number;
  /** Largest index key, in bytes (the sum of its columns' key bytes). */
  readonly maxKeyBytes: number;
  /** Prefix length (characters) given to a TEXT/BLOB key column when the key has room for it. */
  readonly defaultPrefixLength: number;
}

/** How a column counts in an index key (dialects with IndexLimits report it). */
export interface ColumnKeyInfo {
  /** Bytes the column takes in a key; for a prefix column, bytes per character of its prefix. */
  readonly keyBytes: number;
  /** TEXT/BLOB/JSON: indexable only by a prefix length. */
  readonly needsPrefix: boolean;
  /** The column's type as the database reports it (for messages). */
  readonly type: string;
  /** A boolean column (MariaDB BOOLEAN, which is TINYINT(1)). */
  readonly boolean?: boolean;
}

export interface TableInfo {
  readonly name: string;
  readonly columns: readonly string[];
  /** Per column, how it counts in an index key; only dialects with IndexLimits report it. */
  readonly keyInfo?: ReadonlyMap<string, ColumnKeyInfo>;
  /**
   * Why this database cannot add an index to the table without blocking writes (MariaDB: not InnoDB,
   * or a long UNIQUE key kept by a hidden hash column); undefined when it can. The planner skips the
   * table's indexes with this reason instead of starting a build that would fail.
   */
  readonly noOnlineBuild?: string;
  /** Estimated row count (PostgreSQL reltuples, SQLite sqlite_stat1 or count). -1 when unknown. */
  readonly estimatedRows: number;
}

export interface ExistingIndex {
  readonly name: string;
  readonly table: string;
  /** Key columns in order; an expression column has name `null`. */
  readonly columns: readonly (IndexColumn | { readonly name: null; readonly order: 'ASC' | 'DESC' })[];
  readonly include: readonly string[];
  readonly unique: boolean;
  readonly primary: boolean;
  /** Predicate in canonical form (see canonicalPredicate), or '' for a full index. */
  readonly predicate: string;
  /** PostgreSQL indisvalid; always true on SQLite. */
  readonly valid: boolean;
  /** PostgreSQL indisready; always true on SQLite. */
  readonly ready: boolean;
  /** The index's DDL as the database reports it (for messages). */
  readonly definition: string;
  /**
   * Made by the database on its own for a foreign key (InnoDB), and dropped by it as soon as another
   * index serves the key: it never makes a catalogue index `exists`. Undefined/false elsewhere.
   */
  readonly implicit?: boolean;
}

export interface ForeignKeyInfo {
  readonly name: string;
  readonly table: string;
  readonly columns: readonly string[];
  readonly refTable: string;
  readonly refColumns: readonly string[];
}

export interface SchemaSnapshot {
  readonly tables: ReadonlyMap<string, TableInfo>;
  readonly indexes: readonly ExistingIndex[];
  readonly foreignKeys: readonly ForeignKeyInfo[];
}

/** What a scoped introspection must hold (see Dialect.introspect). */
export interface IntrospectScope {
  readonly tables: readonly string[];
  readonly indexes: readonly string[];
}

export interface BuildOptions {
  /** PostgreSQL lock_timeout for the build's session, ms. */
  readonly lockTimeoutMs: number;
  /** PostgreSQL statement_timeout for the build's session, ms (0 = none). */
  readonly statementTimeoutMs: number;
  /** PostgreSQL maintenance_work_mem, e.g. '256MB'; undefined leaves the server's setting. */
  readonly maintenanceWorkMem?: string;
  /**
   * PostgreSQL max_parallel_maintenance_workers for the build's session (11+); 0 builds without
   * parallel workers (less I/O and CPU taken from the application). Undefined leaves the server's.
   */
  readonly maxParallelMaintenanceWorkers?: number;
  /** SQLite busy_timeout, ms. */
  readonly busyTimeoutMs: number;
  /**
   * How long a build or drop waits BEFORE its statement (nothing created, no lock taken) for the
   * transactions open now that the statement would wait for: on PostgreSQL, snapshots older than a
   * CREATE INDEX CONCURRENTLY (which would otherwise cancel on lock_timeout and leave an INVALID index)
   * and lockers of the table for DROP INDEX CONCURRENTLY. Past it: a TransientError (reason
   * `snapshot_wait`) naming those sessions (pid, application, age, query start). 0 or undefined: no
   * wait beforehand. A dialect whose builds take no such wait ignores it (SQLite).
   */
  readonly snapshotWaitMs?: number;
}

/** Classification of a driver error: kind, SQLSTATE (or SQLite code) and a bounded reason label. */
export interface ClassifiedDbError {
  readonly errorClass: ErrorClass;
  readonly code: string | undefined;
  /** Bounded label for metrics: lock_timeout, statement_timeout, deadlock, serialization, connection,
   *  unique_violation, permission_denied, undefined_object, duplicate_object, busy, snapshot_wait, other. */
  readonly reason: string;
}

/** A held lock; release is idempotent. */
export interface HeldLock {
  /**
   * Aborted (reason: a TransientError saying what happened) when the lock is no longer held although
   * release was not called: its session died. Another runner may hold it from then on.
   */
  readonly lost: AbortSignal;
  release(): Promise<void>;
}

export interface ExplainResult {
  /** Index names the plan uses. */
  readonly indexesUsed: readonly string[];
  /** Tables the plan reads sequentially (full scan). */
  readonly seqScans: readonly string[];
  /** One-line summary of the plan, for reports. */
  readonly summary: string;
  /**
   * Each index access with the condition it is searched with (PostgreSQL Index Cond; SQLite the
   * `(a=? AND b>?)` of its plan line; MariaDB the key parts used, `used_key_parts`). An empty `cond`:
   * the index is read whole, not searched.
   */
  readonly searches: readonly IndexSearch[];
  /**
   * Sequential scans that feed a hash or merge join directly: the table, its column in the join
   * condition, and the rows the planner expects the scan to keep after its own filter (PostgreSQL).
   */
  readonly joinScans?: readonly JoinScan[];
  /** The planner's estimated total cost of the plan, where the database gives one (PostgreSQL). */
  readonly totalCost?: number;
}

export interface JoinScan {
  readonly table: string;
  readonly column: string;
  readonly rows: number;
}

export interface IndexSearch {
  readonly index: string;
  readonly cond: string;
}

export interface ExplainOptions {
  /**
   * Plan as if full table scans were dearer than any usable index (PostgreSQL enable_seqscan off,
   * MariaDB max_seeks_for_key = 1), to ask whether an index CAN serve a statement; the planner still
   * picks among indexes by cost. SQLite has no such setting: its plan is the same.
   */
  readonly preferIndexes?: boolean;
}

/** One index build running now, as the database reports it (see `Dialect.buildProgress`). */
export interface BuildProgress {
  /** The index being built; null when the database does not say yet (then matched by table). */
  readonly indexName: string | null;
  readonly tableName: string;
  /** The build's step as the database names it (a bounded set: it is a metric label). */
  readonly phase: string;
  /** Progress within that step, 0..1 (0 when the database does not measure the step). */
  readonly ratio: number;
  /** Sessions the build waits for (0 when it is not waiting). */
  readonly lockersWaiting: number;
  /** The database's raw counters behind `ratio`: a change means the build moved. */
  readonly counters: string;
}

export interface IndexStats {
  readonly table: string;
  readonly index: string;
  /** Null where the database does not say (MariaDB: no InnoDB statistics for it yet, or not readable). */
  readonly sizeBytes: number | null;
  /** Uses since the statistics reset (MariaDB: rows read through it); null where not counted. */
  readonly scans: number | null;
}

export interface TableStats {
  readonly table: string;
  readonly seqScans: number;
  readonly indexScans: number;
  readonly liveRows: number;
}

/** Index and table usage statistics, where the database keeps them (see `Dialect.usageStatistics`). */
export interface UsageStatistics {
  readonly indexes: readonly IndexStats[];
  /** Sequential vs index scans per table; empty where the database does not count them. */
  readonly tables: readonly TableStats[];
  /** When the counters start (the last statistics reset, or the server's start); null when unknown. */
  readonly resetAt: Date | null;
  /** What these statistics leave out or how to read them, said in the health report. */
  readonly note?: string;
}

/** Rows for `bulkInsert`, made on demand: row i (0 ≤ i < count) holds one value per column, in order. */
export interface BulkRows {
  readonly table: string;
  readonly columns: readonly string[];
  readonly count: number;
  row(i: number): readonly unknown[];
}

/**
 * One interface for every database. Identifiers are quoted by the dialect; values are bind parameters.
 * SQL passed to `query`/`execute` uses `$1..$n` placeholders on every dialect.
 */
export interface Dialect {
  readonly name: DialectName;
  readonly capabilities: DialectCapabilities;
  /** Host:port/database or file path, never a password: safe for messages and logs. */
  readonly target: string;

  /** Plain query on the shared connection/pool. */
  query<T extends Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<T[]>;
  /** Statement with no result rows; returns affected row count. */
  execute(sql: string, params?: readonly unknown[]): Promise<number>;
  /** Runs fn in one transaction on one connection (BEGIN/COMMIT, ROLLBACK on throw). */
  transaction<T>(fn: (tx: Pick<Dialect, 'query' | 'execute'>) => Promise<T>): Promise<T>;
  /**
   * `execute` with a commit that does not wait for the disk (PostgreSQL: on a session with
   * `synchronous_commit = off`; SQLite in WAL mode: `synchronous = NORMAL` for that commit); where the
   * database has no such setting for one session (MariaDB), plain `execute`. Only for rows the engine
   * re-derives from the database when a server crash loses them: the commit is visible to every session
   * at once, and a crash of the server may lose it only until the next flushed commit (an index build's
   * own commit flushes the log up to it).
   */
  executeUnflushed(sql: string, params?: readonly unknown[]): Promise<number>;

  /**
   * Loads every row into an existing table in one transaction, the fastest way this database offers
   * (PostgreSQL COPY FROM STDIN with synchronous_commit off for that transaction; SQLite cached
   * multi-row prepared INSERTs); returns the number of rows written. Values as for bind parameters.
   * For loading data (seed), not for the operator's own writes.
   */
  bulkInsert(rows: BulkRows): Promise<number>;

  /**
   * The schema. With a scope, a cheaper read that holds at least the scope's tables, every index on them
   * and every index named in it (wherever it is): what re-checking those indexes needs; its foreign
   * keys may be left out (PostgreSQL; MariaDB keeps those of the scope's tables), and a dialect may
   * return more indexes than asked.
   */
  introspect(scope?: IntrospectScope): Promise<SchemaSnapshot>;

  quoteIdentifier(name: string): string;
  /** CREATE [UNIQUE] INDEX [CONCURRENTLY] ... as this dialect would run it. */
  renderCreateIndex(def: IndexDefinition): string;
  /** DROP INDEX as this dialect would run it; MariaDB names indexes per table, so it needs `table`. */
  renderDropIndex(name: string, table?: string): string;

  /**
   * Builds one index on its own session with the timeouts set; never inside a transaction on PostgreSQL.
   * `beforeStatement` (the engine's build row) is awaited before the statement is sent, and its failure
   * fails the build with nothing created; the dialect may do its own checks before the statement (opening
   * the session, the wait for writers) while it runs.
   */
  createIndex(
    def: IndexDefinition,
    options: BuildOptions,
    beforeStatement?: () => Promise<void>,
  ): Promise<void>;
  /** Drops one index (PostgreSQL DROP INDEX CONCURRENTLY IF EXISTS). */
  dropIndex(name: string, options: BuildOptions): Promise<void>;
  /**
   * Ends the sessions builds and drops keep open between them (PostgreSQL keeps its dedicated build
   * sessions for the next build); the engine calls it when a run ends. Never throws.
   */
  releaseSessions(): Promise<void>;
  /**
   * Sizes of the given tables that exist (PostgreSQL pg_relation_size and reltuples; SQLite the dbstat
   * pages of each table; MariaDB information_schema.TABLES data_length and table_rows). Read-only.
   */
  tableSizes(tables: readonly string[]): Promise<ReadonlyMap<string, TableSize>>;
  /**
   * Measures the server's speed now: a short workload like a build's (reading and sorting a fixed number
   * of rows it generates itself; speed-probe.ts), reading no table, creating and writing nothing, stopped
   * after `timeoutMs` (PostgreSQL statement_timeout, MariaDB max_statement_time, SQLite a deadline
   * checked between its parts). Returns the workload's seconds; throws when it failed or ran out of time.
   */
  speedProbe(timeoutMs: number): Promise<number>;
  /** Refreshes planner statistics of the given tables. */
  analyze(tables: readonly string[]): Promise<void>;

  /** One runner per database: waits up to waitMs, then throws a UsageError-free TransientError naming the holder. */
  acquireRunnerLock(owner: string, waitMs: number): Promise<HeldLock>;

  explain(sql: string, params: readonly unknown[], options?: ExplainOptions): Promise<ExplainResult>;

  /**
   * Index builds running now on this database, by any session, with their progress (PostgreSQL
   * pg_stat_progress_create_index, MariaDB PROCESSLIST and InnoDB's online-DDL progress). Empty on a
   * dialect without `supportsBuildProgress`.
   */
  buildProgress(): Promise<readonly BuildProgress[]>;

  /**
   * Index usage statistics and sizes, where the database keeps them (PostgreSQL pg_stat_*; MariaDB
   * sizes from InnoDB's statistics and, with userstat on, rows read per index); undefined where it keeps
   * none (SQLite): the health report then checks structure only.
   */
  usageStatistics(): Promise<UsageStatistics | undefined>;

  classifyError(e: unknown): ClassifiedDbError;

  close(): Promise<void>;
}
