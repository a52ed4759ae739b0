import type { Command } from '../command.js';
import { inspectHealth } from '../../health/health-inspector.js';
import { renderHealth } from '../../health/render-health.js';
import { resolveCatalogue } from '../catalogue-source.js';
import { READ_ONLY, withDatabase } from '../database.js';
import { writeJson, writeLines } from '../output.js';

export const healthCommand: Command = {
  name: 'health',
  summary:
    'index health report: invalid, missing, unused, duplicate/overlapping, unindexed foreign keys, sizes, scans',
  usage: '[--all-tables]',
  details:
    'Inspects the tables of the catalogue (or every table with --all-tables); changes nothing.\n' +
    'Exit 1 when an index is INVALID or a foreign key has no index; notes (missing, unused, duplicate)\n' +
    'do not fail. On SQLite only structure is checked (no usage statistics): the report says so.',
  options: {
    'all-tables': {
      type: 'boolean',
      description: "inspect every table of the schema, not only the catalogue's",
    },
  },
  async run(ctx) {
    const catalogue = ctx.values['all-tables'] === true ? undefined : await resolveCatalogue(ctx.global);
    const report = await withDatabase(
      ctx.global,
      ctx.log,
      (dialect) => inspectHealth(dialect, catalogue),
      READ_ONLY,
    );
    if (ctx.global.output === 'json') writeJson(ctx.io, report);
    else writeLines(ctx.io, renderHealth(report));
    return report.ok ? 0 : 1;
  },
};
