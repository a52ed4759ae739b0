/**
 * Puts a health report into the health metrics of one migration. Each export replaces the previous
 * one: series of indexes or tables that are gone are removed, counts by kind are always present.
 */
import type { Gauge } from 'prom-client';
import {
  HEALTH_FINDING_KINDS,
  INDEX_STATES,
  type HealthFindingKind,
  type Metrics,
} from '../metrics/metrics.js';
import type { HealthReport } from './health-report.js';

type PerSeriesGauge =
  | 'indexSize'
  | 'indexScans'
  | 'indexUnused'
  | 'indexInvalid'
  | 'indexDuplicate'
  | 'unindexedForeignKey'
  | 'tableSeqScans'
  | 'tableIndexScans';

const PER_SERIES: readonly PerSeriesGauge[] = [
  'indexSize',
  'indexScans',
  'indexUnused',
  'indexInvalid',
  'indexDuplicate',
  'unindexedForeignKey',
  'tableSeqScans',
  'tableIndexScans',
];

export function findingCounts(report: HealthReport): Record<HealthFindingKind, number> {
  const f = report.findings;
  return {
    invalid: f.invalid.length,
    missing: f.missing.length,
    unused: f.unused.length,
    duplicate: f.duplicates.filter((d) => d.kind === 'duplicate').length,
    overlapping: f.duplicates.filter((d) => d.kind === 'overlapping').length,
    unindexed_foreign_key: f.unindexedForeignKeys.length,
  };
}

export async function exportHealthMetrics(
  metrics: Metrics,
  migration: string,
  report: HealthReport,
): Promise<void> {
  // Read the old series first; then replace them without awaiting, so no scrape sees half an export.
  const stale = await Promise.all(PER_SERIES.map((name) => seriesOf(metrics, name, migration)));
  for (const remove of stale.flat()) remove();
  const counts = findingCounts(report);
  for (const kind of HEALTH_FINDING_KINDS) metrics.healthFindings.set({ migration, kind }, counts[kind]);
  for (const state of INDEX_STATES) {
    const n = report.indexes.filter((i) => i.state === state).length;
    metrics.healthIndexes.set({ migration, state }, n);
  }
  for (const i of report.indexes) {
    const labels = { migration, table: i.table, index: i.name };
    if (i.sizeBytes !== null) metrics.indexSize.set(labels, i.sizeBytes);
    if (i.scans !== null) metrics.indexScans.set(labels, i.scans);
  }
  for (const i of report.findings.unused)
    metrics.indexUnused.set({ migration, table: i.table, index: i.name }, 1);
  for (const i of report.findings.invalid) {
    metrics.indexInvalid.set({ migration, table: i.table, index: i.name }, 1);
  }
  for (const d of report.findings.duplicates) {
    const labels = { migration, table: d.table, index: d.index, duplicate_of: d.duplicateOf, kind: d.kind };
    metrics.indexDuplicate.set(labels, 1);
  }
  for (const fk of report.findings.unindexedForeignKeys) {
    metrics.unindexedForeignKey.set({ migration, table: fk.table, constraint: fk.constraint }, 1);
  }
  for (const t of report.tables) {
    metrics.tableSeqScans.set({ migration, table: t.table }, t.seqScans);
    metrics.tableIndexScans.set({ migration, table: t.table }, t.indexScans);
  }
  if (report.statsResetAt !== null) {
    metrics.statsReset.set({ migration }, Date.parse(report.statsResetAt) / 1000);
  }
  metrics.healthRefreshed.set({ migration }, Date.parse(report.inspectedAt) / 1000);
}

/** Removers of the migration's current series of one gauge. */
async function seriesOf(metrics: Metrics, name: PerSeriesGauge, migration: string): Promise<(() => void)[]> {
  const gauge = metrics[name] as Gauge<string>;
  const { values } = await gauge.get();
  return values
    .filter((v) => v.labels['migration'] === migration)
    .map((v) => () => gauge.remove(v.labels as Record<string, string>));
}
