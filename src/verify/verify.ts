/**
 * `verify`: EXPLAINs every hot query of a catalogue (PostgreSQL `EXPLAIN (FORMAT JSON)`, SQLite
 * `EXPLAIN QUERY PLAN`, through Dialect.explain) and reports, per query, the indexes used or the
 * sequential scans. A hot query that scans a large table sequentially fails the run. No planner setting
 * is changed: the plans are the ones the application gets.
 *
 * With a subset of phases selected, a hot query that needs a phase outside it is reported as "not
 * covered by the selected phases" and does not fail the run. A hot query whose own shape defeats any
 * index (HotQuery.shapeLimit) is reported with its rewrite instead of a verdict. On MariaDB, a query
 * filtering a boolean key column by `IS true`/`IS false` gets a note naming the indexes that predicate
 * cannot search (plan's `boolean-is`): it does not change the verdict.
 */
import type { HotQuery } from '../catalogue/catalogue.js';
import type {
  Dialect,
  DialectName,
  ExistingIndex,
  ExplainResult,
  IndexSearch,
  JoinScan,
  SchemaSnapshot,
} from '../dialects/dialect.js';
import { errorMessage } from '../errors.js';
import { hotQuerySql, renderHotQuerySql } from './hot-query-sql.js';
import { resolveParams } from './resolve-params.js';

/** Tables with at least this many (estimated) rows are "large": scanning one fails verify. */
export const DEFAULT_LARGE_TABLE_ROWS = 1_000;

/**
 * A large table read whole to feed a join passes when an index leads with its join column and the
 * scan's own filter keeps at least this share of its rows (no index could narrow that read): the
 * planner then reads the table once instead of probing it per joined row only because, on data this
 * small, that is cheaper; the index serves the join as the table grows. A selective filter on the scan,
 * or a join column no index leads with, still fails.
 */
export const JOIN_SCAN_MIN_KEPT_SHARE = 0.5;

/**
 * A large table read whole passes when the database can say what the best plan without sequential
 * scans costs (PostgreSQL), that plan reads the table through an index, and it costs less than this many
 * times the plan the planner chose: the scan is the planner's pick on data this small (a few dozen
 * pages, most of them kept or sorted anyway), not a missing index, and the index takes over as the table
 * grows. A plan that needs the scan, or an index plan far dearer, still fails.
 */
export const COST_SCAN_MAX_RATIO = 2;

export type QueryOutcome =
  'index' | 'small_scan' | 'seq_scan' | 'error' | 'not_covered' | 'no_table' | 'query_shape';

export interface QueryVerdict {
  readonly name: string;
  readonly description: string;
  readonly outcome: QueryOutcome;
  readonly indexesUsed: readonly string[];
  readonly seqScans: readonly string[];
  /**
   * Sequentially scanned tables at or above the large-table threshold, but for a join's input that an
   * index serves (JOIN_SCAN_MIN_KEPT_SHARE; those are in joinServed).
   */
  readonly largeSeqScans: readonly string[];
  /** Large tables read whole for a join whose column an index leads with, "table (column)" each. */
  readonly joinServed?: readonly string[];
  /**
   * Large tables read whole although a plan searching them by index costs less than COST_SCAN_MAX_RATIO
   * times as much: "<indexes of that plan> at N.Nx the scan's cost" each.
   */
  readonly costServed?: readonly string[];
  readonly summary: string;
  /** not_covered: the needed phases outside the selection; query_shape: the rewrite. */
  readonly note?: string;
  /**
   * Where the database cannot search a boolean key column by `IS TRUE`/`IS FALSE` (MariaDB, the plan's
   * `boolean-is` adaptation): each of the query's `col IS true|false` predicates on such a column of an
   * index of its tables, with those indexes.
   */
  readonly booleanIs?: readonly BooleanIsLimit[];
}

export interface BooleanIsLimit {
  /** As the query writes it, e.g. `email_teams.is_active IS true`. */
  readonly predicate: string;
  readonly column: string;
  /** The spelling MariaDB can search by, e.g. `= true`. */
  readonly searchable: string;
  /** The indexes whose use the predicate changes (see booleanIsLimits). */
  readonly indexes: readonly string[];
}

export interface VerifyReport {
  readonly ok: boolean;
  readonly largeTableRows: number;
  /** The phases verified against; undefined: every phase of the catalogue. */
  readonly phases?: readonly string[];
  readonly queries: readonly QueryVerdict[];
}

export interface VerifyOptions {
  readonly largeTableRows?: number;
  /** Verify only the hot queries these phases serve (default: all). */
  readonly phases?: readonly string[];
}

