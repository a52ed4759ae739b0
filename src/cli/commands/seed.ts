import type { Command } from '../command.js';
import { UsageError } from '../../errors.js';
import { withDatabase } from '../database.js';
import { formatDuration, writeJson, writeLines } from '../output.js';
import { SCALES, parseScale } from '../../seed/scale.js';
import { seedDatabase, type SchemaVariant, type SeedReport } from '../../seed/seed.js';

const VARIANTS: readonly SchemaVariant[] = ['pre-epic', 'current'];

export const seedCommand: Command = {
  name: 'seed',
  summary: 'create the ContextForge schema (before the indexing plan) and fill it with synthetic data',
  usage: '[--scale small|10k|100k|1m] [--seed <n>] [--reset] [--schema pre-epic|current]',
  details: [
    'Deterministic: the same --seed gives the same rows. Refuses a database that has tables unless',
    '--reset, which drops only ContextForge and index_operator_* tables (never other tables).',
    '',
    'Examples:',
    '  index-operator seed --database sqlite:./data/cf.db --scale 100k',
    '  index-operator seed --database postgres://postgres@127.0.0.1:5432/cf --scale 1m --seed 7',
  ].join('\n'),
  options: {
    scale: {
      type: 'string',
      valueName: Object.keys(SCALES).join('|'),
      description: 'number of tools (the main entity); other tables follow (default small = 5,000 tools)',
    },
    seed: { type: 'string', valueName: '<n>', description: 'random seed of the data (default 1)' },
    reset: { type: 'boolean', description: 'drop existing ContextForge tables first' },
    schema: {
      type: 'string',
      valueName: VARIANTS.join('|'),
      description: 'pre-epic: before the plan (default); current: newest models + upstream plan indexes',
    },
    'schema-only': { type: 'boolean', description: 'create the schema without data' },
  },
  async run(ctx) {
    const scale = parseScale(str(ctx.values['scale']) ?? 'small');
    const seed = parseSeed(str(ctx.values['seed']) ?? '1');
    const schema = parseVariant(str(ctx.values['schema']) ?? 'pre-epic');
    const tools = ctx.values['schema-only'] === true ? 0 : SCALES[scale];
    const report = await withDatabase(
      ctx.global,
      ctx.log,
      (db) => seedDatabase(db, { tools, seed, schema, reset: ctx.values['reset'] === true }),
      { create: true },
    );
    if (ctx.global.output === 'json') writeJson(ctx.io, report);
    else writeLines(ctx.io, renderSeedReport(report));
    return 0;
  },
};

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

export function parseSeed(text: string): number {
  if (/^\d{1,9}$/.test(text)) return Number(text);
  throw new UsageError(`--seed must be a whole number (0-999999999), not '${text}'`, { reason: 'bad_input' });
}

function parseVariant(text: string): SchemaVariant {
  const v = VARIANTS.find((x) => x === text);
  if (v !== undefined) return v;
  throw new UsageError(`--schema must be one of ${VARIANTS.join(', ')}, not '${text}'`, {
    reason: 'bad_input',
  });
}

export function renderSeedReport(r: SeedReport): string[] {
  return [
    `schema ${r.schema}: ${r.tables} tables, ${r.indexes} indexes of the application's own (${formatDuration(r.schemaMs)})`,
    r.rows === 0
      ? 'data: none (schema only)'
      : `data: ${r.rows.toLocaleString('en-US')} rows in ${formatDuration(r.loadMs)} ` +
        `(${r.rowsPerSecond.toLocaleString('en-US')} rows/s); ANALYZE ${formatDuration(r.analyzeMs)}`,
  ];
}
