/**
 * The speed probe's workload per dialect (Dialect.speedProbe): what an index build spends its time on,
 * reading rows and sorting their keys, on rows the statement generates itself, so it reads no table,
 * creates nothing and writes nothing. Its time against the time it takes at the speed of the default
 * build rates (BuildCost.probeReferenceSeconds) says how fast the server is now (src/engine/estimate.ts).
 *
 * - PostgreSQL: md5 text of 100,000 generated integers, sorted in the database's default collation (as a
 *   text key of a real index is), in a READ ONLY transaction with statement_timeout, work_mem 64MB (the
 *   default maintenance_work_mem a build sorts in: in memory, no temporary file) and no parallel workers.
 *   md5 text under a libc collation (strcoll) is slow to compare: 100,000 rows take 0.15-0.6 s here.
 * - SQLite: a recursive CTE of 25,000 integers as 16-hex-digit text, sorted (BINARY), four times: better-
 *   sqlite3 cannot interrupt a statement, so the deadline is checked between the four and the probe is
 *   bounded by its timeout plus one of them.
 * - MariaDB: md5 text of the Sequence engine's seq_1_to_100000, sorted by filesort in the server's
 *   collation, with SET STATEMENT max_statement_time. A derived table's ORDER BY is dropped by the
 *   optimizer unless it has a LIMIT, so the outer query sorts all of them and keeps the last.
 * The last-row form (`ORDER BY k LIMIT 1 OFFSET n - 1`) makes SQLite and MariaDB sort every row: a
 * smaller LIMIT would let them keep only the top rows.
 */

/** Rows one probe statement sorts (SQLite: each of its SQLITE_PROBE_REPEATS statements). */
export const PROBE_ROWS = 100_000;

export const POSTGRES_PROBE_SQL =
  'SELECT count(*) AS n FROM (SELECT md5(i::text) AS k FROM generate_series(1, $1::int) AS i ORDER BY k) AS s';

export const SQLITE_PROBE_ROWS = 25_000;
export const SQLITE_PROBE_REPEATS = 4;
export const SQLITE_PROBE_SQL =
  'WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < ?) ' +
  "SELECT k FROM (SELECT printf('%08x%08x', (i * 2654435761) % 4294967291, (i * 40503) % 65521) AS k FROM c) " +
  'ORDER BY k LIMIT 1 OFFSET ? - 1';

/** `rows` is an integer the code chooses (a table name cannot be a bind parameter). */
export function mariadbProbeSql(rows: number, timeoutMs: number): string {
  const n = Math.max(1, Math.floor(rows));
  const seconds = (Math.max(1, Math.round(timeoutMs)) / 1000).toFixed(3);
  return (
    `SET STATEMENT max_statement_time = ${seconds} FOR ` +
    `SELECT k FROM (SELECT md5(seq) AS k FROM seq_1_to_${n}) AS s ORDER BY k LIMIT 1 OFFSET ${n - 1}`
  );
}
