/**
 * The engine's public API: plan, apply, roll back and report on a catalogue's phases against one
 * database. The CLI and the operator's Jobs call only these four functions and read only these types.
 *
 * Failure contract:
 * - bad input (invalid catalogue, unknown phase name, bad option, a database whose bookkeeping records
 *   these phase names for another catalogue) → throws UsageError, nothing changed;
 * - another runner holds the database's runner lock past `lockWaitMs` → throws the dialect's error
 *   (TransientError naming the holder), nothing changed;
 * - a phase fails (permanent error, retries exhausted, conflict) → resolves with `ok: false` and the
 *   failure in `error` and in the phase's report; the bookkeeping matches the database;
 * - the runner lock's session dies during the run → no new build starts, running ones finish, nothing
 *   is rolled back; resolves with `ok: false` and a transient error with reason `runner_lock_lost`.
 */
import type { Logger } from 'pino';
import type { Catalogue } from '../catalogue/catalogue.js';
import type { IndexDefinition } from '../catalogue/index-definition.js';
import type { Dialect, DialectName } from '../dialects/dialect.js';
import type { ErrorClass } from '../errors.js';
import type { IndexAction, RunObserver } from './run-observer.js';
import type { BuildRow } from './bookkeeping-store.js';
import type { Clock } from './clock.js';
import type { PhaseState } from './phase-state.js';
import type { StepHook } from './steps.js';
import { planRunImpl } from './plan-run.js';
import { applyPhasesImpl, rollbackPhasesImpl } from './runner.js';
import { readStatusImpl } from './status.js';
import type { Estimate } from './estimate.js';
import type { RemainingEstimate } from './read-estimate.js';

export type { Clock } from './clock.js';
export type { BuildRow, MigrationRow, MigrationStatus, BuildStatus } from './bookkeeping-store.js';
export type { PhaseState } from './phase-state.js';
export type {
  BuildModel,
  Estimate,
  IndexEstimate,
  PhaseComparison,
  PhaseEstimate,
  ProbeReading,
} from './estimate.js';
export { DEFAULT_SPEED_PROBE_TIMEOUT_MS, compareEstimate } from './estimate.js';
export type { RemainingEstimate } from './read-estimate.js';
export type { StepHook, StepPoint } from './steps.js';

/** What the engine needs, built once by the caller (CLI entry or operator Job). */
export interface EngineDeps {
  readonly dialect: Dialect;
  /** Root or command logger; the engine adds child loggers `{ phase, index }`. */
  readonly log: Logger;
  readonly observer?: RunObserver;
  /** Defaults to the system clock. */
  readonly clock?: Clock;
  /** Aborted: no new builds start; running ones finish; bookkeeping is left consistent. */
  readonly signal?: AbortSignal;
  /** Source of randomness for retry jitter (0 ≤ x < 1); defaults to Math.random. */
  readonly random?: () => number;
  /**
   * Called at every step boundary of up/down (steps.ts); none by default. Only the CLI's entry point
   * sets one, from its environment, for the kill test (src/cli/fault-injection.ts).
   */
  readonly steps?: StepHook;
}

// ---------------------------------------------------------------------------------------------- plan

export interface PlanOptions {
  /** Phase names to plan, in any order (planned in catalogue order). Default: all. */
  readonly phases?: readonly string[];
  /**
   * Bound of the speed probe the estimate runs when this database has too few recorded builds
   * (estimate.ts), ms; 0 turns it off. Default DEFAULT_SPEED_PROBE_TIMEOUT_MS.
   */
  readonly speedProbeTimeoutMs?: number;
}

/**
 * - create: will be built;
 * - exists: an equivalent valid index is already there (`existingName` is its name, which may differ);
 * - rebuild: an INVALID leftover with this name will be dropped and rebuilt;
 * - conflict: an index with this name but a different definition exists (an error; `reason` says both);
 * - skip: table or column missing (`reason` says which), never an error.
 */
export type PlannedAction = 'create' | 'exists' | 'rebuild' | 'conflict' | 'skip';

/**
 * A part of a definition the dialect cannot build as written (see adapt-index.ts): INCLUDE left out,
 * WHERE turned into key columns, DESC built ascending, TEXT/BLOB key columns given a prefix length;
 * `boolean-is`: built as written, but a boolean key column is searched by `= true` only, not by the
 * `IS TRUE`/`IS FALSE` SQLAlchemy writes for `.is_(True)` (MariaDB, DialectCapabilities.searchesBooleanIs).
 */
export type DroppedFeature = 'include' | 'where' | 'desc' | 'prefix' | 'boolean-is';

