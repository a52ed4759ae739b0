/**
 * The build metrics of a migration whose engine runs in Jobs (nothing scrapes a Job): the operator sets
 * them from the build rows it reads on each reconcile (src/operator/build-tally.ts).
 *
 * Each value is the total the rows add up to, set as a whole (remove, then set, in one synchronous step
 * so a scrape never sees half of it). Recomputing the same rows gives the same value, so a second read
 * adds nothing, and after an operator restart or a leader hand-over the new process starts at the total
 * the table already holds: Prometheus sees a new series at that value, not an increase. The totals only
 * grow while the rows last (build-tally.ts counts a row once its outcome is final), which is a counter's
 * contract; rows removed by hand read as a counter reset, which rate() and increase() handle.
 */
import type { Counter } from 'prom-client';
import type { PhaseBuildTally } from '../operator/build-tally.js';
import type { IndexAction } from '../engine/run-observer.js';
import type { Metrics } from './metrics.js';

const ACTIONS: readonly IndexAction[] = ['create', 'rebuild', 'exists', 'skip', 'drop'];

function setTotal<L extends string>(counter: Counter<L>, labels: Record<L, string>, total: number): void {
  counter.remove(labels);
  counter.inc(labels, total);
}

/** Sets retries, lock timeouts, failures by reason and build durations of each phase from its tally. */
export function setBuildMetrics(
  metrics: Metrics,
  migration: string,
  tallies: ReadonlyMap<string, PhaseBuildTally>,
): void {
  for (const [phase, t] of tallies) {
    const labels = { migration, phase };
    setTotal(metrics.retries, labels, t.retries);
    setTotal(metrics.lockTimeouts, labels, t.lockTimeouts);
    // Counted on status transitions (reconciler), here only made to exist: 0 reads "none yet", not "no data".
    metrics.rollbacks.inc(labels, 0);
    for (const [reason, n] of Object.entries(t.failures))
      setTotal(metrics.failures, { ...labels, reason }, n);
    for (const action of ACTIONS) metrics.indexBuildDuration.remove({ ...labels, action });
    for (const d of t.durations)
      metrics.indexBuildDuration.observe({ ...labels, action: d.action }, d.seconds);
  }
}
