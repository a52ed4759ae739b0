/**
 * Default cost per built index (capabilities.buildCost), before a database has recorded phase runs of
 * its own: each index `up` builds adds `fixedSeconds + tableBytes / bytesPerSecond + tableRows /
 * rowsPerSecond` to its phase's wall time (the build itself plus the engine's work around it).
 *
 * Calibrated by non-negative least squares of each phase's wall time (index_operator_migrations
 * duration) on the sizes of the tables its builds covered, each run weighted alike, over full `up` runs
 * of the contextforge catalogue (8 phases, 151 indexes, one build at a time) on the project's 2-core test
 * machine while other work shared it (load average 16-21), 2026-12-02, then rounded:
 * - PostgreSQL 15: `seed --scale 10k` and `--scale 100k` (16 phase runs);
 * - SQLite: the same two scales (16 phase runs); bytes add nothing measurable there (rows do);
 * - MariaDB 10.11: `--scale 10k` only (8 phase runs); bytes add nothing measurable there at 10k.
 * A starting point only: a server shows its own speed after its first phase (estimate.ts), and a run's
 * own progress updates the time left as it goes.
 */
import type { BuildCost } from './dialect.js';

export const POSTGRES_BUILD_COST: BuildCost = {
  fixedSeconds: 0.23,
  bytesPerSecond: 45e6,
  rowsPerSecond: 175e3,
};

export const SQLITE_BUILD_COST: BuildCost = {
  fixedSeconds: 0.075,
  bytesPerSecond: 2e9,
  rowsPerSecond: 240e3,
};

export const MARIADB_BUILD_COST: BuildCost = {
  fixedSeconds: 0.3,
  bytesPerSecond: 2e9,
  rowsPerSecond: 100e3,
};
