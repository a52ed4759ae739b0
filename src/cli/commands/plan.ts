import type { Command } from '../command.js';
import { parsePlanConfig } from '../../config.js';
import { planRun } from '../../engine/engine.js';
import { phaseNames, resolveCatalogue } from '../catalogue-source.js';
import { READ_ONLY, withDatabase } from '../database.js';
import { writeJson, writeLines } from '../output.js';
import { renderPlan } from '../render-plan.js';
import { PHASES_FLAG } from '../run-flags.js';

export const planCommand: Command = {
  name: 'plan',
  summary:
    'show, per phase and index, what `up` would do (create / exists / invalid→rebuild / conflict / skip)',
  usage: '[--phases <a,b,…>]',
  details: 'Introspects the database and reads the bookkeeping; changes nothing.',
  options: PHASES_FLAG,
  async run(ctx) {
    const catalogue = await resolveCatalogue(ctx.global);
    const config = parsePlanConfig(ctx.values, phaseNames(catalogue));
    const plan = await withDatabase(
      ctx.global,
      ctx.log,
      (dialect) =>
        planRun({ dialect, log: ctx.log, signal: ctx.signal }, catalogue, { phases: config.phases }),
      READ_ONLY,
    );
    if (ctx.global.output === 'json') writeJson(ctx.io, plan);
    else writeLines(ctx.io, renderPlan(plan));
    return 0;
  },
};
