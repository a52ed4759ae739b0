/**
 * `npx tsx bench/fixed-cost.ts --database URL [--rounds N] [--phases a,b] [--output text|json]`
 * The engine's fixed cost on an already seeded database (see measure-fixed-cost.ts): per round the
 * direct and engine seconds (wall, and this process's CPU), then the ratio and the overhead per index from
 * each. On SQLite the CPU figure is the one to hold the engine to on a loaded machine (it holds the database's
 * work too, and not the waits for a core); on PostgreSQL and MariaDB it is the client's only. Leaves the
 * catalogue rolled back.
 */
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { loadBuiltInCatalogue } from '../src/catalogue/registry.js';
import { openDialect } from '../src/dialects/open-dialect.js';
import { createLogger } from '../src/log.js';
import { measureFixedCost, type FixedCostResult } from './measure-fixed-cost.js';
import { round } from './stats.js';

const USAGE =
  'usage: npx tsx bench/fixed-cost.ts --database URL [--rounds N] [--phases a,b] [--output text|json]';

const { values } = parseArgs({
  options: {
    database: { type: 'string' },
    rounds: { type: 'string', default: '4' },
    phases: { type: 'string' },
    output: { type: 'string', default: 'text' },
    help: { type: 'boolean', default: false },
  },
});

if (values.help) {
  console.log(USAGE);
} else {
  const url = values.database ?? process.env['DATABASE_URL'];
  if (url === undefined) throw new Error(`--database is required\n${USAGE}`);
  const rounds = Number(values.rounds);
  if (!Number.isInteger(rounds) || rounds < 1)
    throw new Error(`--rounds must be a positive whole number\n${USAGE}`);
  const db = await openDialect(url);
  const loadAtStart = loadavg();
  try {
    const log = createLogger({ level: process.env['LOG_LEVEL'] ?? 'warn' });
    const result = await measureFixedCost(
      { dialect: db, log },
      {
        catalogue: loadBuiltInCatalogue('contextforge'),
        rounds,
        ...(values.phases === undefined ? {} : { phases: values.phases.split(',') }),
      },
    );
    const load = { start: loadAtStart, end: loadavg() };
    console.log(
      values.output === 'json' ? JSON.stringify({ ...result, load }, null, 2) : text(db.target, result, load),
    );
  } finally {
    await db.close();
  }
}

function text(target: string, r: FixedCostResult, load: { start: number[]; end: number[] }): string {
  const f = (n: number): string => String(round(n));
  return [
    `${target}: ${r.indexes} indexes, ${r.rounds.length} rounds`,
    ...r.rounds.map(
      (x, i) =>
        `round ${i + 1} (${x.first} first): direct ${f(x.directSeconds)} s, engine ${f(x.engineSeconds)} s; ` +
        `cpu direct ${f(x.directCpuSeconds)} s, engine ${f(x.engineCpuSeconds)} s`,
    ),
    `wall: direct ${f(r.directSeconds)} s, engine ${f(r.engineSeconds)} s: ratio ${f(r.ratio)}x, ` +
      `overhead ${f(r.overheadMsPerIndex)} ms per index`,
    `cpu of this process: direct ${f(r.directCpuSeconds)} s, engine ${f(r.engineCpuSeconds)} s: ` +
      `ratio ${f(r.cpuRatio)}x, overhead ${f(r.cpuOverheadMsPerIndex)} ms per index`,
    `load average (1/5/15 min) ${load.start.map(f).join(' / ')} at start, ${load.end.map(f).join(' / ')} at end`,
  ].join('\n');
}