const PASSING: ReadonlySet<QueryOutcome> = new Set([
  'index',
  'small_scan',
  'not_covered',
  'no_table',
  'query_shape',
]);

export async function runVerify(
  db: Dialect,
  queries: readonly HotQuery[],
  options: VerifyOptions = {},
): Promise<VerifyReport> {
  const largeTableRows = options.largeTableRows ?? DEFAULT_LARGE_TABLE_ROWS;
  const snapshot = await db.introspect();
  const { tables } = snapshot;
  const isLarge = (t: string): boolean => (tables.get(t)?.estimatedRows ?? 0) >= largeTableRows;
  const scans: ScanJudge = {
    isLarge,
    joinServed: joinServedBy(snapshot),
    searchedTable: searchedTableIn(snapshot),
  };
  const verdicts: QueryVerdict[] = [];
  for (const q of queries) {
    const missing = missingPhases(q, options.phases);
    const absent = q.tables.filter((t) => !tables.has(t));
    if (missing.length > 0) verdicts.push(skipped(q, 'not_covered', `needs phase ${missing.join(', ')}`));
    else if (absent.length > 0) verdicts.push(skipped(q, 'no_table', `no table ${absent.join(', ')}`));
    else verdicts.push(withBooleanIs(await verifyQuery(db, q, scans), q, db, snapshot));
  }
  return {
    ok: verdicts.every((v) => PASSING.has(v.outcome)),
    largeTableRows,
    ...(options.phases ? { phases: options.phases } : {}),
    queries: verdicts,
  };
}

/** `col IS [NOT] {true|false}`, the column optionally qualified (SQLAlchemy's `.is_(True)`). */
const IS_BOOLEAN = /(?:\b(\w+)\.)?\b(\w+)\s+IS\s+(NOT\s+)?\{(true|false)\}/gi;

/** What the plan did: the indexes it used and the tables it read whole. */
export type PlanReads = Pick<QueryVerdict, 'indexesUsed' | 'seqScans'>;

/**
 * The query's `IS true|false` predicates on a boolean key column whose plan they change on a database
 * that cannot search such a column by `IS` (DialectCapabilities.searchesBooleanIs false), with the
 * indexes concerned (a qualifier naming one of the query's tables narrows to it). An index of the
 * query's tables with that column in its key is concerned when
 * - the plan used it and key columns follow the boolean (they neither narrow nor order the read),
 * - the plan read its table whole (`= true` could have searched it), or
 * - the plan read its table by another index, the query's WHERE names every key column before the
 *   boolean and its ORDER BY one after it (the index meant to search and order the rows, passed over).
 */
export function booleanIsLimits(
  q: Pick<HotQuery, 'sql' | 'tables'>,
  plan: PlanReads,
  snapshot: SchemaSnapshot,
  dialect: DialectName,
): BooleanIsLimit[] {
  const out = new Map<string, BooleanIsLimit>();
  const where = wordsOf(/\bWHERE\b([\s\S]*?)(?:\bORDER\s+BY\b|$)/i.exec(q.sql)?.[1]);
  const orderBy = wordsOf(/\bORDER\s+BY\b([\s\S]*)$/i.exec(q.sql)?.[1]);
  for (const m of q.sql.matchAll(IS_BOOLEAN)) {
    const [, qualifier, column = '', not = '', value = ''] = m;
    const tables = qualifier !== undefined && q.tables.includes(qualifier) ? [qualifier] : q.tables;
    const concerned = (i: ExistingIndex): boolean => {
      const at = i.columns.findIndex((c) => c.name === column);
      if (at < 0 || snapshot.tables.get(i.table)?.keyInfo?.get(column)?.boolean !== true) return false;
      if (plan.seqScans.includes(i.table)) return true;
      const followed = at < i.columns.length - 1;
      if (plan.indexesUsed.includes(i.name)) return followed;
      const named = (words: ReadonlySet<string>) => (c: { readonly name: string | null }) =>
        c.name !== null && words.has(c.name.toLowerCase());
      const before = i.columns.slice(0, at);
      return before.length > 0 && before.every(named(where)) && i.columns.slice(at + 1).some(named(orderBy));
    };
    const indexes = snapshot.indexes
      .filter((i) => tables.includes(i.table) && concerned(i))
      .map((i) => i.name);
    if (indexes.length === 0) continue;
    const literal = renderHotQuerySql(`{${value}}`, dialect);
    const predicate = `${qualifier === undefined ? '' : `${qualifier}.`}${column} IS ${not === '' ? '' : 'NOT '}${literal}`;
    const seen = out.get(predicate)?.indexes ?? [];
    out.set(predicate, {
      predicate,
      column,
      searchable: `= ${literal}`,
      indexes: [...new Set([...seen, ...indexes])],
    });
  }
  return [...out.values()];
}

