/**
 * Index statistics on MariaDB, through Dialect.query (no driver here). Sizes come from InnoDB's
 * persistent statistics (mysql.innodb_index_stats, pages × innodb_page_size; refreshed by ANALYZE TABLE,
 * which the engine runs after each phase, and by InnoDB's automatic recalculation). Usage is counted
 * only with the server's user statistics on (`userstat`, information_schema.INDEX_STATISTICS): rows read
 * through each index, since userstat was turned on or last flushed (MariaDB does not record when).
 * MariaDB keeps no sequential-vs-index scan counts per table; performance_schema is not read.
 */
import type { Dialect, IndexStats, UsageStatistics } from './dialect.js';

type Query = Pick<Dialect, 'query'>['query'];

const INDEXES_SQL = `SELECT DISTINCT TABLE_NAME AS table_name, INDEX_NAME AS index_name
  FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE()`;

const SIZES_SQL = `SELECT table_name, index_name, stat_value * @@innodb_page_size AS size_bytes
  FROM mysql.innodb_index_stats WHERE database_name = DATABASE() AND stat_name = 'size'`;

const USERSTAT_SQL = 'SELECT @@GLOBAL.userstat AS userstat';

const USAGE_SQL = `SELECT TABLE_NAME AS table_name, INDEX_NAME AS index_name, ROWS_READ AS rows_read
  FROM information_schema.INDEX_STATISTICS WHERE TABLE_SCHEMA = DATABASE()`;

const key = (r: Record<string, unknown>): string =>
  `${String(r['table_name'])}\u0000${String(r['index_name'])}`;

/** Rows of `sql` by table+index, or the reason they could not be read. */
async function byIndex(
  query: Query,
  sql: string,
  column: string,
): Promise<Map<string, number> | { readonly error: string }> {
  try {
    const rows = await query(sql);
    return new Map(rows.map((r) => [key(r), Number(r[column] ?? 0)]));
  } catch (e) {
    return { error: e instanceof Error ? e.message : String(e) };
  }
}

export async function readMariadbStatistics(query: Query): Promise<UsageStatistics> {
  const indexes = await query(INDEXES_SQL);
  const sizes = await byIndex(query, SIZES_SQL, 'size_bytes');
  const userstat = Number((await query(USERSTAT_SQL))[0]?.['userstat'] ?? 0) === 1;
  const usage = userstat ? await byIndex(query, USAGE_SQL, 'rows_read') : undefined;
  const stats: IndexStats[] = indexes.map((r) => ({
    table: String(r['table_name']),
    index: String(r['index_name']),
    sizeBytes: sizes instanceof Map ? (sizes.get(key(r)) ?? null) : null,
    scans: usage instanceof Map ? (usage.get(key(r)) ?? 0) : null,
  }));
  return { indexes: stats, tables: [], resetAt: null, note: mariadbStatisticsNote(sizes, usage) };
}

/** What the report can and cannot say on this server. */
export function mariadbStatisticsNote(
  sizes: Map<string, number> | { readonly error: string },
  usage: Map<string, number> | { readonly error: string } | undefined,
): string {
  const size =
    sizes instanceof Map
      ? "sizes from InnoDB's persistent statistics (mysql.innodb_index_stats, as of the last ANALYZE TABLE)"
      : `sizes not available (mysql.innodb_index_stats: ${sizes.error})`;
  const use =
    usage === undefined
      ? 'index usage is not counted (userstat is OFF: SET GLOBAL userstat=1 turns on ' +
        'information_schema.INDEX_STATISTICS), so scans and unused indexes are not checked'
      : usage instanceof Map
        ? 'scans are rows read through each index (information_schema.INDEX_STATISTICS), counted since ' +
          'userstat was turned on or flushed (MariaDB does not record when)'
        : `index usage not available (information_schema.INDEX_STATISTICS: ${usage.error})`;
  return `mariadb: ${size}; ${use}; sequential vs index scans per table are not kept`;
}
