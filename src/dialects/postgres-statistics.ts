/**
 * Index and table usage statistics on PostgreSQL (pg_stat_user_indexes, pg_stat_user_tables,
 * pg_stat_database), in the connection's current_schema(). Runs through Dialect.query: no driver here.
 */
import type { Dialect, UsageStatistics } from './dialect.js';

const INDEX_STATS_SQL = `
SELECT s.relname AS table_name, s.indexrelname AS index_name,
       pg_relation_size(s.indexrelid)::float8 AS size_bytes, s.idx_scan::float8 AS scans
  FROM pg_stat_user_indexes s
 WHERE s.schemaname = current_schema()`;

const TABLE_STATS_SQL = `
SELECT relname AS table_name, seq_scan::float8 AS seq_scans, coalesce(idx_scan, 0)::float8 AS index_scans,
       n_live_tup::float8 AS live_rows
  FROM pg_stat_user_tables
 WHERE schemaname = current_schema()`;

/** Counters start at the last reset of this database's statistics, or at the server's start. */
const RESET_SQL = `
SELECT extract(epoch FROM coalesce(stats_reset, pg_postmaster_start_time()))::float8 AS reset_epoch
  FROM pg_stat_database
 WHERE datname = current_database()`;

export async function readPostgresStatistics(dialect: Pick<Dialect, 'query'>): Promise<UsageStatistics> {
  const [indexes, tables, reset] = await Promise.all([
    dialect.query(INDEX_STATS_SQL),
    dialect.query(TABLE_STATS_SQL),
    dialect.query(RESET_SQL),
  ]);
  return {
    indexes: indexes.map((r) => ({
      table: String(r['table_name']),
      index: String(r['index_name']),
      sizeBytes: Number(r['size_bytes']),
      scans: Number(r['scans']),
    })),
    tables: tables
      .map((r) => ({
        table: String(r['table_name']),
        seqScans: Number(r['seq_scans']),
        indexScans: Number(r['index_scans']),
        liveRows: Number(r['live_rows']),
      }))
      .sort((a, b) => a.table.localeCompare(b.table)),
    resetAt: new Date(Number(reset[0]?.['reset_epoch'] ?? 0) * 1000),
  };
}