export interface PlannedIndex {
  /** The definition as it will be built on this dialect (INCLUDE/WHERE removed where unsupported). */
  readonly index: IndexDefinition;
  readonly action: PlannedAction;
  /** For `exists`/`rebuild`/`conflict`: the name of the index found in the database. */
  readonly existingName?: string;
  /** Human-readable reason for skip, conflict, rebuild, or an `exists` under another name. */
  readonly reason?: string;
  /** Features dropped by capability (recorded so `plan` can show them). */
  readonly dropped: readonly DroppedFeature[];
  /** True when the bookkeeping says the engine created this index (so `down` would drop it). */
  readonly owned: boolean;
}

export interface PlannedPhase {
  readonly name: string;
  readonly description: string;
  /** Checksum of the phase's definitions in the catalogue (sha256 hex). */
  readonly checksum: string;
  /**
   * The phase's state checked against the database (phase-state.ts): the bookkeeping status, 'pending'
   * when never run, 'incomplete' when recorded succeeded but some of its indexes are not there.
   */
  readonly status: PhaseState;
  /** True when the phase is applied: recorded succeeded and every index there (exists or skipped). */
  readonly applied: boolean;
  /** Checksum recorded when the phase was last run, if any. */
  readonly appliedChecksum?: string;
  /** Applied with a different checksum: the catalogue changed since. `up` builds what is new. */
  readonly drift: boolean;
  /** Why the phase is `incomplete` (which indexes are missing). */
  readonly message?: string;
  readonly indexes: readonly PlannedIndex[];
}

export type ActionCounts = Readonly<Record<PlannedAction, number>>;

export interface Plan {
  readonly catalogue: string;
  readonly dialect: DialectName;
  /** Host:port/database or file path: never a password. */
  readonly target: string;
  readonly phases: readonly PlannedPhase[];
  readonly counts: ActionCounts;
  /**
   * Estimated build time per phase and in total (one build at a time), from the tables' sizes and the
   * dialect's default build cost scaled by the speed this database showed in earlier builds (estimate.ts).
   */
  readonly estimate: Estimate;
}

/** Introspects the database and reads the bookkeeping; changes nothing. */
export function planRun(deps: EngineDeps, catalogue: Catalogue, options: PlanOptions = {}): Promise<Plan> {
  return planRunImpl(deps, catalogue, options);
}

// ------------------------------------------------------------------------------------------- up/down

export type OnFailure = 'rollback-phase' | 'rollback-all' | 'halt';

export interface RetryOptions {
  /** Retries after the first attempt (0 = no retry). */
  readonly limit: number;
  /** First backoff; doubles each retry, with up to 50% jitter added. */
  readonly backoffMs: number;
}

/** Options shared by up and down. */
export interface RunOptions {
  /** Phase names (any order; run in catalogue order for up, reverse for down). Default: all. */
  readonly phases?: readonly string[];
  readonly lockTimeoutMs?: number;
  /** 0 = none. */
  readonly statementTimeoutMs?: number;
  /** PostgreSQL maintenance_work_mem for builds, e.g. '256MB'. */
  readonly maintenanceWorkMem?: string;
  /** SQLite busy_timeout. */
  readonly busyTimeoutMs?: number;
  /** How long to wait for another runner's lock before failing. */
  readonly lockWaitMs?: number;
  /**
   * PostgreSQL: how long each build or drop waits beforehand, with nothing created, for transactions
   * open now that CONCURRENTLY would wait for (a long REPEATABLE READ reader), instead of failing on the
   * lock timeout with an INVALID index left (see BuildOptions.snapshotWaitMs). 0 = no wait beforehand.
   */
  readonly snapshotWaitMs?: number;
  /** Who is running (shown to a second runner that waits for the lock), e.g. `cli pid 123 on host`. */
  readonly owner?: string;
}

export interface UpOptions extends RunOptions {
  /** Index builds at once (never two on one table); capped by the dialect's maxConcurrentBuilds. */
  readonly concurrency?: number;
  readonly retries?: RetryOptions;
  readonly onFailure?: OnFailure;
  /**
   * Throttling: idle time between two builds on the database (after one ends, the next starts no
   * sooner than this; shared by concurrent builds and across phases). 0 = none.
   */
  readonly pauseBetweenBuildsMs?: number;
  /**
   * PostgreSQL 11+ max_parallel_maintenance_workers for the build sessions; 0 = no parallel workers
   * (a slower build that takes less I/O and CPU from the application). Default: the server's setting.
   */
  readonly maxParallelMaintenanceWorkers?: number;
}

export interface DownOptions extends RunOptions {
  /** Roll back every applied phase newer than this one, newest first; this one stays applied. */
  readonly to?: string;
}

