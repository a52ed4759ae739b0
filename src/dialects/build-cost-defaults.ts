/**
 * Default build cost per dialect (capabilities.buildCost), before a database has recorded builds of its
 * own: `fixedSeconds + tableBytes / bytesPerSecond + tableRows / rowsPerSecond` per index.
 *
 * Calibrated by least squares over every index build of `up` (all 8 phases of the contextforge
 * catalogue, one build at a time) on data from `seed --scale 10k` and `--scale 100k`, on the project's
 * 2-core test machine shared with other work; see CHANGELOG/the report of issue 16. They are a starting
 * point: a faster or slower server shows its own speed after its first builds (estimate.ts).
 */
import type { BuildCost } from './dialect.js';

export const POSTGRES_BUILD_COST: BuildCost = {
  fixedSeconds: 0.13,
  bytesPerSecond: 85e6,
  rowsPerSecond: 200e3,
};

export const SQLITE_BUILD_COST: BuildCost = {
  fixedSeconds: 0.02,
  bytesPerSecond: 100e6,
  rowsPerSecond: 200e3,
};

export const MARIADB_BUILD_COST: BuildCost = {
  fixedSeconds: 0.1,
  bytesPerSecond: 50e6,
  rowsPerSecond: 100e3,
};
