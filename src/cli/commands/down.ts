import { hostname } from 'node:os';
import type { Command } from '../command.js';
import { parseDownConfig } from '../../config.js';
import { rollbackPhases } from '../../engine/engine.js';
import { phaseNames, resolveCatalogue } from '../catalogue-source.js';
import { withDatabase } from '../database.js';
import { writeJson, writeLines } from '../output.js';
import { createProgress } from '../progress.js';
import { renderRunReport } from '../render-run.js';
import { RUN_FLAGS, definedOnly, runnerOwner } from '../run-flags.js';

export const downCommand: Command = {
  name: 'down',
  summary: 'roll phases back, newest first: drop the indexes index-operator built (never anyone else’s)',
  usage: '[--phases <a,b,…> | --to <phase>] [--lock-timeout <d>] …',
  details: [
    'Without --phases or --to every applied phase is rolled back. --to <phase> rolls back the phases',
    'newer than <phase> (it stays applied).',
    '',
    'Examples:',
    '  index-operator down --database sqlite:./app.db --catalogue example --phases reporting',
    '  index-operator down --database sqlite:./app.db --catalogue example --to core',
  ].join('\n'),
  options: {
    ...RUN_FLAGS,
    phases: {
      type: 'string',
      valueName: '<a,b,…>',
      description: 'comma-separated phase names (default: every applied phase), rolled back newest first',
    },
    to: {
      type: 'string',
      valueName: '<phase>',
      description: 'roll back every phase newer than this one (it stays applied); not with --phases',
    },
  },
  async run(ctx) {
    const catalogue = await resolveCatalogue(ctx.global);
    const known = phaseNames(catalogue);
    const { to, ...config } = parseDownConfig(ctx.values, known);
    const phases = config.phases;
    const json = ctx.global.output === 'json';
    const progress = json ? undefined : createProgress(ctx.io.stdout);
    const report = await withDatabase(ctx.global, ctx.log, (dialect) =>
      rollbackPhases(
        {
          dialect,
          log: ctx.log,
          signal: ctx.signal,
          ...(progress ? { observer: progress.observer } : {}),
          ...(ctx.io.steps === undefined ? {} : { steps: ctx.io.steps }),
        },
        catalogue,
        { ...definedOnly({ ...config, phases, to }), owner: runnerOwner(process.pid, hostname()) },
      ),
    ).finally(() => progress?.stop());
    if (json) writeJson(ctx.io, report);
    else writeLines(ctx.io, renderRunReport(report));
    return report.ok ? 0 : 1;
  },
};
