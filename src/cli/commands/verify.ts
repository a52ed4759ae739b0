import type { Command } from '../command.js';
import { UsageError } from '../../errors.js';
import { parsePlanConfig } from '../../config.js';
import { phaseNames, resolveCatalogue } from '../catalogue-source.js';
import { READ_ONLY, withDatabase } from '../database.js';
import { writeJson, writeLines } from '../output.js';
import { DEFAULT_LARGE_TABLE_ROWS, formatVerifyReport, runVerify } from '../../verify/verify.js';

export const verifyCommand: Command = {
  name: 'verify',
  summary: "EXPLAIN the catalogue's hot queries; exit 1 if one scans a large table sequentially",
  usage: '[--phases <a,b,…>] [--large-table-rows <n>]',
  details: [
    'PostgreSQL: EXPLAIN (FORMAT JSON); SQLite: EXPLAIN QUERY PLAN. Parameters are bound, taken from the',
    'data; no planner setting is changed. Run ANALYZE first on a freshly loaded database.',
    'With --phases, a hot query that needs a phase outside the list is reported as not covered by the',
    'selected phases and does not fail the run.',
  ].join('\n'),
  options: {
    phases: {
      type: 'string',
      valueName: '<a,b,…>',
      description: 'check only the hot queries these phases serve (default: all phases)',
    },
    'large-table-rows': {
      type: 'string',
      valueName: '<n>',
      description: `a table with this many rows or more must not be scanned (default ${DEFAULT_LARGE_TABLE_ROWS})`,
    },
  },
  async run(ctx) {
    const catalogue = await resolveCatalogue(ctx.global);
    const raw = ctx.values['large-table-rows'];
    const largeTableRows = typeof raw === 'string' ? parseCount(raw) : DEFAULT_LARGE_TABLE_ROWS;
    const { phases } = parsePlanConfig(ctx.values, phaseNames(catalogue));
    const report = await withDatabase(
      ctx.global,
      ctx.log,
      (db) => runVerify(db, catalogue.hotQueries, { largeTableRows, ...(phases ? { phases } : {}) }),
      READ_ONLY,
    );
    if (ctx.global.output === 'json') writeJson(ctx.io, report);
    else writeLines(ctx.io, [formatVerifyReport(report)]);
    return report.ok ? 0 : 1;
  },
};

function parseCount(text: string): number {
  if (/^\d{1,12}$/.test(text)) return Number(text);
  throw new UsageError(`--large-table-rows must be a whole number, not '${text}'`, { reason: 'bad_input' });
}
