/**
 * The operator's view of its migrations' databases, for /metrics: per IndexMigration, the catalogue's
 * health (refreshed on an interval and before a scrape when stale) and, while the migration runs, live
 * build progress from pg_stat_progress_create_index (the builds themselves run in Jobs). The controller
 * calls `update()` on each reconcile and `remove()` when the resource is deleted.
 */
import type { Catalogue } from '../catalogue/catalogue.js';
import type { Dialect } from '../dialects/dialect.js';
import { HealthMonitor } from '../health/health-monitor.js';
import type { Logger } from '../log.js';
import { removeMigrationSeries, type Metrics } from './metrics.js';
import { ProgressPoller } from './progress-poller.js';

export interface WatchTarget {
  /** The `migration` label value (the operator uses `namespace/name`). */
  readonly migration: string;
  /** Connection URL (may hold a password: kept in memory only, never logged or labelled). */
  readonly url: string;
  readonly catalogue: Catalogue;
  /** True while a phase runs: progress is polled only then. */
  readonly running: boolean;
}

export interface DatabaseWatchOptions {
  readonly metrics: Metrics;
  readonly open: (url: string) => Promise<Dialect>;
  readonly log?: Logger;
  readonly healthIntervalMs?: number;
  readonly progressIntervalMs?: number;
}

interface Watched {
  readonly url: string;
  readonly dialect: Dialect;
  readonly health: HealthMonitor;
  readonly progress: ProgressPoller;
}

export class DatabaseWatch {
  private readonly watched = new Map<string, Promise<Watched>>();

  constructor(private readonly options: DatabaseWatchOptions) {}

  /** Starts (or keeps) watching the migration's database; follows a changed URL or catalogue. */
  async update(target: WatchTarget): Promise<void> {
    const current = await this.watched.get(target.migration)?.catch(() => undefined);
    if (current && current.url !== target.url) await this.remove(target.migration);
    let entry = this.watched.get(target.migration);
    if (!entry) {
      entry = this.start(target);
      this.watched.set(target.migration, entry);
    }
    try {
      const w = await entry;
      if (target.running) w.progress.watchCatalogue(target.catalogue);
      else w.progress.stop();
    } catch (e) {
      this.watched.delete(target.migration);
      this.options.log?.warn({ err: e, migration: target.migration }, 'cannot open the database for metrics');
    }
  }

  /** Stops watching and removes every series of the migration. */
  async remove(migration: string): Promise<void> {
    const entry = this.watched.get(migration);
    this.watched.delete(migration);
    const w = await entry?.catch(() => undefined);
    if (w) await this.stopOne(w);
    await removeMigrationSeries(this.options.metrics, migration);
  }

  /** For the metrics server's `beforeScrape`: refreshes health that is older than its interval. */
  async refreshStale(): Promise<void> {
    const all = await Promise.all([...this.watched.values()].map((p) => p.catch(() => undefined)));
    await Promise.all(all.map((w) => w?.health.refreshIfStale() ?? Promise.resolve()));
  }

  async close(): Promise<void> {
    const all = await Promise.all([...this.watched.values()].map((p) => p.catch(() => undefined)));
    this.watched.clear();
    await Promise.all(all.map((w) => (w ? this.stopOne(w) : Promise.resolve())));
  }

  /** Migrations being watched (their label values). */
  get migrations(): string[] {
    return [...this.watched.keys()];
  }

  private async start(target: WatchTarget): Promise<Watched> {
    const { metrics, log } = this.options;
    const dialect = await this.options.open(target.url);
    const common = { dialect, metrics, migration: target.migration, ...(log ? { log } : {}) };
    const health = new HealthMonitor({
      ...common,
      catalogue: target.catalogue,
      ...(this.options.healthIntervalMs === undefined ? {} : { intervalMs: this.options.healthIntervalMs }),
    });
    const progress = new ProgressPoller({
      ...common,
      ...(this.options.progressIntervalMs === undefined
        ? {}
        : { intervalMs: this.options.progressIntervalMs }),
    });
    health.start();
    return { url: target.url, dialect, health, progress };
  }

  private async stopOne(w: Watched): Promise<void> {
    w.progress.stop();
    await w.progress.idle();
    await w.health.stop();
    await w.dialect.close();
  }
}
