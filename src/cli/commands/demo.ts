import { accessSync, constants, existsSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
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
    'The default <data-dir> is ./data, or <tmpdir>/index-operator-demo when the working directory is not',
    'writable (a read-only container image), and a line says so.',
    'With --database postgres://…: the same against PostgreSQL; a database that already has tables needs',
    '--reset (drops only ContextForge and index_operator_* tables).',
    '',
    'Examples:',
    '  npm run demo',
    '  index-operator demo --database postgres://postgres@127.0.0.1:5432/demo --scale 10k',
  ].join('\n'),
  options: {
    'data-dir': {
      type: 'string',
      valueName: '<dir>',
      description: 'where demo.db goes (default ./data, else <tmpdir>/index-operator-demo)',
    },
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
    const step = json ? undefined : (text: string): void => void ctx.io.stdout.write(`… ${text}\n`);
    let global = ctx.global;
    if (global.databaseUrl === undefined) {
      const dir = demoDataDir(str(ctx.values['data-dir']));
      if (dir.note !== undefined) {
        if (step) step(dir.note);
        else ctx.log.warn({ dataDir: dir.path }, dir.note);
      }
      global = { ...global, databaseUrl: `sqlite:${freshDemoFile(dir.path)}` };
    }
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

/**
 * The data directory: --data-dir as given; else ./data when it exists or the working directory is
 * writable; else <tmpdir>/index-operator-demo (a container with a read-only root file system runs in
 * /app, where only /tmp is writable), with a note saying so.
 */
function demoDataDir(given: string | undefined): { readonly path: string; readonly note?: string } {
  if (given !== undefined) return { path: resolve(given) };
  const local = resolve('data');
  if (existsSync(local) || writable(process.cwd())) return { path: local };
  const path = join(tmpdir(), 'index-operator-demo');
  return {
    path,
    note: `the working directory ${process.cwd()} is not writable: demo.db goes to ${path} (--data-dir to choose)`,
  };
}

function writable(dir: string): boolean {
  try {
    accessSync(dir, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/** Creates the data directory and removes an earlier demo.db (and its WAL files). */
function freshDemoFile(dir: string): string {
  const path = join(dir, 'demo.db');
  try {
    mkdirSync(dir, { recursive: true });
    for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(`${path}${suffix}`, { force: true });
    accessSync(dir, constants.W_OK);
  } catch (e) {
    const code = e instanceof Error && 'code' in e ? ` (${String(e.code)})` : '';
    throw new UsageError(`--data-dir ${dir} cannot hold demo.db${code}: use a writable directory`, {
      reason: 'bad_input',
      cause: e,
    });
  }
  return path;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

function parseRuns(text: string): number {
  if (/^\d{1,3}$/.test(text) && Number(text) >= 1) return Number(text);
  throw new UsageError(`--runs must be a whole number from 1 to 999, not '${text}'`, { reason: 'bad_input' });
}