function wordsOf(text: string | undefined): ReadonlySet<string> {
  return new Set(text?.toLowerCase().match(/\w+/g) ?? []);
}

function withBooleanIs(v: QueryVerdict, q: HotQuery, db: Dialect, snapshot: SchemaSnapshot): QueryVerdict {
  if (db.capabilities.searchesBooleanIs || v.outcome === 'error') return v;
  const limits = booleanIsLimits(q, v, snapshot, db.name);
  return limits.length === 0 ? v : { ...v, booleanIs: limits };
}

/** The queries whose tables all exist in this database (the others belong to a newer schema). */
export async function queriesOnTables(db: Dialect, queries: readonly HotQuery[]): Promise<HotQuery[]> {
  const { tables } = await db.introspect();
  return queries.filter((q) => q.tables.every((t) => tables.has(t)));
}

/** The phases a query needs that the selection leaves out (none when every phase is selected). */
export function missingPhases(q: HotQuery, selected: readonly string[] | undefined): string[] {
  if (selected === undefined) return [];
  return q.phases.filter((p) => !selected.includes(p));
}

/** A query verify does not run: its phases are not selected, or its tables are not in this schema. */
function skipped(q: HotQuery, outcome: 'not_covered' | 'no_table', note: string): QueryVerdict {
  return {
    name: q.name,
    description: q.description,
    outcome,
    indexesUsed: [],
    seqScans: [],
    largeSeqScans: [],
    summary: '',
    note,
  };
}

interface ScanJudge {
  readonly isLarge: (table: string) => boolean;
  /**
   * The table an index search reads when it bounds the index by its first key column (a search, not a
   * whole walk); undefined otherwise.
   */
  readonly searchedTable: (search: IndexSearch) => string | undefined;
  /** The join scans of a plan that an index serves, as "table (column)". */
  readonly joinServed: (scans: readonly JoinScan[]) => Map<string, string>;
}

function searchedTableIn(snapshot: SchemaSnapshot): ScanJudge['searchedTable'] {
  return (search) => {
    const index = snapshot.indexes.find((i) => i.name === search.index);
    const first = index?.columns[0]?.name;
    const leads = first !== undefined && new RegExp(`\\b${first}\\b`).test(search.cond);
    return leads ? index?.table : undefined;
  };
}

/**
 * Join inputs an index serves: the scanned table has a valid full index leading with the join column,
 * and the scan keeps at least JOIN_SCAN_MIN_KEPT_SHARE of the table's estimated rows.
 */
function joinServedBy(snapshot: SchemaSnapshot): ScanJudge['joinServed'] {
  const leads = (table: string, column: string): boolean =>
    snapshot.indexes.some(
      (i) => i.table === table && i.valid && i.predicate === '' && i.columns[0]?.name === column,
    );
  return (scans) => {
    const out = new Map<string, string>();
    for (const s of scans) {
      const rows = snapshot.tables.get(s.table)?.estimatedRows ?? -1;
      if (rows > 0 && s.rows >= rows * JOIN_SCAN_MIN_KEPT_SHARE && leads(s.table, s.column))
        out.set(s.table, `${s.table} (${s.column})`);
    }
    return out;
  };
}

async function verifyQuery(db: Dialect, q: HotQuery, scans: ScanJudge): Promise<QueryVerdict> {
  const base = { name: q.name, description: q.description };
  try {
    const sql = hotQuerySql(q, db.name);
    const params = await resolveParams(db, q.params);
    const plan = await db.explain(sql, params);
    const served = scans.joinServed(plan.joinScans ?? []);
    const unserved = plan.seqScans.filter((t) => scans.isLarge(t) && !served.has(t));
    const costly = await costServedScans(db, { sql, params, plan, scans }, unserved);
    const largeSeqScans = unserved.filter((t) => !costly.has(t));
    const joinServed = plan.seqScans.filter((t) => scans.isLarge(t) && served.has(t));
    const scanOutcome: QueryOutcome =
      largeSeqScans.length > 0 ? 'seq_scan' : plan.seqScans.length > 0 ? 'small_scan' : 'index';
    const outcome: QueryOutcome = q.shapeLimit ? 'query_shape' : scanOutcome;
    return {
      ...base,
      outcome,
      indexesUsed: plan.indexesUsed,
      seqScans: plan.seqScans,
      largeSeqScans,
      ...(joinServed.length > 0 ? { joinServed: joinServed.map((t) => served.get(t) ?? t) } : {}),
      ...(costly.size > 0 ? { costServed: [...costly.values()] } : {}),
      summary: plan.summary,
      ...(q.shapeLimit ? { note: `${q.shapeLimit.why}; rewrite: ${q.shapeLimit.rewrite}` } : {}),
    };
  } catch (e) {
    return {
      ...base,
      outcome: 'error',
      indexesUsed: [],
      seqScans: [],
      largeSeqScans: [],
      summary: errorMessage(e),
    };
  }
}

