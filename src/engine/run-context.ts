/**
 * Everything one up/down run needs, resolved once: dependencies with defaults, options with defaults,
 * the bookkeeping store, a run id, and a notifier that never lets an observer's failure escape.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Catalogue } from '../catalogue/catalogue.js';
import type { BuildOptions, Dialect, IntrospectScope, SchemaSnapshot } from '../dialects/dialect.js';
import type { BookkeepingStore } from './bookkeeping-store.js';
import { systemClock, type Clock } from './clock.js';
import {
  DEFAULT_RUN_OPTIONS,
  type EngineDeps,
  type OnFailure,
  type RetryOptions,
  type UpOptions,
} from './engine.js';
import { createPacer, type Pacer } from './pacer.js';
import type { RunObserver } from './run-observer.js';
import { createRunStop, type RunStop } from './run-stop.js';
import { SqlBookkeepingStore } from './sql-bookkeeping-store.js';
import { retryingStore } from './retrying-store.js';
import { steppedStore, type StepHook } from './steps.js';

export interface ResolvedOptions {
  readonly concurrency: number;
  readonly retries: RetryOptions;
  readonly onFailure: OnFailure;
  readonly lockWaitMs: number;
  readonly owner: string;
  /** Idle time between two builds on the database (see pacer.ts); 0 = none. */
  readonly pauseBetweenBuildsMs: number;
  readonly build: BuildOptions;
}

export interface RunContext {
  readonly dialect: Dialect;
  readonly log: Logger;
  readonly clock: Clock;
  readonly random: () => number;
  /** Aborted when the run must stop starting work (stop.error says why). */
  readonly signal: AbortSignal | undefined;
  readonly stop: RunStop;
  readonly pacer: Pacer;
  readonly store: BookkeepingStore;
  readonly catalogue: Catalogue;
  /** The step-boundary hook (steps.ts), if any. */
  readonly steps: StepHook | undefined;
  readonly runId: string;
  readonly options: ResolvedOptions;
  /** Calls the observer's method; a throwing listener is logged and ignored. */
  notify<K extends keyof RunObserver>(event: K, payload: Parameters<NonNullable<RunObserver[K]>>[0]): void;
  /** A new bookkeeping row id, ordered within the run. */
  nextId(): string;
  /** ISO 8601 of the clock's now. */
  nowIso(): string;
  /**
   * The schema as introspected at most SNAPSHOT_MAX_AGE_MS ago (concurrent callers share one read);
   * with a scope, a read of only what it names (Dialect.introspect), cached apart from the others.
   * Introspection can take longer than a small build; within a run no other runner changes the schema
   * (runner lock) and each index is touched only by its own build, so a fresh-enough snapshot is a
   * sound re-check. Call invalidateSnapshot() after a failed attempt (it may leave an INVALID index).
   */
  snapshot(scope?: IntrospectScope): Promise<SchemaSnapshot>;
  invalidateSnapshot(): void;
}

export const SNAPSHOT_MAX_AGE_MS = 2_000;

export function createRunContext(deps: EngineDeps, catalogue: Catalogue, options: UpOptions): RunContext {
  const runId = randomUUID();
  const clock = deps.clock ?? systemClock;
  let seq = 0;
  const log = deps.log.child({ catalogue: catalogue.name, runId });
  const stop = createRunStop(deps.signal, log);
  const resolved = resolveOptions(options, deps.dialect);
  return {
    dialect: deps.dialect,
    log,
    clock,
    random: deps.random ?? Math.random,
    signal: stop.signal,
    stop,
    pacer: createPacer(resolved.pauseBetweenBuildsMs, clock),
    store: withSteps(
      retryingStore(new SqlBookkeepingStore(deps.dialect), {
        classify: (e) => deps.dialect.classifyError(e),
        retries: resolved.retries,
        clock,
        random: deps.random ?? Math.random,
        log,
      }),
      deps.steps,
    ),
    steps: deps.steps,
    catalogue,
    runId,
    options: resolved,
    notify(event, payload) {
      const fn = deps.observer?.[event] as ((p: typeof payload) => void) | undefined;
      if (!fn) return;
      try {
        fn.call(deps.observer, payload);
      } catch (e) {
        log.warn({ err: e, event }, 'run observer threw; ignored');
      }
    },
    nextId: () => `${runId}-${String(++seq).padStart(5, '0')}`,
    nowIso: () => new Date(clock.now()).toISOString(),
    ...snapshotCache(deps.dialect, clock),
  };
}

function withSteps(store: BookkeepingStore, steps: StepHook | undefined): BookkeepingStore {
  return steps === undefined ? store : steppedStore(store, steps);
}

function snapshotCache(dialect: Dialect, clock: Clock): Pick<RunContext, 'snapshot' | 'invalidateSnapshot'> {
  const cached = new Map<string, { readonly at: number; readonly snapshot: Promise<SchemaSnapshot> }>();
  return {
    snapshot(scope) {
      const key = scope === undefined ? '' : JSON.stringify([scope.tables, scope.indexes]);
      const now = clock.now();
      const hit = cached.get(key);
      if (hit && now - hit.at <= SNAPSHOT_MAX_AGE_MS) return hit.snapshot;
      const snapshot = dialect.introspect(scope);
      cached.set(key, { at: now, snapshot });
      // A failed read is not cached.
      snapshot.catch(() => {
        if (cached.get(key)?.snapshot === snapshot) cached.delete(key);
      });
      return snapshot;
    },
    invalidateSnapshot() {
      cached.clear();
    },
  };
}

function resolveOptions(o: UpOptions, dialect: Dialect): ResolvedOptions {
  const d = DEFAULT_RUN_OPTIONS;
  const wanted = o.concurrency ?? d.concurrency;
  return {
    concurrency: Math.max(1, Math.min(wanted, dialect.capabilities.maxConcurrentBuilds)),
    retries: o.retries ?? d.retries,
    onFailure: o.onFailure ?? d.onFailure,
    lockWaitMs: o.lockWaitMs ?? d.lockWaitMs,
    owner: o.owner ?? d.owner,
    pauseBetweenBuildsMs: o.pauseBetweenBuildsMs ?? d.pauseBetweenBuildsMs,
    build: {
      lockTimeoutMs: o.lockTimeoutMs ?? d.lockTimeoutMs,
      statementTimeoutMs: o.statementTimeoutMs ?? d.statementTimeoutMs,
      busyTimeoutMs: o.busyTimeoutMs ?? d.busyTimeoutMs,
      snapshotWaitMs: o.snapshotWaitMs ?? d.snapshotWaitMs,
      ...(o.maintenanceWorkMem === undefined ? {} : { maintenanceWorkMem: o.maintenanceWorkMem }),
      ...(o.maxParallelMaintenanceWorkers === undefined
        ? {}
        : { maxParallelMaintenanceWorkers: o.maxParallelMaintenanceWorkers }),
    },
  };
}
