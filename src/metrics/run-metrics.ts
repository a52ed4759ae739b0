/**
 * Metrics for one `up` run outside the operator (`index-operator up --metrics-port <port>`): a registry,
 * the metrics observer with live build progress, the catalogue's health (refreshed before a scrape when
 * older than a few seconds), all served on /metrics until the run ends.
 */
import type { Catalogue } from '../catalogue/catalogue.js';
import type { Dialect } from '../dialects/dialect.js';
import { RUN_OBSERVER_EVENTS, type RunObserver } from '../engine/run-observer.js';
import { Problems, integerFlag, str } from '../config.js';
import { HealthMonitor } from '../health/health-monitor.js';
import type { Logger } from '../log.js';
import { Registry } from 'prom-client';
import { createMetrics, type Metrics } from './metrics.js';
import { metricsObserver } from './metrics-observer.js';
import { startMetricsServer } from './metrics-server.js';
import { ProgressPoller } from './progress-poller.js';

export const METRICS_FLAGS = {
  'metrics-port': {
    type: 'string',
    valueName: '<port>',
    description:
      'serve Prometheus /metrics (build progress, durations, health) while the run lasts (default: off)',
  },
  'metrics-address': {
    type: 'string',
    valueName: '<addr>',
    description: 'address the metrics server binds (default 127.0.0.1; 0.0.0.0 in a pod)',
  },
} as const;

export interface MetricsFlags {
  readonly port: number;
  readonly host: string;
}

/** `--metrics-port` / `--metrics-address`; undefined when no port is given. */
export function parseMetricsFlags(values: Readonly<Record<string, unknown>>): MetricsFlags | undefined {
  if (values['metrics-port'] === undefined) return undefined;
  const problems = new Problems();
  const port = integerFlag('--metrics-port', values['metrics-port'], 0, { min: 0, max: 65535 }, problems);
  problems.done();
  return { port, host: str(values['metrics-address']) ?? '127.0.0.1' };
}

export interface RunMetricsOptions extends MetricsFlags {
  readonly dialect: Dialect;
  readonly catalogue: Catalogue;
  /** `migration` label value; the CLI passes the catalogue's name. */
  readonly migration: string;
  readonly version?: string;
  readonly log?: Logger;
  readonly progressIntervalMs?: number;
  readonly healthMaxAgeMs?: number;
}

export interface RunMetrics {
  readonly metrics: Metrics;
  readonly observer: RunObserver;
  readonly url: string;
  close(): Promise<void>;
}

export async function startRunMetrics(options: RunMetricsOptions): Promise<RunMetrics> {
  const { dialect, catalogue, migration, log } = options;
  const registry = new Registry();
  const metrics = createMetrics(registry, { version: options.version ?? 'unknown' });
  const progress = new ProgressPoller({
    dialect,
    metrics,
    migration,
    ...(options.progressIntervalMs === undefined ? {} : { intervalMs: options.progressIntervalMs }),
    ...(log ? { log } : {}),
  });
  const health = new HealthMonitor({
    dialect,
    metrics,
    migration,
    catalogue,
    maxAgeMs: options.healthMaxAgeMs ?? 5_000,
    ...(log ? { log } : {}),
  });
  const server = await startMetricsServer({
    port: options.port,
    host: options.host,
    registry,
    beforeScrape: () => health.refreshIfStale(),
    ...(log ? { log } : {}),
  });
  log?.info({ metrics: `${server.url}/metrics` }, 'serving metrics');
  return {
    metrics,
    observer: metricsObserver({ metrics, migration, progress }),
    url: server.url,
    async close() {
      progress.stop();
      await progress.idle();
      await health.stop();
      await server.close();
    },
  };
}

/** One observer that calls each given observer in turn (undefined ones are left out). */
export function combineObservers(...observers: readonly (RunObserver | undefined)[]): RunObserver {
  const present = observers.filter((o): o is RunObserver => o !== undefined);
  const combined: Record<string, (e: never) => void> = {};
  for (const event of RUN_OBSERVER_EVENTS) {
    combined[event] = (e: never) => {
      for (const o of present) o[event]?.call(o, e);
    };
  }
  return combined;
}
