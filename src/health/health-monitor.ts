/**
 * Keeps the health metrics of one migration fresh: refreshes on an interval, and on demand before a
 * scrape when the last inspection is older than `maxAgeMs`. One inspection at a time; callers that
 * arrive while one runs share it. A failed inspection is logged and counted; the last values stay.
 */
import type { Catalogue } from '../catalogue/catalogue.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics/metrics.js';
import { exportHealthMetrics } from './health-metrics.js';
import { inspectHealth, type InspectedDialect } from './health-inspector.js';
import type { HealthReport } from './health-report.js';

export const DEFAULT_HEALTH_INTERVAL_MS = 60_000;

export interface HealthMonitorOptions {
  readonly dialect: InspectedDialect;
  readonly metrics: Metrics;
  readonly migration: string;
  readonly catalogue?: Catalogue;
  readonly intervalMs?: number;
  /** A scrape refreshes first when the last inspection is older than this (default: intervalMs). */
  readonly maxAgeMs?: number;
  readonly log?: Logger;
  readonly now?: () => number;
}

export class HealthMonitor {
  private inFlight: Promise<HealthReport | undefined> | undefined;
  private lastAt = Number.NEGATIVE_INFINITY;
  private last: HealthReport | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly now: () => number;

  constructor(private readonly options: HealthMonitorOptions) {
    this.now = options.now ?? Date.now;
  }

  /** The last successful report, if any. */
  get report(): HealthReport | undefined {
    return this.last;
  }

  /** Inspects now (or joins an inspection in flight). Resolves undefined when it failed. */
  refresh(): Promise<HealthReport | undefined> {
    this.inFlight ??= this.inspect().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  /** For `beforeScrape`: refreshes only when the last inspection is too old. */
  async refreshIfStale(): Promise<void> {
    const maxAge = this.options.maxAgeMs ?? this.options.intervalMs ?? DEFAULT_HEALTH_INTERVAL_MS;
    if (this.now() - this.lastAt >= maxAge) await this.refresh();
  }

  /** Refreshes now and then every intervalMs until stop(). */
  start(): void {
    if (this.timer !== undefined) return;
    void this.refresh();
    const interval = this.options.intervalMs ?? DEFAULT_HEALTH_INTERVAL_MS;
    this.timer = setInterval(() => void this.refresh(), interval);
    this.timer.unref();
  }

  /** Stops the interval and waits for an inspection in flight. */
  async stop(): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    await this.inFlight;
  }

  private async inspect(): Promise<HealthReport | undefined> {
    const { dialect, metrics, migration, catalogue, log } = this.options;
    try {
      const report = await inspectHealth(dialect, catalogue, () => new Date(this.now()));
      await exportHealthMetrics(metrics, migration, report);
      this.last = report;
      this.lastAt = this.now();
      return report;
    } catch (e) {
      metrics.healthRefreshErrors.inc({ migration });
      log?.warn({ err: e, migration }, 'health inspection failed; keeping the last values');
      return undefined;
    }
  }
}
