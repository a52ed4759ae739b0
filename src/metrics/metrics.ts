/**
 * Every metric index-operator exports, defined once on a registry the entry point builds. Names carry
 * their unit, labels are bounded: migration, phase, index and table names come from the catalogue or
 * the database schema (never query text, ids or URLs); reason and state are closed sets.
 */
import { Counter, Gauge, Histogram, collectDefaultMetrics, type Registry } from 'prom-client';
import { MIGRATION_PHASES, type MigrationPhase } from '../operator/types.js';

export const METRIC_PREFIX = 'index_operator_';

const LINT_FAILING_DEFAULTS = [
  'nodejs_active_handles_total',
  'nodejs_active_requests_total',
  'nodejs_active_resources_total',
] as const;

/** Phase durations run from seconds (a small table) to hours (a large one under load). */
export const PHASE_DURATION_BUCKETS: readonly number[] = [
  1, 5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200, 14400, 28800,
];
/** One index build: well under a second on an empty table, hours on a large one. */
export const INDEX_BUILD_BUCKETS: readonly number[] = [
  0.05, 0.25, 1, 5, 15, 30, 60, 300, 900, 1800, 3600, 7200, 14400,
];
export const RECONCILE_BUCKETS: readonly number[] = [0.005, 0.025, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** Status phases of an IndexMigration (design.md), exported as `state` of `migration_state`. */
export const MIGRATION_STATES = MIGRATION_PHASES;
export type MigrationState = MigrationPhase;

/** Kinds of health finding, each exported as a count in `health_findings{kind}`. */
export const HEALTH_FINDING_KINDS = [
  'invalid',
  'missing',
  'unused',
  'duplicate',
  'overlapping',
  'unindexed_foreign_key',
] as const;
export type HealthFindingKind = (typeof HEALTH_FINDING_KINDS)[number];

/** Results of a reconcile (`reconcile_total{result}`); all start at 0. */
export const RECONCILE_RESULTS = ['success', 'error', 'requeue'] as const;
/** Error classes of a failed reconcile (`reconcile_errors_total{reason}`); all start at 0. */
export const RECONCILE_ERROR_REASONS = ['permanent', 'transient', 'bug'] as const;

export const INDEX_STATES = ['valid', 'invalid', 'missing'] as const;
export type IndexState = (typeof INDEX_STATES)[number];

/** Label sets many series share: per phase, per index build, per index and per table of the schema. */
const PHASE_LABELS = ['migration', 'phase'] as const;
const BUILD_LABELS = ['migration', 'phase', 'index'] as const;
const INDEX_LABELS = ['migration', 'table', 'index'] as const;
const TABLE_LABELS = ['migration', 'table'] as const;

type G<L extends string> = Gauge<L>;
type C<L extends string> = Counter<L>;
type H<L extends string> = Histogram<L>;

export interface Metrics {
  readonly registry: Registry;
  // build
  readonly phaseDuration: H<'migration' | 'phase' | 'result'>;
  readonly indexBuildDuration: H<'migration' | 'phase' | 'action'>;
  readonly indexesDone: G<'migration'>;
  readonly indexesPlanned: G<'migration'>;
  readonly estimatedRemainingSeconds: G<'migration'>;
  readonly currentPhase: G<'migration' | 'phase'>;
  readonly migrationState: G<'migration' | 'state'>;
  readonly retries: C<'migration' | 'phase'>;
  readonly lockTimeouts: C<'migration' | 'phase'>;
  readonly rollbacks: C<'migration' | 'phase'>;
  readonly failures: C<'migration' | 'phase' | 'reason'>;
  // live progress
  readonly buildProgress: G<'migration' | 'phase' | 'index' | 'progress_phase'>;
  readonly buildLockersWaiting: G<'migration' | 'phase' | 'index'>;
  readonly buildProgressChanged: G<'migration' | 'phase' | 'index'>;
  // health
  readonly healthIndexes: G<'migration' | 'state'>;
  readonly healthFindings: G<'migration' | 'kind'>;
  readonly indexSize: G<'migration' | 'table' | 'index'>;
  readonly indexScans: G<'migration' | 'table' | 'index'>;
  readonly indexUnused: G<'migration' | 'table' | 'index'>;
  readonly indexInvalid: G<'migration' | 'table' | 'index'>;
  readonly indexDuplicate: G<'migration' | 'table' | 'index' | 'duplicate_of' | 'kind'>;
  readonly unindexedForeignKey: G<'migration' | 'table' | 'constraint'>;
  readonly tableSeqScans: G<'migration' | 'table'>;
  readonly tableIndexScans: G<'migration' | 'table'>;
  readonly statsReset: G<'migration'>;
  readonly healthRefreshed: G<'migration'>;
  readonly healthRefreshErrors: C<'migration'>;
  // operator
  readonly reconciles: C<'result'>;
  readonly reconcileErrors: C<'reason'>;
  readonly reconcileDuration: H<never>;
  readonly leader: G<never>;
  readonly buildInfo: G<'version' | 'node_version'>;
}

export interface MetricsOptions {
  /** Include prom-client's default process/Node.js metrics, under their usual names (default true). */
  readonly defaultMetrics?: boolean;
  /** Version for `build_info`. */
  readonly version?: string;
}

/** Defines every metric on `registry` and returns them as one typed object. */
export function createMetrics(registry: Registry, options: MetricsOptions = {}): Metrics {
  if (options.defaultMetrics ?? true) {
    collectDefaultMetrics({ register: registry });
    // prom-client exports these gauges with a counter's `_total` suffix, which `promtool check metrics`
    // rejects; their `nodejs_active_*` siblings without the suffix carry the same information.
    for (const name of LINT_FAILING_DEFAULTS) registry.removeSingleMetric(name);
  }
  const r = [registry];
  const gauge = <L extends string>(name: string, help: string, labelNames: readonly L[]): G<L> =>
    new Gauge({ name: METRIC_PREFIX + name, help, labelNames, registers: r });
  const counter = <L extends string>(name: string, help: string, labelNames: readonly L[]): C<L> =>
    new Counter({ name: METRIC_PREFIX + name, help, labelNames, registers: r });
  const histogram = <L extends string>(
    name: string,
    help: string,
    labelNames: readonly L[],
    buckets: readonly number[],
  ): H<L> =>
    new Histogram({ name: METRIC_PREFIX + name, help, labelNames, buckets: [...buckets], registers: r });

  const m: Metrics = {
    registry,
    phaseDuration: histogram(
      'phase_duration_seconds',
      'Duration of a catalogue phase run, by result (succeeded, failed, rolled_back).',
      ['migration', 'phase', 'result'],
      PHASE_DURATION_BUCKETS,
    ),
    indexBuildDuration: histogram(
      'index_build_duration_seconds',
      'Duration of one index attempt, by action (create, rebuild, exists, skip, drop).',
      ['migration', 'phase', 'action'],
      INDEX_BUILD_BUCKETS,
    ),
    indexesDone: gauge('indexes_done', 'Catalogue indexes finished in the current run.', ['migration']),
    indexesPlanned: gauge('indexes_planned', 'Catalogue indexes the current run covers.', ['migration']),
    estimatedRemainingSeconds: gauge(
      'estimated_remaining_seconds',
      "Estimated seconds the migration's builds not done yet still need (status.progress.estimatedRemainingSeconds).",
      ['migration'],
    ),
    currentPhase: gauge(
      'current_phase',
      '1 for the phase that is running now, 0 for the other phases the run has touched.',
      PHASE_LABELS,
    ),
    migrationState: gauge(
      'migration_state',
      '1 for the state the migration is in (Pending, Running, Succeeded, Failed, RollingBack, RolledBack, Suspended).',
      ['migration', 'state'],
    ),
    retries: counter('retries_total', 'Index build attempts retried after a transient error.', PHASE_LABELS),
    lockTimeouts: counter('lock_timeouts_total', 'Index builds that hit the lock timeout.', PHASE_LABELS),
    rollbacks: counter('rollbacks_total', 'Phases rolled back.', PHASE_LABELS),
    failures: counter('failures_total', 'Index builds that failed, by bounded reason class.', [
      'migration',
      'phase',
      'reason',
    ]),
    buildProgress: gauge(
      'build_progress_ratio',
      'Progress (0..1) of a running index build within its build phase (PostgreSQL pg_stat_progress_create_index; MariaDB PROCESSLIST and InnoDB online-DDL progress).',
      ['migration', 'phase', 'index', 'progress_phase'],
    ),
    buildLockersWaiting: gauge(
      'build_lockers_waiting',
      'Sessions a running index build is waiting for (lockers_total - lockers_done).',
      BUILD_LABELS,
    ),
    buildProgressChanged: gauge(
      'build_progress_changed_timestamp_seconds',
      'Unix time the progress of a running index build last moved (phase or counters).',
      BUILD_LABELS,
    ),
    healthIndexes: gauge(
      'health_indexes',
      'Indexes on the catalogue tables by state (valid, invalid, missing from the catalogue).',
      ['migration', 'state'],
    ),
    healthFindings: gauge('health_findings', 'Health findings by kind.', ['migration', 'kind']),
    indexSize: gauge('index_size_bytes', 'On-disk size of an index.', INDEX_LABELS),
    indexScans: gauge('index_scans', 'Index scans since the statistics reset.', INDEX_LABELS),
    indexUnused: gauge(
      'index_unused',
      '1 for an index with no scans since the statistics reset (not unique, not primary).',
      INDEX_LABELS,
    ),
    indexInvalid: gauge(
      'index_invalid',
      '1 for an INVALID index (a failed or interrupted concurrent build): it costs writes and serves no query.',
      INDEX_LABELS,
    ),
    indexDuplicate: gauge(
      'index_duplicate',
      '1 for an index that duplicates (same key) or overlaps (key is a prefix of) another index.',
      ['migration', 'table', 'index', 'duplicate_of', 'kind'],
    ),
    unindexedForeignKey: gauge(
      'unindexed_foreign_key',
      '1 for a foreign key whose columns lead no valid index.',
      ['migration', 'table', 'constraint'],
    ),
    tableSeqScans: gauge(
      'table_seq_scans',
      'Sequential scans of a table since the statistics reset.',
      TABLE_LABELS,
    ),
    tableIndexScans: gauge(
      'table_index_scans',
      'Index scans of a table since the statistics reset.',
      TABLE_LABELS,
    ),
    statsReset: gauge(
      'health_stats_reset_timestamp_seconds',
      'Unix time the database statistics were last reset (server start when never reset).',
      ['migration'],
    ),
    healthRefreshed: gauge(
      'health_last_refresh_timestamp_seconds',
      'Unix time of the last successful health inspection.',
      ['migration'],
    ),
    healthRefreshErrors: counter('health_refresh_errors_total', 'Health inspections that failed.', [
      'migration',
    ]),
    reconciles: counter('reconcile_total', 'Reconciles of IndexMigration resources, by result.', ['result']),
    reconcileErrors: counter('reconcile_errors_total', 'Reconciles that failed, by error class.', ['reason']),
    reconcileDuration: histogram(
      'reconcile_duration_seconds',
      'Duration of one reconcile.',
      [],
      RECONCILE_BUCKETS,
    ),
    leader: gauge('leader', '1 while this operator replica holds the leader lease.', []),
    buildInfo: gauge('build_info', 'Always 1; labels carry the version.', ['version', 'node_version']),
  };
  m.buildInfo.set({ version: options.version ?? 'unknown', node_version: process.version }, 1);
  m.leader.set(0);
  for (const result of RECONCILE_RESULTS) m.reconciles.inc({ result }, 0);
  for (const reason of RECONCILE_ERROR_REASONS) m.reconcileErrors.inc({ reason }, 0);
  return m;
}

/** Sets `migration_state` to 1 for `state` and 0 for every other state of that migration. */
export function setMigrationState(metrics: Metrics, migration: string, state: MigrationState): void {
  for (const s of MIGRATION_STATES) metrics.migrationState.set({ migration, state: s }, s === state ? 1 : 0);
}

/**
 * Removes every series labelled with `migration` (the IndexMigration was deleted). The operator calls
 * this when it sees the resource gone; other migrations' series stay.
 */
export async function removeMigrationSeries(metrics: Metrics, migration: string): Promise<void> {
  await removeSeries(metrics, (labels) => labels['migration'] === migration);
}

/**
 * Removes what only the leader keeps up to date: every migration's series but `migration_state`, which
 * every replica keeps from its own watch. A replica that stops leading calls this, so a sum over
 * replicas counts each migration once.
 */
export async function removeLeaderSeries(metrics: Metrics): Promise<void> {
  await removeSeries(metrics, (labels) => labels['migration'] !== undefined, [metrics.migrationState]);
}

async function removeSeries(
  metrics: Metrics,
  matches: (labels: Partial<Record<string, string | number>>) => boolean,
  keep: readonly unknown[] = [],
): Promise<void> {
  for (const metric of Object.values(metrics)) {
    if (!(metric instanceof Gauge || metric instanceof Counter || metric instanceof Histogram)) continue;
    if (keep.includes(metric)) continue;
    const { values } = await (metric as G<string>).get();
    const seen = new Set<string>();
    for (const v of values) {
      if (!matches(v.labels)) continue;
      const { le: _le, ...labels } = v.labels;
      const key = JSON.stringify(labels);
      if (seen.has(key)) continue;
      seen.add(key);
      (metric as G<string>).remove(labels as Record<string, string>);
    }
  }
}
