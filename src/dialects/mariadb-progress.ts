/**
 * Live build progress on MariaDB, from information_schema.PROCESSLIST: each running ALTER TABLE ... ADD
 * INDEX on this database, its STATE, and STAGE / MAX_STAGE / PROGRESS where the server reports them (a
 * table copy). InnoDB's online (INPLACE) build leaves those at 0 and reports instead, server-wide, the
 * global status Innodb_onlineddl_pct_progress (hundredths of a percent): it is given to a build only
 * when that build is the one online ALTER running on the server, since the counter cannot say whose
 * it is otherwise. Per statement, where the server runs performance_schema with the
 * `stage/innodb/alter%` instruments and the `events_stages_current` consumer on, InnoDB's own stage of
 * each build (WORK_COMPLETED over WORK_ESTIMATED, one row per session) gives every build its own ratio,
 * however many run at once. Pure but for the SQL text: the dialect runs it.
 */
import type { BuildProgress } from './dialect.js';

export const MARIADB_PROGRESS_SQL = `SELECT p.ID AS id, p.STATE AS state, p.STAGE AS stage,
    p.MAX_STAGE AS max_stage, p.PROGRESS AS progress, p.INFO AS info,
    (SELECT COUNT(*) FROM information_schema.PROCESSLIST a
      WHERE a.COMMAND = 'Query' AND a.STATE = 'altering table') AS online_alters,
    (SELECT s.VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS s
      WHERE s.VARIABLE_NAME = 'INNODB_ONLINEDDL_PCT_PROGRESS') AS online_pct
  FROM information_schema.PROCESSLIST p
  WHERE p.DB = DATABASE() AND p.COMMAND = 'Query' AND p.ID <> CONNECTION_ID()
    AND (p.INFO LIKE '%ALTER%TABLE%ADD%INDEX%' OR p.INFO LIKE '%ALTER%TABLE%ADD%KEY%')`;

/**
 * Each session's InnoDB ALTER stage with its work done and estimated (empty when performance_schema or
 * these instruments/consumer are off; the dialect reads it on its own, so a user without SELECT on
 * performance_schema only loses it).
 */
export const MARIADB_STAGE_WORK_SQL = `SELECT t.PROCESSLIST_ID AS id, s.WORK_COMPLETED AS done,
    s.WORK_ESTIMATED AS total
  FROM performance_schema.events_stages_current s
  JOIN performance_schema.threads t ON t.THREAD_ID = s.THREAD_ID
  WHERE s.EVENT_NAME LIKE 'stage/innodb/alter%'`;

/** InnoDB's work units of one online build, from performance_schema. */
export interface StageWork {
  readonly done: number;
  readonly total: number;
}

/** Sessions other than the build holding a metadata lock on the table (metadata_lock_info plugin). */
export const MARIADB_LOCKERS_SQL = `SELECT COUNT(DISTINCT m.THREAD_ID) AS n
  FROM information_schema.METADATA_LOCK_INFO m
  WHERE m.TABLE_SCHEMA = DATABASE() AND m.TABLE_NAME = ? AND m.THREAD_ID NOT IN (?, CONNECTION_ID())`;

export interface MariadbProgressRow {
  readonly id: number;
  readonly state: string;
  readonly stage: number;
  readonly maxStage: number;
  /** PROGRESS: percent (0..100) of the current stage. */
  readonly progress: number;
  readonly info: string;
  /** Sessions server-wide in an online ALTER's main step ('altering table'). */
  readonly onlineAlters: number;
  /** Innodb_onlineddl_pct_progress: hundredths of a percent (0..10000). */
  readonly onlinePct: number;
  /** This session's InnoDB ALTER stage work (performance_schema), when the server records it. */
  readonly work?: StageWork;
}

export function toMariadbProgressRow(r: Record<string, unknown>): MariadbProgressRow {
  const n = (v: unknown): number => (v === null || v === undefined || v === '' ? 0 : Number(v));
  return {
    id: n(r['id']),
    state: typeof r['state'] === 'string' ? r['state'] : '',
    stage: n(r['stage']),
    maxStage: n(r['max_stage']),
    progress: n(r['progress']),
    info: typeof r['info'] === 'string' ? r['info'] : '',
    onlineAlters: n(r['online_alters']),
    onlinePct: n(r['online_pct']),
  };
}

const IDENT = String.raw`(?:"((?:[^"]|"")+)"|\x60((?:[^\x60]|\x60\x60)+)\x60|([A-Za-z0-9_$]+))`;
const ADD_INDEX = new RegExp(
  String.raw`ALTER\s+TABLE\s+${IDENT}\s+ADD\s+(?:UNIQUE\s+)?(?:INDEX|KEY)\s+(?:IF\s+NOT\s+EXISTS\s+)?${IDENT}`,
  'i',
);

/** Table and index of `ALTER TABLE t ADD [UNIQUE] INDEX i ...` ("ansi", `backtick` or bare names). */
export function parseAddIndex(info: string): { table: string; index: string } | undefined {
  const m = ADD_INDEX.exec(info);
  if (!m) return undefined;
  const name = (a?: string, b?: string, c?: string): string =>
    a !== undefined ? a.replaceAll('""', '"') : b !== undefined ? b.replaceAll('``', '`') : (c ?? '');
  return { table: name(m[1], m[2], m[3]), index: name(m[4], m[5], m[6]) };
}

/** A metadata-lock wait at the start or end of the ALTER (STATE 'Waiting for table metadata lock'). */
export function isLockWait(row: Pick<MariadbProgressRow, 'state'>): boolean {
  return /^waiting for .*lock/i.test(row.state);
}

/**
 * Progress within the build's step: the stage's PROGRESS where the server reports stages (a copy);
 * else, in an online build's main step, this session's InnoDB stage work where performance_schema
 * records it, or else InnoDB's server-wide online-DDL progress when this is the server's only online
 * ALTER (with two at once the counter's owner is unknown: 0, never another build's figure).
 */
export function mariadbRatio(row: MariadbProgressRow): number {
  const clamp = (x: number): number => Math.max(0, Math.min(1, x));
  if (row.maxStage > 0) return clamp(row.progress / 100);
  if (row.work !== undefined && row.work.total > 0 && !isLockWait(row)) {
    return clamp(row.work.done / row.work.total);
  }
  if (row.state === 'altering table' && row.onlineAlters === 1) return clamp(row.onlinePct / 10_000);
  return 0;
}

/** The build's progress; undefined for a statement that is not an ADD INDEX. */
export function mariadbBuildProgress(row: MariadbProgressRow, lockers: number): BuildProgress | undefined {
  const target = parseAddIndex(row.info);
  if (target === undefined) return undefined;
  const ratio = mariadbRatio(row);
  return {
    indexName: target.index,
    tableName: target.table,
    phase: row.state.toLowerCase() || 'starting',
    ratio,
    lockersWaiting: isLockWait(row) ? lockers : 0,
    counters: JSON.stringify([
      row.state,
      row.stage,
      row.maxStage,
      row.progress,
      row.work?.done ?? null,
      ratio,
    ]),
  };
}
