/**
 * Default build cost per dialect (capabilities.buildCost), before a database has recorded builds of its
 * own: `fixedSeconds + tableBytes / bytesPerSecond + tableRows / rowsPerSecond` per index.
 *
 * Calibrated by non-negative least squares over every index build of `up` (all 8 phases of the
 * contextforge catalogue, one build at a time), each run weighted alike, on the project's 2-core test
 * machine while other work shared it (2026-12-02), then rounded:
 * - PostgreSQL 15: `seed --scale 10k` and `--scale 100k` (302 builds);
 * - SQLite: the same two scales (302 builds); bytes hardly matter there (the fit gives a few GB/s);
 * - MariaDB 10.11: `--scale 10k` only (142 builds): the 100k seed was not MariaDB's yet.
 * They are a starting point: a faster or slower server shows its own speed after its first builds
 * (estimate.ts), and a run's own builds update the time left as it goes.
 */
import type { BuildCost } from './dialect.js';

export const POSTGRES_BUILD_COST: BuildCost = {
  fixedSeconds: 0.17,
  bytesPerSecond: 100e6,
  rowsPerSecond: 200e3,
};

export const SQLITE_BUILD_COST: BuildCost = {
  fixedSeconds: 0.025,
  bytesPerSecond: 2e9,
  rowsPerSecond: 210e3,
};

export const MARIADB_BUILD_COST: BuildCost = {
  fixedSeconds: 0.25,
  bytesPerSecond: 300e6,
  rowsPerSecond: 115e3,
};
