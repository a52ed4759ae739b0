import { mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from '../command.js';
import { UsageError } from '../../errors.js';
import { resolveCatalogue } from '../catalogue-source.js';
import { withDatabase } from '../database.js';
import { writeJson, writeLines } from '../output.js';
import { SCALES, parseScale } from '../../seed/scale.js';
import { runDemo } from '../../verify/demo.js';
import { renderDemoReport } from '../../verify/render-demo.js';
import { parseSeed } from './seed.js';

const DEFAULT_SCALE = '100k';

export const demoCommand: Command = {
  name: 'demo',
  summary: 'seed an embedded SQLite database, time the hot queries, apply all phases, time them again',
  usage: '[--data-dir <dir>] [--scale small|10k|100k|1m] [--runs <n>] [--seed <n>] [--reset]',
  details: [
    'With no --database: SQLite file <data-dir>/demo.db, recreated on every run (no set-up needed).',
    'With --database postgres://…: the same against PostgreSQL; a database that already has tables needs',
    '--reset (drops only ContextForge and index_operator_* tables).',
    '',
    'Examples:',
    '  npm run demo',
    '  index-operator demo --database postgres://postgres@127.0.0.1:5432/demo --scale 10k',
  ].join('\n'),
  options: {
    'data-dir': { type: 'string', valueName: '<dir>', description: 'where demo.db goes (default ./data)' },
    scale: {
      type: 'string',
      valueName: Object.keys(SCALES).join('|'),
      description: `number of tools; other tables follow (default ${DEFAULT_SCALE})`,
    },
    runs: {
      type: 'string',
      valueName: '<n>',
      description: 'timed runs per query, median reported (default 5)',
    },
    seed: { type: 'string', valueName: '<n>', description: 'random seed of the data (default 1)' },
    reset: { type: 'boolean', description: 'PostgreSQL: drop existing ContextForge tables first' },
  },
  async run(ctx) {
    const catalogue = await resolveCatalogue(ctx.global);
    const scale = parseScale(str(ctx.values['scale']) ?? DEFAULT_SCALE);
    const runs = parseRuns(str(ctx.values['runs']) ?? '5');
    const seed = parseSeed(str(ctx.values['seed']) ?? '1');
    const json = ctx.global.output === 'json';
    const global =
      ctx.global.databaseUrl === undefined
        ? { ...ctx.global, databaseUrl: `sqlite:${freshDemoFile(str(ctx.values['data-dir']) ?? 'data')}` }
        : ctx.global;
    const step = json ? undefined : (text: string): void => void ctx.io.stdout.write(`… ${text}\n`);
    const report = await withDatabase(
      global,
      ctx.log,
      (db) =>
        runDemo(db, catalogue, ctx.log, {
          tools: SCALES[scale],
          seed,
          runs,
          reset: ctx.values['reset'] === true,
          signal: ctx.signal,
          ...(step ? { step } : {}),
        }),
      { create: true },
    );
    if (json) writeJson(ctx.io, report);
    else writeLines(ctx.io, renderDemoReport(report));
    return report.ok ? 0 : 1;
  },
};

/** Creates the data directory and removes an earlier demo.db (and its WAL files). */
function freshDemoFile(dir: string): string {
  const path = join(resolve(dir), 'demo.db');
  mkdirSync(resolve(dir), { recursive: true });
  for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(`${path}${suffix}`, { force: true });
  return path;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

function parseRuns(text: string): number {
  if (/^\d{1,3}$/.test(text) && Number(text) >= 1) return Number(text);
  throw new UsageError(`--runs must be a whole number from 1 to 999, not '${text}'`, { reason: 'bad_input' });
}
