/**
 * Connects the controller's metric hooks to the typed metrics (src/metrics/metrics.ts). Label
 * `migration` is `namespace/name` (bounded by the resources that exist; removed on deletion).
 */
import type { DatabaseWatch } from '../metrics/database-watch.js';
import { removeMigrationSeries, setMigrationState, type Metrics } from '../metrics/metrics.js';
import type { OperatorMetrics } from './reconciler.js';
import type { IndexMigrationStatus, PhaseStatus } from './types.js';

const RESULT = { ok: 'success', requeue: 'requeue', error: 'error' } as const;
const PHASE_RESULT = { Succeeded: 'succeeded', Failed: 'failed', RolledBack: 'rolled_back' } as const;

/** Phase entries that reached Succeeded, Failed or RolledBack with this write. */
function finishedPhases(
  before: IndexMigrationStatus | undefined,
  after: IndexMigrationStatus,
): PhaseStatus[] {
  return (after.phases ?? []).filter((p) => {
    if (!(p.state in PHASE_RESULT)) return false;
    return before?.phases?.find((b) => b.name === p.name)?.state !== p.state;
  });
}

export function operatorMetrics(metrics: Metrics, watch?: DatabaseWatch): OperatorMetrics {
  return {
    reconciled: ({ result, seconds }) => {
      metrics.reconciles.inc({ result: RESULT[result] });
      metrics.reconcileDuration.observe(seconds);
    },
    reconcileError: (reason) => metrics.reconcileErrors.inc({ reason }),
    leader: (isLeader) => metrics.leader.set(isLeader ? 1 : 0),
    statusWritten: ({ namespace, migration, previous, status }) => {
      const label = `${namespace}/${migration}`;
      if (status.phase !== undefined) setMigrationState(metrics, label, status.phase);
      if (status.progress) {
        metrics.indexesDone.set({ migration: label }, status.progress.indexesDone);
        metrics.indexesPlanned.set({ migration: label }, status.progress.indexesTotal);
      }
      for (const p of finishedPhases(previous, status)) {
        const result = PHASE_RESULT[p.state as keyof typeof PHASE_RESULT];
        if (p.durationSeconds !== undefined && p.state !== 'RolledBack') {
          metrics.phaseDuration.observe({ migration: label, phase: p.name, result }, p.durationSeconds);
        }
        if (p.state === 'RolledBack') metrics.rollbacks.inc({ migration: label, phase: p.name });
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
