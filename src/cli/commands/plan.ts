import type { Command } from '../command.js';
import { parsePlanConfig } from '../../config.js';
import { DEFAULT_SPEED_PROBE_TIMEOUT_MS, planRun } from '../../engine/engine.js';
import { phaseNames, resolveCatalogue } from '../catalogue-source.js';
import { READ_ONLY, withDatabase } from '../database.js';
import { formatDuration, writeJson, writeLines } from '../output.js';
import { renderPlan } from '../render-plan.js';
import { PHASES_FLAG } from '../run-flags.js';

export const planCommand: Command = {
  name: 'plan',
  summary:
    'show, per phase and index, what `up` would do (create / exists / invalid→rebuild / conflict / skip)',
  usage: '[--phases <a,b,…>] [--speed-probe-timeout <duration>]',
  details:
    'Introspects the database and reads the bookkeeping; changes nothing. Without enough recorded builds ' +
    "of this database, the estimate measures the server's speed first with a short read-only probe (a sort " +
    'of generated rows, a fraction of a second).',
  options: {
    ...PHASES_FLAG,
    'speed-probe-timeout': {
      type: 'string',
      valueName: '<duration>',
      description: `bound of the estimate's speed probe; past it the default rates stand (default ${formatDuration(DEFAULT_SPEED_PROBE_TIMEOUT_MS)}; 0 = no probe)`,
    },
  },
  async run(ctx) {
    const catalogue = await resolveCatalogue(ctx.global);
    const config = parsePlanConfig(ctx.values, phaseNames(catalogue), DEFAULT_SPEED_PROBE_TIMEOUT_MS);
    const plan = await withDatabase(
      ctx.global,
      ctx.log,
      (dialect) =>
        planRun({ dialect, log: ctx.log, signal: ctx.signal }, catalogue, {
          phases: config.phases,
          speedProbeTimeoutMs: config.speedProbeTimeoutMs,
        }),
      READ_ONLY,
    );
    if (ctx.global.output === 'json') writeJson(ctx.io, plan);
    else writeLines(ctx.io, renderPlan(plan));
    return 0;
  },
};
