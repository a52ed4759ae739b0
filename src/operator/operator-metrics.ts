/**
 * Connects the controller's metric hooks to the typed metrics (src/metrics/metrics.ts). Label
 * `migration` is `namespace/name` (bounded by the resources that exist; removed on deletion).
 */
import type { DatabaseWatch } from '../metrics/database-watch.js';
import { removeMigrationSeries, setMigrationState, type Metrics } from '../metrics/metrics.js';
import type { OperatorMetrics } from './reconciler.js';

const RESULT = { ok: 'success', requeue: 'requeue', error: 'error' } as const;

export function operatorMetrics(metrics: Metrics, watch?: DatabaseWatch): OperatorMetrics {
  return {
    reconciled: ({ result, seconds }) => {
      metrics.reconciles.inc({ result: RESULT[result] });
      metrics.reconcileDuration.observe(seconds);
    },
    reconcileError: (reason) => metrics.reconcileErrors.inc({ reason }),
    leader: (isLeader) => metrics.leader.set(isLeader ? 1 : 0),
    statusWritten: ({ namespace, migration, status }) => {
      const label = `${namespace}/${migration}`;
      if (status.phase !== undefined) setMigrationState(metrics, label, status.phase);
      if (status.progress) {
        metrics.indexesDone.set({ migration: label }, status.progress.indexesDone);
        metrics.indexesPlanned.set({ migration: label }, status.progress.indexesTotal);
      }
    },
    migrationDeleted: ({ namespace, migration }) => {
      const label = `${namespace}/${migration}`;
      void (watch ? watch.remove(label) : removeMigrationSeries(metrics, label));
    },
    databaseSeen: ({ namespace, migration, url, catalogue, running }) => {
      void watch?.update({ migration: `${namespace}/${migration}`, url, catalogue, running });
    },
  };
}
