/**
 * Connects the controller's metric hooks to the typed metrics (src/metrics/metrics.ts). Label
 * `migration` is `namespace/name` (bounded by the resources that exist; removed on deletion).
 *
 * Gauges follow the status on every reconcile (so they exist from the first one after a start or a
 * hand-over); build counters and durations are recomputed from the build rows each read (the engine
 * that would count them runs in a Job); phase durations and rollbacks count status transitions.
 * Standbys export `migration_state` only, from a watch of their own; a replica that stops leading
 * removes the rest, so a sum over replicas counts each migration once.
 */
import { setBuildMetrics } from '../metrics/build-metrics.js';
import type { DatabaseWatch } from '../metrics/database-watch.js';
import {
  MIGRATION_STATES,
  removeLeaderSeries,
  removeMigrationSeries,
  setMigrationState,
  type Metrics,
} from '../metrics/metrics.js';
import type { PhaseBuildTally } from './build-tally.js';
import type { AppliedPhase } from './decide-run.js';
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

/** Tallies of the phases the bookkeeping has a record of (a never-run phase has no series). */
function tallies(applied: ReadonlyMap<string, AppliedPhase>): Map<string, PhaseBuildTally> {
  const out = new Map<string, PhaseBuildTally>();
  for (const [phase, a] of applied) if (a.builds && a.status !== 'pending') out.set(phase, a.builds);
  return out;
}

function observeStatus(metrics: Metrics, migration: string, status: IndexMigrationStatus): void {
  if (status.phase !== undefined) setMigrationState(metrics, migration, status.phase);
  if (status.progress) {
    metrics.indexesDone.set({ migration }, status.progress.indexesDone);
    metrics.indexesPlanned.set({ migration }, status.progress.indexesTotal);
    const left = status.progress.estimatedRemainingSeconds;
    if (left === undefined) metrics.estimatedRemainingSeconds.remove({ migration });
    else metrics.estimatedRemainingSeconds.set({ migration }, left);
  }
  for (const p of status.phases ?? []) {
    const labels = { migration, phase: p.name };
    if (p.state === 'Pending') metrics.currentPhase.remove(labels);
    else metrics.currentPhase.set(labels, p.state === 'Running' ? 1 : 0);
  }
}

export function operatorMetrics(metrics: Metrics, watch?: DatabaseWatch): OperatorMetrics {
  let leading = false;
  return {
    reconciled: ({ result, seconds }) => {
      metrics.reconciles.inc({ result: RESULT[result] });
      metrics.reconcileDuration.observe(seconds);
    },
    reconcileError: (reason) => metrics.reconcileErrors.inc({ reason }),
    leader: (isLeader) => {
      leading = isLeader;
      metrics.leader.set(isLeader ? 1 : 0);
    },
    statusObserved: ({ namespace, migration, status }) => {
      if (status) observeStatus(metrics, `${namespace}/${migration}`, status);
    },
    stateObserved: ({ namespace, migration, phase, deleted }) => {
      const label = `${namespace}/${migration}`;
      if (deleted)
        for (const state of MIGRATION_STATES) metrics.migrationState.remove({ migration: label, state });
      // The leader's reconciles are ahead of its watch: they set the state.
      else if (!leading && phase !== undefined) setMigrationState(metrics, label, phase);
    },
    stoodDown: async () => {
      await watch?.close();
      await removeLeaderSeries(metrics);
    },
    statusWritten: ({ namespace, migration, previous, status }) => {
      const label = `${namespace}/${migration}`;
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
    databaseSeen: ({ namespace, migration, url, catalogue, running, applied }) => {
      const label = `${namespace}/${migration}`;
      setBuildMetrics(metrics, label, tallies(applied));
      void watch?.update({ migration: label, url, catalogue, running });
    },
  };
}
