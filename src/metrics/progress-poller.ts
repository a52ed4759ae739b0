/**
 * Live build progress. While at least one index build runs on a dialect that reports build progress
 * (`Dialect.buildProgress`: PostgreSQL `pg_stat_progress_create_index`, MariaDB PROCESSLIST and
 * InnoDB's online-DDL progress), polls every few seconds and exports, per running index,
 * the progress ratio within its build phase, the sessions it waits for, and when it last moved. Stops
 * polling as soon as nothing runs. On other dialects it exports nothing: progress there is
 * `indexes_done / indexes_planned`, kept by the metrics observer.
 */
import type { Catalogue } from '../catalogue/catalogue.js';
import type { BuildProgress, Dialect } from '../dialects/dialect.js';
import type { Logger } from '../log.js';
import type { Metrics } from './metrics.js';

export const DEFAULT_PROGRESS_INTERVAL_MS = 3_000;

interface Running {
  readonly phase: string;
  readonly table: string;
  /** Last exported progress phase and a fingerprint of the counters, to see whether it moved. */
  progressPhase?: string;
  fingerprint?: string;
}

export interface ProgressPollerOptions {
  readonly dialect: Pick<Dialect, 'buildProgress' | 'capabilities'>;
  readonly metrics: Metrics;
  readonly migration: string;
  readonly intervalMs?: number;
  readonly log?: Logger;
  /** Unix time in ms; defaults to Date.now. */
  readonly now?: () => number;
}

export class ProgressPoller {
  private readonly running = new Map<string, Running>();
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<void> | undefined;
  private readonly intervalMs: number;
  private readonly now: () => number;

  constructor(private readonly options: ProgressPollerOptions) {
    this.intervalMs = options.intervalMs ?? DEFAULT_PROGRESS_INTERVAL_MS;
    this.now = options.now ?? Date.now;
  }

  /** Whether a poll is scheduled (true only while some build is tracked). */
  get active(): boolean {
    return this.timer !== undefined;
  }

  /** An index build started; polling starts if it was idle. */
  track(phase: string, index: { readonly name: string; readonly table: string }): void {
    if (!this.options.dialect.capabilities.supportsBuildProgress) return;
    this.running.set(index.name, { phase, table: index.table });
    if (this.timer === undefined) this.schedule(0);
  }

  /** An index build ended (any outcome): its series go; polling stops when nothing runs. */
  untrack(indexName: string): void {
    const entry = this.running.get(indexName);
    if (!entry) return;
    this.running.delete(indexName);
    this.removeSeries(indexName, entry);
    if (this.running.size === 0) this.cancel();
  }

  /** Forgets every build and stops polling. */
  stop(): void {
    for (const name of [...this.running.keys()]) this.untrack(name);
    this.cancel();
  }

  /**
   * The operator's mode: it does not see the Job's engine events, so it watches every index of the
   * catalogue (matched by index name) for as long as the migration runs; `stop()` ends it.
   */
  watchCatalogue(catalogue: Catalogue): void {
    for (const phase of catalogue.phases) {
      for (const index of phase.indexes) {
        if (!this.running.has(index.name)) this.track(phase.name, index);
      }
    }
  }

  /** One poll now (also what the timer runs). Errors are logged, never thrown. */
  async pollOnce(): Promise<void> {
    if (this.running.size === 0) return;
    try {
      const rows = await this.options.dialect.buildProgress();
      const seen = new Set<string>();
      for (const row of rows) {
        const name = this.export(row);
        if (name !== undefined) seen.add(name);
      }
      for (const [name, entry] of this.running) if (!seen.has(name)) this.forgetProgress(name, entry);
    } catch (e) {
      this.options.log?.warn({ err: e }, 'could not read index build progress');
    }
  }

  /** Exports one row; returns the index it belongs to, if tracked. */
  private export(row: BuildProgress): string | undefined {
    const name = this.match(row);
    const entry = name === undefined ? undefined : this.running.get(name);
    if (name === undefined || !entry) return undefined;
    const { metrics, migration } = this.options;
    const labels = { migration, phase: entry.phase, index: name };
    if (entry.progressPhase !== undefined && entry.progressPhase !== row.phase) {
      metrics.buildProgress.remove({ ...labels, progress_phase: entry.progressPhase });
    }
    metrics.buildProgress.set({ ...labels, progress_phase: row.phase }, row.ratio);
    metrics.buildLockersWaiting.set(labels, row.lockersWaiting);
    const fingerprint = `${row.phase} ${row.counters}`;
    if (fingerprint !== entry.fingerprint) metrics.buildProgressChanged.set(labels, this.now() / 1000);
    entry.progressPhase = row.phase;
    entry.fingerprint = fingerprint;
    return name;
  }

  /**
   * The tracked build a progress row belongs to: by index name; else (a plain CREATE INDEX reports no
   * index yet) by table, when exactly one tracked build is on that table.
   */
  private match(row: BuildProgress): string | undefined {
    if (row.indexName !== null) return this.running.has(row.indexName) ? row.indexName : undefined;
    const onTable = [...this.running].filter(([, e]) => e.table === row.tableName);
    return onTable.length === 1 ? onTable[0]?.[0] : undefined;
  }

  /** A tracked build with no progress row (not started yet, or between attempts): no series. */
  private forgetProgress(name: string, entry: Running): void {
    if (entry.progressPhase === undefined) return;
    this.removeSeries(name, entry);
    entry.progressPhase = undefined;
    entry.fingerprint = undefined;
  }

  private removeSeries(name: string, entry: Running): void {
    const { metrics, migration } = this.options;
    const labels = { migration, phase: entry.phase, index: name };
    if (entry.progressPhase !== undefined) {
      metrics.buildProgress.remove({ ...labels, progress_phase: entry.progressPhase });
    }
    metrics.buildLockersWaiting.remove(labels);
    metrics.buildProgressChanged.remove(labels);
  }

  private schedule(delayMs: number): void {
    const timer = setTimeout(() => {
      this.polling = this.pollOnce().finally(() => {
        this.polling = undefined;
        // Reschedule only if this chain was not cancelled (or replaced) meanwhile.
        if (this.timer === timer && this.running.size > 0) this.schedule(this.intervalMs);
      });
    }, delayMs);
    timer.unref();
    this.timer = timer;
  }

  private cancel(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Resolves when a poll in flight (if any) has finished. */
  async idle(): Promise<void> {
    await this.polling;
  }
}
