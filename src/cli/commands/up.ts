import { hostname } from 'node:os';
import type { Command } from '../command.js';
import { ON_FAILURE_MODES, parseUpConfig } from '../../config.js';
import { DEFAULT_RUN_OPTIONS, applyPhases } from '../../engine/engine.js';
import { phaseNames, resolveCatalogue } from '../catalogue-source.js';
import { withDatabase } from '../database.js';
import { formatDuration, writeJson, writeLines } from '../output.js';
import { createProgress } from '../progress.js';
import { renderRunReport } from '../render-run.js';
import { RUN_FLAGS, THROTTLE_FLAGS, definedOnly, runnerOwner } from '../run-flags.js';
import {
  METRICS_FLAGS,
  combineObservers,
  parseMetricsFlags,
  startRunMetrics,
} from '../../metrics/run-metrics.js';

const D = DEFAULT_RUN_OPTIONS;

export const upCommand: Command = {
  name: 'up',
  summary:
    'apply phases: build their indexes (PostgreSQL: CONCURRENTLY), timed and recorded, rolled back on failure',
  usage:
    '[--phases <a,b,…>] [--concurrency <n>] [--lock-timeout <d>] [--retries <n>] [--on-failure <mode>] …',
  details: [
    'Durations: 250ms, 5s, 2m, 1h. A phase already applied with the same definitions is left unchanged;',
    'an INVALID leftover of an earlier crash is dropped and rebuilt. Exit 1 when a phase fails.',
    '',
    'Examples:',
    '  index-operator up --database sqlite:./app.db --catalogue example',
    '  index-operator up --database postgres://app@db:5432/app --phases core,teams --concurrency 2 --lock-timeout 5s',
  ].join('\n'),
  options: {
    ...RUN_FLAGS,
    ...THROTTLE_FLAGS,
    ...METRICS_FLAGS,
    concurrency: {
      type: 'string',
      valueName: '<n>',
      description: `index builds at once, never two on one table (default ${D.concurrency})`,
    },
    retries: {
      type: 'string',
      valueName: '<n>',
      description: `retries of a transient failure such as a lock timeout (default ${D.retries.limit})`,
    },
    'retry-backoff': {
      type: 'string',
      valueName: '<duration>',
      description: `first retry delay, doubled each retry (default ${formatDuration(D.retries.backoffMs)})`,
    },
    'on-failure': {
      type: 'string',
      valueName: ON_FAILURE_MODES.join('|'),
      description: `what a failed phase does (default ${D.onFailure})`,
    },
  },
  async run(ctx) {
    const catalogue = await resolveCatalogue(ctx.global);
    const config = parseUpConfig(ctx.values, phaseNames(catalogue), D);
    const json = ctx.global.output === 'json';
    const metricsFlags = parseMetricsFlags(ctx.values);
    const progress = json ? undefined : createProgress(ctx.io.stdout);
    const report = await withDatabase(ctx.global, ctx.log, async (dialect) => {
      const exporter = metricsFlags
        ? await startRunMetrics({
            ...metricsFlags,
            dialect,
            catalogue,
            migration: catalogue.name,
            log: ctx.log,
          })
        : undefined;
      const observer = combineObservers(progress?.observer, exporter?.observer);
      const steps = ctx.io.steps === undefined ? {} : { steps: ctx.io.steps };
      return applyPhases({ dialect, log: ctx.log, signal: ctx.signal, observer, ...steps }, catalogue, {
        ...definedOnly(config),
        owner: runnerOwner(process.pid, hostname()),
      }).finally(() => exporter?.close());
    }).finally(() => progress?.stop());
    if (json) writeJson(ctx.io, report);
    else writeLines(ctx.io, renderRunReport(report));
    return report.ok ? 0 : 1;
  },
};