/**
 * Of the large tables a plan reads whole, those an index plan serves at less than COST_SCAN_MAX_RATIO
 * times the chosen plan's cost (the database re-plans without sequential scans; none where it cannot).
 */
async function costServedScans(
  db: Dialect,
  q: {
    readonly sql: string;
    readonly params: readonly unknown[];
    readonly plan: ExplainResult;
    readonly scans: ScanJudge;
  },
  tables: readonly string[],
): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  if (tables.length === 0 || !q.plan.totalCost) return out;
  const alt = await db.explain(q.sql, q.params, { preferIndexes: true });
  const ratio = (alt.totalCost ?? Infinity) / q.plan.totalCost;
  if (ratio >= COST_SCAN_MAX_RATIO) return out;
  for (const t of tables) {
    if (alt.seqScans.includes(t)) continue;
    const searches = alt.searches.filter((s) => q.scans.searchedTable(s) === t);
    if (searches.length === 0) continue;
    out.set(t, `${searches.map((s) => s.index).join(', ')} at ${ratio.toFixed(1)}x the scan's cost`);
  }
  return out;
}

function describe(q: QueryVerdict): string {
  switch (q.outcome) {
    case 'index':
      return `index ${q.indexesUsed.join(', ') || '(primary key)'}`;
    case 'small_scan':
      if (q.costServed !== undefined)
        return (
          `scan of ${q.seqScans.join(', ')}, cheaper at this size than ${q.costServed.join('; ')}; ` +
          'the planner takes the index as the table grows'
        );
      return q.joinServed === undefined
        ? `scan of small table ${q.seqScans.join(', ')}`
        : `scan of ${q.seqScans.join(', ')} for a join an index serves (${q.joinServed.join(', ')}); ` +
            'the planner reads it whole at this size';
    case 'seq_scan':
      return `SEQUENTIAL SCAN of ${q.largeSeqScans.join(', ')}`;
    case 'error':
      return `ERROR ${q.summary}`;
    case 'not_covered':
      return `not covered by the selected phases (${q.note ?? ''})`;
    case 'no_table':
      return `not in this schema (${q.note ?? ''})`;
    case 'query_shape':
      return `query shape: ${q.note ?? ''}`;
  }
}

/** Said under a query's verdict: what MariaDB does with the predicate, and the spelling it can search. */
function describeBooleanIs(b: BooleanIsLimit): string {
  return (
    `note: \`${b.predicate}\` cannot search ${b.column} in ${b.indexes.join(', ')} here (plan: boolean-is): ` +
    `the key columns before it are searched and ${b.column} is checked entry by entry; ` +
    `\`${b.searchable}\` can search it`
  );
}

const MARK: Readonly<Record<QueryOutcome, string>> = {
  index: 'ok  ',
  small_scan: 'ok  ',
  seq_scan: 'FAIL',
  error: 'FAIL',
  not_covered: '--  ',
  no_table: '--  ',
  query_shape: 'NOTE',
};

/** One line per query, then the result: what `verify` prints. */
export function formatVerifyReport(report: VerifyReport): string {
  const width = Math.max(...report.queries.map((q) => q.name.length), 10);
  const lines = report.queries.flatMap((q) => [
    `${MARK[q.outcome]} ${q.name.padEnd(width)}  ${describe(q)}`,
    ...(q.booleanIs ?? []).map((b) => `${' '.repeat(width + 7)}${describeBooleanIs(b)}`),
  ]);
  const count = (o: QueryOutcome): number => report.queries.filter((q) => q.outcome === o).length;
  const failed = count('seq_scan') + count('error');
  const checked = report.queries.length - count('not_covered') - count('no_table');
  const uncovered = [
    count('not_covered') > 0 ? `; ${count('not_covered')} not covered by the selected phases` : '',
    count('no_table') > 0 ? `; ${count('no_table')} on tables this schema does not have` : '',
  ].join('');
  lines.push(
    report.ok
      ? `verify: all ${checked} hot queries use an index (or scan a table under ${report.largeTableRows} rows)${uncovered}`
      : `verify: ${failed} of ${checked} hot queries scan a large table or failed; apply the catalogue's phases (index-operator up)${uncovered}`,
  );
  return lines.join('\n');
}
