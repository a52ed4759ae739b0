/**
 * `npx tsx bench/fixed-cost.ts --database URL [--rounds N] [--phases a,b] [--sample-activity]
 *   [--output text|json]`
 * The engine's fixed cost on an already seeded database (see measure-fixed-cost.ts): per round the
 * direct and engine seconds (wall, and this process's CPU), then the ratio and the overhead per index from
 * each. On SQLite the CPU figure is the one to hold the engine to on a loaded machine (it holds the database's
 * work too, and not the waits for a core); on PostgreSQL and MariaDB it is the client's only. Leaves the
 * catalogue rolled back. On PostgreSQL also the split at the statements (statement-split.ts: the fixed
 * cost proper outside the statements, the paired statement ratio, the whole ratio rebuilt from them),
 * and with --sample-activity where each side's sessions spent their time (activity-sampler.ts).
 */
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { loadBuiltInCatalogue } from '../src/catalogue/registry.js';
import { openDialect } from '../src/dialects/open-dialect.js';
import { createLogger } from '../src/log.js';
import { ActivitySampler, type ActivitySummary } from './activity-sampler.js';
import { measureFixedCost, type FixedCostResult } from './measure-fixed-cost.js';
import { round } from './stats.js';

const USAGE =
  'usage: npx tsx bench/fixed-cost.ts --database URL [--rounds N] [--phases a,b] [--sample-activity] ' +
  '[--output text|json]';

const { values } = parseArgs({
  options: {
    database: { type: 'string' },
    rounds: { type: 'string', default: '4' },
    phases: { type: 'string' },
    output: { type: 'string', default: 'text' },
    'sample-activity': { type: 'boolean', default: false },
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
  const monitor = values['sample-activity'] ? await openMonitor(url, db.name) : undefined;
  const loadAtStart = loadavg();
  try {
    const log = createLogger({ level: process.env['LOG_LEVEL'] ?? 'warn' });
    const sampler = monitor && new ActivitySampler(monitor.db, monitor.database);
    const result = await measureFixedCost(
      { dialect: db, log },
      {
        catalogue: loadBuiltInCatalogue('contextforge'),
        rounds,
        ...(values.phases === undefined ? {} : { phases: values.phases.split(',') }),
        onSide: (side) => sampler?.label(side),
      },
    );
    const activity = await sampler?.stop();
    const load = { start: loadAtStart, end: loadavg() };
    console.log(
      values.output === 'json'
        ? JSON.stringify({ ...result, ...(activity ? { activity } : {}), load }, null, 2)
        : text(db.target, result, load, activity),
    );
  } finally {
    await monitor?.db.close();
    await db.close();
  }
}

/** The sampler's own connection, to the server's `postgres` database (see activity-sampler.ts). */
async function openMonitor(url: string, dialect: string) {
  if (dialect !== 'postgresql') throw new Error(`--sample-activity: PostgreSQL only\n${USAGE}`);
  const u = new URL(url);
  const database = decodeURIComponent(u.pathname.replace(/^\//, ''));
  u.pathname = '/postgres';
  return { db: await openDialect(u.toString()), database };
}

function text(
  target: string,
  r: FixedCostResult,
  load: { start: number[]; end: number[] },
  activity: ActivitySummary | undefined,
): string {
  const f = (n: number): string => String(round(n));
  const s = r.statements;
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
    ...(s
      ? [
          `inside CREATE INDEX: direct ${f(s.directBuildSeconds)} s, engine ${f(s.engineBuildSeconds)} s; ` +
            `inside ANALYZE: direct ${f(s.directAnalyzeSeconds)} s, engine ${f(s.engineAnalyzeSeconds)} s; ` +
            `outside: direct ${f(s.directOutsideSeconds)} s, engine ${f(s.engineOutsideSeconds)} s`,
          `(a) fixed cost outside the statements: ${f(s.outsideOverheadMsPerIndex)} ms per index ` +
            `(rounds ${s.outsideOverheadMsPerIndexByRound.map(f).join(', ')})`,
          `(b) CREATE INDEX engine / direct, paired by index and round (${s.buildPairs} pairs): ` +
            `median ${f(s.buildRatioMedian)}x, geometric mean ${f(s.buildRatioGeomean)}x, time-weighted ` +
            `${f(s.buildRatioSum)}x (rounds, median / geometric / weighted: ` +
            `${s.buildRatioByRound.map((x) => `${f(x.median)}x / ${f(x.geomean)}x / ${f(x.sum)}x`).join(', ')}); ` +
            `ANALYZE ${f(s.analyzeRatioGeomean)}x`,
          `(c) whole call ${f(r.ratio)}x; rebuilt from the parts (direct + (a) + statements at (b) ` +
            `when above 1): ` +
            `${f(s.partsRatio)}x`,
          ...(s.recordedOverStatementMs === undefined
            ? []
            : [
                `the engine's recorded build duration exceeds its statement by ${f(s.recordedOverStatementMs)} ms ` +
                  'per index on average (build row insert, pre-build checks)',
              ]),
        ]
      : []),
    ...(activity ? describeActivity(activity) : []),
    `load average (1/5/15 min) ${load.start.map(f).join(' / ')} at start, ${load.end.map(f).join(' / ')} at end`,
  ].join('\n');
}

/** The sampled time per side, largest first. */
function describeActivity(a: ActivitySummary): string[] {
  const f = (n: number): string => String(round(n));
  const top = (t: Readonly<Record<string, number>>, n: number): string[] =>
    Object.entries(t)
      .sort((x, y) => y[1] - x[1])
      .slice(0, n)
      .map(([k, v]) => `    ${f(v)} s  ${k}`);
  return Object.entries(a.sides).flatMap(([side, s]) => [
    `activity, ${side} side (${s.samples} samples every ${a.intervalMs} ms): sessions (role | state | wait)`,
    ...top(s.sessions, 14),
    `  CIC phases:`,
    ...top(s.cicPhases, 10),
    `  held by other sessions while a build waited:`,
    ...top(s.heldDuringWaits, 10),
  ]);
}
