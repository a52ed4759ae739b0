/**
 * A MariaDB progress sample as the dialect reads it (PROCESSLIST row, online-ALTER counters), for tests of
 * the ratio and progress mapping: one online build of index "i" on "t", no stage work; `over` changes it.
 */
import type { MariadbProgressRow } from '../../src/dialects/mariadb-progress.js';

export function progressRow(over: Partial<MariadbProgressRow> = {}): MariadbProgressRow {
  return {
    id: 9,
    state: 'altering table',
    stage: 0,
    maxStage: 0,
    progress: 0,
    info: 'ALTER TABLE "t" ADD INDEX "i" ("x"), ALGORITHM=INPLACE, LOCK=NONE',
    onlineAlters: 1,
    onlinePct: 0,
    ...over,
  };
}
