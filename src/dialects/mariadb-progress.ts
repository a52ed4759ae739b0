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
export const MARIADB_STAGE_WORK_SQL = `SELECT t.PROCESSLIST_ID AS id, s.EVENT_NAME AS stage,
    s.WORK_COMPLETED AS done, s.WORK_ESTIMATED AS total
  FROM performance_schema.events_stages_current s
  JOIN performance_schema.threads t ON t.THREAD_ID = s.THREAD_ID
  WHERE s.EVENT_NAME LIKE 'stage/innodb/alter%'`;

/** InnoDB's work units of one online build, from performance_schema. */
export interface StageWork {
  readonly done: number;
  readonly total: number;
  /** The stage's event name, e.g. `stage/innodb/alter table (merge sort)` (absent: unknown). */
  readonly stage?: string;
}

/**
 * The build's own ratio from its InnoDB stage work, or undefined when that work says nothing yet. InnoDB
 * raises WORK_ESTIMATED to WORK_COMPLETED whenever the work overtakes its estimate, which it does
 * throughout "read PK and internal sort" when the table's statistics undercount its rows (seen on
 * 10.11: 226/226, 496/496 … 1952/1952, then 2149/4232 once "merge sort" re-estimates): done = total
 * before the last stages ("log apply", "flush", "end") is an overtaken estimate, not a finished build.
 */
export function stageWorkRatio(work: StageWork): number | undefined {
  if (work.total <= 0) return undefined;
  const last = work.stage === undefined || /\((log apply|flush|end)/i.test(work.stage);
  if (work.done >= work.total && !last) return undefined;
  return Math.min(1, work.done / work.total);
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
  const own = row.work === undefined || isLockWait(row) ? undefined : stageWorkRatio(row.work);
  if (own !== undefined) return clamp(own);
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

/**
 * Keeps each build's reported ratio from moving backwards within one phase: InnoDB re-estimates its work
 * between stages (an overtaken estimate, a stage row briefly absent between stages, the server-wide
 * counter's owner becoming unknown when a second online ALTER starts), and a progress bar or a
 * remaining-time estimate that jumps back is worse than one that holds. A build is one session's
 * statement on one index; a new phase (e.g. the final commit) starts from its own figure, and builds not
 * seen in a poll are forgotten.
 */
export class ForwardProgress {
  private held = new Map<string, number>();

  apply(samples: readonly { readonly session: number; readonly progress: BuildProgress }[]): BuildProgress[] {
    const next = new Map<string, number>();
    const out = samples.map(({ session, progress }) => {
      const key = `${session}\u0000${progress.indexName}\u0000${progress.phase}`;
      const ratio = Math.max(progress.ratio, this.held.get(key) ?? 0);
      next.set(key, ratio);
      return ratio === progress.ratio ? progress : { ...progress, ratio };
    });
    this.held = next;
    return out;
  }
}
