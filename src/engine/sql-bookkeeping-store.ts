/**
 * BookkeepingStore over Dialect.query/execute in portable SQL (PostgreSQL, SQLite and MariaDB alike):
 * text ISO timestamps, integer durations, SMALLINT 0/1 for `owned`, text ids generated here.
 */
import type { Dialect } from '../dialects/dialect.js';
import {
  BUILDS_TABLE,
  MIGRATIONS_TABLE,
  type BookkeepingStore,
  type BuildFinish,
  type BuildRow,
  type BuildStatus,
  type MigrationRow,
  type MigrationStatus,
} from './bookkeeping-store.js';
import type { IndexAction } from './run-observer.js';

type Db = Pick<Dialect, 'query' | 'execute' | 'executeUnflushed' | 'introspect'>;
type Row = Record<string, unknown>;

const CREATE_MIGRATIONS = `CREATE TABLE IF NOT EXISTS ${MIGRATIONS_TABLE} (
  phase VARCHAR(63) PRIMARY KEY,
  catalogue VARCHAR(63) NOT NULL,
  checksum VARCHAR(64) NOT NULL,
  status VARCHAR(16) NOT NULL,
  started_at VARCHAR(32) NOT NULL,
  finished_at VARCHAR(32),
  duration_ms BIGINT,
  indexes_created INTEGER NOT NULL DEFAULT 0,
  indexes_skipped INTEGER NOT NULL DEFAULT 0,
  message VARCHAR(2000))`;

const CREATE_BUILDS = `CREATE TABLE IF NOT EXISTS ${BUILDS_TABLE} (
  id VARCHAR(64) PRIMARY KEY,
  run_id VARCHAR(64) NOT NULL,
  phase VARCHAR(63) NOT NULL,
  index_name VARCHAR(63) NOT NULL,
  table_name VARCHAR(63) NOT NULL,
  action VARCHAR(16) NOT NULL,
  status VARCHAR(16) NOT NULL,
  attempt INTEGER NOT NULL,
  started_at VARCHAR(32) NOT NULL,
  finished_at VARCHAR(32),
  duration_ms BIGINT,
  error_code VARCHAR(32),
  error_message VARCHAR(2000),
  owned SMALLINT NOT NULL DEFAULT 0)`;

const CREATE_BUILDS_INDEX = `CREATE INDEX IF NOT EXISTS ${BUILDS_TABLE}_phase ON ${BUILDS_TABLE} (phase, started_at)`;

const MIGRATION_COLUMNS =
  'phase, catalogue, checksum, status, started_at, finished_at, duration_ms, indexes_created, indexes_skipped, message';
const BUILD_COLUMNS =
  'id, run_id, phase, index_name, table_name, action, status, attempt, started_at, finished_at, duration_ms, error_code, error_message, owned';

export class SqlBookkeepingStore implements BookkeepingStore {
  constructor(private readonly db: Db) {}

  async ensureTables(): Promise<void> {
    await this.db.execute(CREATE_MIGRATIONS);
    await this.db.execute(CREATE_BUILDS);
    await this.db.execute(CREATE_BUILDS_INDEX);
  }

  async tablesExist(): Promise<boolean> {
    try {
      await this.db.query(`SELECT 1 AS one FROM ${MIGRATIONS_TABLE} WHERE 1 = 0`);
      await this.db.query(`SELECT 1 AS one FROM ${BUILDS_TABLE} WHERE 1 = 0`);
      return true;
    } catch (e) {
      // Only "no such table" means absent: anything else (connection lost...) is rethrown.
      const snapshot = await this.db.introspect();
      if (snapshot.tables.has(MIGRATIONS_TABLE) && snapshot.tables.has(BUILDS_TABLE)) throw e;
      return false;
    }
  }

  async listMigrations(): Promise<MigrationRow[]> {
    const rows = await this.db.query<Row>(
      `SELECT ${MIGRATION_COLUMNS} FROM ${MIGRATIONS_TABLE} ORDER BY started_at, phase`,
    );
    return rows.map(toMigration);
  }

  async getMigration(phase: string): Promise<MigrationRow | undefined> {
    const rows = await this.db.query<Row>(
      `SELECT ${MIGRATION_COLUMNS} FROM ${MIGRATIONS_TABLE} WHERE phase = $1`,
      [phase],
    );
    return rows[0] ? toMigration(rows[0]) : undefined;
  }

