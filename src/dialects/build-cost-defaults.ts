/**
 * Default cost model per dialect (capabilities.buildCost), before a database has recorded builds of its
 * own; the terms are explained in dialect.ts (BuildCost) and src/engine/estimate.ts.
 *
 * Fitted 2026-12-02 on the project's 2-core test machine while other work shared it (load average 5 to
 * 17), on full `up` runs of the contextforge catalogue (70 indexes, one build at a time) after
 * `seed --scale 10k` and `--scale 100k`: non-negative least squares of each build's recorded time on
 * [1, table bytes, table rows] (each run weighted alike), ANALYZE timed per table on the same data
 * against the bytes of the rows it samples, and the engine's own time per index as what the phases'
 * wall time left over. Then rounded.
 * - PostgreSQL 15 (6 runs): CREATE INDEX CONCURRENTLY reads the heap twice and sorts the keys; at these
 *   sizes the sort (rows) dominates and the reads add little (the tables are in shared buffers or the page
 *   cache). ANALYZE samples 30,000 rows (default_statistics_target 100): at 100k it took as long as the
 *   builds of its phase, and at 1m it costs about what it did at 100k, so counting it per index (as the
 *   first model did) overestimated 100k by 77% and would have overestimated 1m more.
 * - SQLite (2 runs): rows only (bytes add nothing measurable). ANALYZE reads each index whole (no
 *   analysis_limit, so that sqlite_stat4 is written: see SqliteDialect.analyze), so it costs the table's
 *   rows times its indexes. Refitted 2026-12-03 at 1m (20.1M rows) on two `up` runs (load 12 and 8): the
 *   phases' time outside their builds followed index entries read, 0.34-0.44 s per million (2.3-3.0M/s),
 *   2.5M/s at the speed of the default build rates; it had been counted from the tables' bytes at 350 MB/s,
 *   a third of what it took (7.3 s against 22.3 s in the load-12 run). ANALYZE of each catalogue table
 *   after `up`, alone at load 5: 3.2 to 8.3M entries/s, 150 to 670 MB/s of table bytes.
 * - MariaDB 10.11 (2 runs): the fixed part weighs most at these sizes (an online ALTER TABLE's own steps);
 *   ANALYZE TABLE samples 20 pages per index (innodb_stats_persistent_sample_pages), about 2,000 rows.
 * The same machine under other load was up to 2x faster or slower than these: a starting point only. A
 * database's own builds (estimate.ts) set its speed after the first few, rolled back or not.
 * Checked 2026-12-03 on the seed's current data shape: at one load the PostgreSQL builds took the same
 * multiple of these at 100k and at 1m (1.61 and 1.54 at load 12-16), and 0.51 of them at 1m at load 5-7
 * (2026-12-02): the shape holds, the machine's speed moves; left as they are (README, Estimated
 * migration time).
 *
 * probeReferenceSeconds: what the speed probe (speed-probe.ts, the median of 3 runs) took when the builds
 * ran at these rates. Fitted 2026-12-03 13:32-13:58 UTC on 6 rounds per dialect (bench/probe-calibration.ts:
 * probe, `up --concurrency 1` at 100k, `down`; load average 3 to 13, with 0-6 busy loops added): the
 * geometric mean of probe seconds / (actual `up` / default estimate). Per round that ratio was PostgreSQL
 * 0.44-0.60, SQLite 0.22-0.30, MariaDB 0.34-1.15 (its builds follow the probe least: README).
 */
import type { BuildCost } from './dialect.js';

export const POSTGRES_BUILD_COST: BuildCost = {
  fixedSeconds: 0.045,
  overheadSeconds: 0.02,
  bytesPerSecond: 800e6,
  rowsPerSecond: 380e3,
  analyzeSampleRows: 30_000,
  analyzeBytesPerSecond: 13e6,
  probeReferenceSeconds: 0.52,
};

export const SQLITE_BUILD_COST: BuildCost = {
  fixedSeconds: 0.002,
  overheadSeconds: 0.004,
  bytesPerSecond: 10e9,
  rowsPerSecond: 330e3,
  analyzeSampleRows: Number.POSITIVE_INFINITY,
  // Not used while analyzeIndexEntriesPerSecond is set (the bytes rate of the model before it).
  analyzeBytesPerSecond: 350e6,
  analyzeIndexEntriesPerSecond: 2.5e6,
  probeReferenceSeconds: 0.27,
};

export const MARIADB_BUILD_COST: BuildCost = {
  fixedSeconds: 0.17,
  overheadSeconds: 0.045,
  bytesPerSecond: 60e6,
  rowsPerSecond: 230e3,
  analyzeSampleRows: 2_000,
  analyzeBytesPerSecond: 44e6,
  probeReferenceSeconds: 0.67,
};