export const DEFAULT_RUN_OPTIONS = {
  concurrency: 1,
  lockTimeoutMs: 5_000,
  statementTimeoutMs: 0,
  busyTimeoutMs: 5_000,
  lockWaitMs: 0,
  snapshotWaitMs: 300_000,
  retries: { limit: 3, backoffMs: 1_000 },
  onFailure: 'rollback-phase',
  owner: 'index-operator',
  pauseBetweenBuildsMs: 0,
} as const satisfies Required<
  Omit<UpOptions, 'phases' | 'maintenanceWorkMem' | 'maxParallelMaintenanceWorkers'>
>;

/** What happened to one index in a run. */
export interface IndexReport {
  readonly name: string;
  readonly table: string;
  /** create/rebuild/exists/skip for up; drop for down and rollback; 'conflict' when it could not run. */
  readonly action: IndexAction | 'conflict';
  readonly status: 'succeeded' | 'failed' | 'skipped' | 'not_run';
  readonly attempts: number;
  readonly durationMs: number;
  readonly message?: string;
  readonly errorCode?: string;
}

/**
 * - succeeded / failed / rolled_back: this run ran (or rolled back) the phase;
 * - skipped: up ran it and skipped every index (tables or columns missing): not applied, nothing built;
 * - unchanged: already applied with the same checksum (up) or not applied (down): nothing to do;
 * - not_run: an earlier phase failed, or the run was aborted, before this one started.
 */
export type PhaseOutcome = 'succeeded' | 'skipped' | 'failed' | 'rolled_back' | 'unchanged' | 'not_run';

export interface PhaseReport {
  readonly name: string;
  readonly outcome: PhaseOutcome;
  readonly checksum: string;
  readonly startedAt?: string;
  readonly finishedAt?: string;
  readonly durationMs: number;
  readonly indexesCreated: number;
  readonly indexesSkipped: number;
  readonly indexesDropped: number;
  readonly message?: string;
  readonly indexes: readonly IndexReport[];
}

export interface RunError {
  readonly message: string;
  readonly errorClass: ErrorClass | 'bug';
  readonly code?: string;
  /** Bounded label (lock_timeout, unique_violation, conflict, aborted, ...). */
  readonly reason: string;
  readonly phase?: string;
  readonly index?: string;
}

export interface RunReport {
  readonly command: 'up' | 'down';
  readonly ok: boolean;
  readonly runId: string;
  readonly catalogue: string;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly durationMs: number;
  readonly phases: readonly PhaseReport[];
  /** Set when ok is false. */
  readonly error?: RunError;
}

/** Applies phases in catalogue order as Umzug migrations under the runner lock. */
export function applyPhases(
  deps: EngineDeps,
  catalogue: Catalogue,
  options: UpOptions = {},
): Promise<RunReport> {
  return applyPhasesImpl(deps, catalogue, options);
}

/** Rolls applied phases back, newest first, dropping only the indexes the engine owns. */
export function rollbackPhases(
  deps: EngineDeps,
  catalogue: Catalogue,
  options: DownOptions = {},
): Promise<RunReport> {
  return rollbackPhasesImpl(deps, catalogue, options);
}

// -------------------------------------------------------------------------------------------- status

export interface PhaseStatusReport {
  readonly name: string;
  readonly catalogue?: string;
  /** With a catalogue: the state checked against the database, as `plan` shows it (phase-state.ts). */
  readonly status: PhaseState;
  readonly checksum?: string;
  /** Only known when a catalogue was given: recorded checksum differs from the catalogue's. */
  readonly drift?: boolean;
  readonly startedAt?: string;
  readonly finishedAt?: string;
  readonly durationMs?: number;
  readonly indexesCreated: number;
  readonly indexesSkipped: number;
  readonly message?: string;
  /** Every build row of the phase, oldest first (all runs). */
  readonly builds: readonly BuildRow[];
  /** With a catalogue: estimated seconds its builds still need (0 when nothing is left to build). */
  readonly estimatedRemainingSeconds?: number;
}

export interface StatusReport {
  readonly dialect: DialectName;
  readonly target: string;
  readonly catalogue?: string;
  /** Catalogue order when a catalogue was given (pending phases included), else order of first start. */
  readonly phases: readonly PhaseStatusReport[];
  /** Index names the engine currently owns (would be dropped by `down` of their phase). */
  readonly ownedIndexes: readonly string[];
  /**
   * With a catalogue: the estimated time the builds not done yet need (all of the catalogue's phases),
   * updated from the builds recorded so far and the elapsed time of the running one.
   */
  readonly estimate?: RemainingEstimate;
}

/** Reads the bookkeeping tables (creating nothing); with a catalogue, adds pending phases and drift. */
export function readStatus(deps: EngineDeps, catalogue?: Catalogue): Promise<StatusReport> {
  return readStatusImpl(deps, catalogue);
}
