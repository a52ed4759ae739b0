/**
 * The bookkeeping contract: what the engine records inside the target database. The database is the
 * source of truth for what has been applied; the CLI's `status` and the operator's resource status
 * mirror these rows. Implementation: SqlBookkeepingStore (portable SQL over Dialect.query/execute).
 */
import type { IndexAction } from './run-observer.js';

/** Table names (contract: the operator, dashboards and docs refer to them). */
export const MIGRATIONS_TABLE = 'index_operator_migrations';
export const BUILDS_TABLE = 'index_operator_index_builds';

/**
 * What the last run of a phase recorded:
 * - running: an up is building it (or its runner died: the next run settles the row);
 * - succeeded: every index of the phase was there (built, or already present) when it finished;
 * - skipped: it finished with every index skipped (table or column missing, or unsupported here): nothing
 *   is applied, and `up` tries it again (e.g. once the application has created its tables);
 * - failed: an up or down of it failed (its message says what is left);
 * - rolling_back: a down or rollback began dropping its indexes (written before the first drop); a run
 *   that stops half-way leaves this, never `succeeded`;
 * - rolled_back: its indexes were dropped.
 * Readers never trust `succeeded` alone: phase-state.ts checks it against the database.
 */
export type MigrationStatus = 'running' | 'succeeded' | 'skipped' | 'failed' | 'rolling_back' | 'rolled_back';

/** One row per phase (primary key: phase); overwritten by each run of the phase. */
export interface MigrationRow {
  readonly phase: string;
  readonly catalogue: string;
  readonly checksum: string;
  readonly status: MigrationStatus;
  /** ISO 8601 UTC. */
  readonly startedAt: string;
  readonly finishedAt: string | null;
  readonly durationMs: number | null;
  readonly indexesCreated: number;
  readonly indexesSkipped: number;
  readonly message: string | null;
}

/** running: attempt in progress (or the process died); rolled_back: built, then dropped by rollback. */
export type BuildStatus = 'running' | 'succeeded' | 'failed' | 'rolled_back';

/** One row per index attempt (and per drop). */
export interface BuildRow {
  readonly id: string;
  readonly runId: string;
  readonly phase: string;
  readonly indexName: string;
  readonly tableName: string;
  readonly action: IndexAction;
  readonly status: BuildStatus;
  readonly attempt: number;
  readonly startedAt: string;
  readonly finishedAt: string | null;
  readonly durationMs: number | null;
  readonly errorCode: string | null;
  readonly errorMessage: string | null;
  /** True while the engine owns the index this row built (create/rebuild succeeded, not dropped since). */
  readonly owned: boolean;
}

export interface BuildFinish {
  readonly status: Exclude<BuildStatus, 'running'>;
  readonly finishedAt: string;
  readonly durationMs: number;
  readonly errorCode?: string | null;
  readonly errorMessage?: string | null;
  readonly owned?: boolean;
}

export interface BookkeepingStore {
  /** Creates the tables when missing (idempotent). */
  ensureTables(): Promise<void>;
  /** False when the tables do not exist yet (read paths never create them). */
  tablesExist(): Promise<boolean>;

  listMigrations(): Promise<MigrationRow[]>;
  getMigration(phase: string): Promise<MigrationRow | undefined>;
  /** Insert or replace the phase's row. */
  upsertMigration(row: MigrationRow): Promise<void>;

  listBuilds(phase?: string): Promise<BuildRow[]>;
  insertBuild(row: BuildRow): Promise<void>;
  finishBuild(id: string, finish: BuildFinish): Promise<void>;
  /** Rows left `running` by a process that died; the caller reconciles them with the database. */
  listRunningBuilds(): Promise<BuildRow[]>;
  /** Index names (with phase) the engine currently owns. */
  listOwned(phase?: string): Promise<{ readonly indexName: string; readonly phase: string }[]>;
  /** Ends ownership of an index after it was dropped: its owning rows become `rolled_back`. */
  disown(indexName: string): Promise<void>;
}
