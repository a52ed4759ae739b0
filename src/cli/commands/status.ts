import type { Command } from '../command.js';
import { parseStatusConfig } from '../../config.js';
import { readStatus } from '../../engine/engine.js';
import { resolveCatalogue } from '../catalogue-source.js';
import { READ_ONLY, withDatabase } from '../database.js';
import { writeJson, writeLines } from '../output.js';
import { renderStatus } from '../render-status.js';

export const statusCommand: Command = {
  name: 'status',
  summary: 'applied phases with start, end, duration and indexes built (per index with --indexes)',
  usage: '[--indexes]',
  details: 'Reads the bookkeeping tables in the database; changes nothing.',
  options: {
    indexes: { type: 'boolean', description: 'also list every index build (attempts, times, errors)' },
  },
  async run(ctx) {
    const catalogue = await resolveCatalogue(ctx.global);
    const config = parseStatusConfig(ctx.values);
    const status = await withDatabase(
      ctx.global,
      ctx.log,
      (dialect) => readStatus({ dialect, log: ctx.log, signal: ctx.signal }, catalogue),
      READ_ONLY,
    );
    if (ctx.global.output === 'json') writeJson(ctx.io, status);
    else writeLines(ctx.io, renderStatus(status, config.indexes));
    return 0;
  },
};