  /**
   * UPDATE, then INSERT when no row matched: portable (MariaDB has no ON CONFLICT), and one runner at a
   * time writes the bookkeeping (the runner lock), so nothing slips in between.
   */
  async upsertMigration(r: MigrationRow): Promise<void> {
    const values = [
      r.phase,
      r.catalogue,
      r.checksum,
      r.status,
      r.startedAt,
      r.finishedAt,
      r.durationMs,
      r.indexesCreated,
      r.indexesSkipped,
      truncate(r.message),
    ];
    const updated = await this.db.execute(
      `UPDATE ${MIGRATIONS_TABLE} SET catalogue = $2, checksum = $3, status = $4, started_at = $5,
         finished_at = $6, duration_ms = $7, indexes_created = $8, indexes_skipped = $9, message = $10
       WHERE phase = $1`,
      values,
    );
    if (updated > 0) return;
    await this.db.execute(
      `INSERT INTO ${MIGRATIONS_TABLE} (${MIGRATION_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
      values,
    );
  }

  async listBuilds(phase?: string): Promise<BuildRow[]> {
    const where = phase === undefined ? '' : 'WHERE phase = $1';
    const rows = await this.db.query<Row>(
      `SELECT ${BUILD_COLUMNS} FROM ${BUILDS_TABLE} ${where} ORDER BY started_at, id`,
      phase === undefined ? [] : [phase],
    );
    return rows.map(toBuild);
  }

  /**
   * Build rows are written with executeUnflushed (PostgreSQL: a session with synchronous_commit off):
   * their commit does not wait for the disk. Safe because a build row is re-derivable from the catalog:
   * a server crash can lose only what was committed since the last flushed commit, and every index
   * build's own commit flushes the log up to it (so a `running` row is on disk before its index can be).
   * A lost finish leaves the row `running`, which the next run settles against the database
   * (reconcile.ts: the index there and valid is succeeded and owned, otherwise failed); a lost `running`
   * row belongs to a build that never committed anything. Phase rows stay flushed.
   */
  async insertBuild(r: BuildRow): Promise<void> {
    await this.db.executeUnflushed(INSERT_BUILD, buildValues(r));
  }

  async finishBuild(id: string, f: BuildFinish): Promise<void> {
    await this.db.executeUnflushed(
      `UPDATE ${BUILDS_TABLE} SET status = $2, finished_at = $3, duration_ms = $4, error_code = $5,
         error_message = $6, owned = $7 WHERE id = $1`,
      [
        id,
        f.status,
        f.finishedAt,
        f.durationMs,
        f.errorCode ?? null,
        truncate(f.errorMessage ?? null),
        f.owned ? 1 : 0,
      ],
    );
  }

  async listRunningBuilds(): Promise<BuildRow[]> {
    const rows = await this.db.query<Row>(
      `SELECT ${BUILD_COLUMNS} FROM ${BUILDS_TABLE} WHERE status = 'running' ORDER BY started_at, id`,
    );
    return rows.map(toBuild);
  }

  async listOwned(phase?: string): Promise<{ indexName: string; phase: string }[]> {
    const where = phase === undefined ? '' : 'AND phase = $1';
    const rows = await this.db.query<Row>(
      `SELECT DISTINCT index_name, phase FROM ${BUILDS_TABLE} WHERE owned = 1 ${where} ORDER BY index_name`,
      phase === undefined ? [] : [phase],
    );
    return rows.map((r) => ({ indexName: String(r['index_name']), phase: String(r['phase']) }));
  }

  async disown(indexName: string): Promise<void> {
    await this.db.execute(
      `UPDATE ${BUILDS_TABLE} SET owned = 0, status = 'rolled_back' WHERE index_name = $1 AND owned = 1`,
      [indexName],
    );
  }
}

const INSERT_BUILD = `INSERT INTO ${BUILDS_TABLE} (${BUILD_COLUMNS})
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`;

function buildValues(r: BuildRow): unknown[] {
  return [
    r.id,
    r.runId,
    r.phase,
    r.indexName,
    r.tableName,
    r.action,
    r.status,
    r.attempt,
    r.startedAt,
    r.finishedAt,
    r.durationMs,
    r.errorCode,
    truncate(r.errorMessage),
    r.owned ? 1 : 0,
  ];
}

function truncate(s: string | null): string | null {
  return s === null || s.length <= 2000 ? s : `${s.slice(0, 1997)}...`;
}

function str(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  return typeof v === 'string' ? v : JSON.stringify(v);
}

function num(v: unknown): number | null {
  return v === null || v === undefined ? null : Number(v);
}

function toMigration(r: Row): MigrationRow {
  return {
    phase: String(r['phase']),
    catalogue: String(r['catalogue']),
    checksum: String(r['checksum']),
    status: String(r['status']) as MigrationStatus,
    startedAt: String(r['started_at']),
    finishedAt: str(r['finished_at']),
    durationMs: num(r['duration_ms']),
    indexesCreated: Number(r['indexes_created']),
    indexesSkipped: Number(r['indexes_skipped']),
    message: str(r['message']),
  };
}

function toBuild(r: Row): BuildRow {
  return {
    id: String(r['id']),
    runId: String(r['run_id']),
    phase: String(r['phase']),
    indexName: String(r['index_name']),
    tableName: String(r['table_name']),
    action: String(r['action']) as IndexAction,
    status: String(r['status']) as BuildStatus,
    attempt: Number(r['attempt']),
    startedAt: String(r['started_at']),
    finishedAt: str(r['finished_at']),
    durationMs: num(r['duration_ms']),
    errorCode: str(r['error_code']),
    errorMessage: str(r['error_message']),
    owned: Number(r['owned']) === 1,
  };
}
