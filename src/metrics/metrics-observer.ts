/**
 * The engine's RunObserver that keeps the build metrics: phase and index durations, indexes done and
 * planned, the current phase, the migration's state, retries, lock timeouts, rollbacks and failures by
 * reason; and tells the progress poller which builds run. The CLI (`up --metrics-port`) and the
 * operator attach it next to their own observers.
 */
import type { RunObserver } from '../engine/run-observer.js';
import { setMigrationState, type Metrics } from './metrics.js';
import type { ProgressPoller } from './progress-poller.js';

export interface MetricsObserverOptions {
  readonly metrics: Metrics;
  /** Label value: the IndexMigration's name (operator) or the catalogue's name (CLI). */
  readonly migration: string;
  /** Live progress of PostgreSQL builds; optional. */
  readonly progress?: ProgressPoller;
}

const LOCK_TIMEOUT = 'lock_timeout';

export function metricsObserver(options: MetricsObserverOptions): RunObserver {
  const { metrics, migration, progress } = options;
  const touchedPhases = new Set<string>();
  const seconds = (ms: number): number => ms / 1000;

  return {
    runStarted(e) {
      metrics.indexesPlanned.set({ migration }, e.indexesTotal);
      metrics.indexesDone.set({ migration }, 0);
      setMigrationState(metrics, migration, 'Running');
    },
    phaseStarted(e) {
      for (const p of touchedPhases) metrics.currentPhase.set({ migration, phase: p }, 0);
      touchedPhases.add(e.phase);
      metrics.currentPhase.set({ migration, phase: e.phase }, 1);
      // Counters start at 0 so rates and dashboards show "none yet" rather than "no data".
      const labels = { migration, phase: e.phase };
      metrics.retries.inc(labels, 0);
      metrics.lockTimeouts.inc(labels, 0);
      metrics.rollbacks.inc(labels, 0);
    },
    indexStarted(e) {
      progress?.track(e.phase, e.index);
    },
    indexFinished(e) {
      progress?.untrack(e.index.name);
      metrics.indexBuildDuration.observe(
        { migration, phase: e.phase, action: e.action },
        seconds(e.durationMs),
      );
      if (e.action !== 'drop') metrics.indexesDone.inc({ migration });
    },
    indexRetry(e) {
      progress?.untrack(e.index.name);
      metrics.retries.inc({ migration, phase: e.phase });
      if (e.reason === LOCK_TIMEOUT) metrics.lockTimeouts.inc({ migration, phase: e.phase });
    },
    indexFailed(e) {
      progress?.untrack(e.index.name);
      metrics.failures.inc({ migration, phase: e.phase, reason: e.reason });
      if (e.reason === LOCK_TIMEOUT) metrics.lockTimeouts.inc({ migration, phase: e.phase });
    },
    phaseFinished(e) {
      metrics.currentPhase.set({ migration, phase: e.phase }, 0);
      metrics.phaseDuration.observe({ migration, phase: e.phase, result: e.result }, seconds(e.durationMs));
    },
    rollback(e) {
      metrics.rollbacks.inc({ migration, phase: e.phase });
    },
    runFinished(e) {
      progress?.stop();
      setMigrationState(metrics, migration, e.ok ? 'Succeeded' : 'Failed');
    },
  };
}
