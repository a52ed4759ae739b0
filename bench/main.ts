/**
 * `npm run bench -- --dialect postgresql|sqlite|mariadb --scale 10k|100k|1m --runs N`
 * Writes bench/results/<dialect>-<scale>-<date>.json, a Markdown report beside it, and its SVG charts.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadBuiltInCatalogue } from '../src/catalogue/registry.js';
import { openDialect } from '../src/dialects/open-dialect.js';
import { createLogger } from '../src/log.js';
import type { Logger } from 'pino';
import { SCALES, parseScale, type ScaleName } from '../src/seed/scale.js';
import { OPTIONAL_SECTIONS } from './bench-result.js';
import { freshSeed } from './bench-seed.js';
import { parseDeadline, parseSkip } from './sections.js';
import { writeReport } from './report.js';
import { runBench } from './run-bench.js';

const USAGE = `usage: npm run bench -- [--dialect postgresql|sqlite|mariadb] [--scale ${Object.keys(SCALES).join('|')}] [--runs N]
  [--database URL] [--out DIR] [--concurrency N] [--seed N] [--writer-interval MS]
  [--load-clients N] [--load-seconds N] [--reuse-seed] [--seed-only] [--query-budget-seconds N]
  [--skip mix,engine-cost,write-impact] [--deadline HH:MM|ISO-time] [--fixed-cost-rounds N]
  --seed-only   seed the database (leaving a marker of what was loaded) and stop
  --reuse-seed  skip seeding when the database holds this scale's seed (same seed number, schema and data
                generator version, per the marker); refuses a database whose seed differs
  --query-budget-seconds N  stop repeating a hot query once its timed runs add up to N s (at least 3
                runs; the report gives the runs made)
  --skip        leave these sections out (reported as not run)
  --deadline    leave out engine-cost / write-impact when its predicted time (full builds as long as the
                main apply) would end past this time (UTC); reported as not run, with the prediction
  --fixed-cost-rounds N  engine cost: rounds of direct and engine at concurrency 1, in alternating
                order (default 2; see bench/fixed-cost.ts)`;

const { values } = parseArgs({
  options: {
    dialect: { type: 'string', default: 'sqlite' },
    scale: { type: 'string', default: '10k' },
    runs: { type: 'string', default: '15' },
    database: { type: 'string' },
    out: { type: 'string', default: 'bench/results' },
    concurrency: { type: 'string', default: '2' },
    seed: { type: 'string', default: '42' },
    'writer-interval': { type: 'string', default: '5' },
    'load-clients': { type: 'string', default: '8' },
    'load-seconds': { type: 'string', default: '30' },
    'reuse-seed': { type: 'boolean', default: false },
    'seed-only': { type: 'boolean', default: false },
    'query-budget-seconds': { type: 'string' },
    skip: { type: 'string' },
    deadline: { type: 'string' },
    'fixed-cost-rounds': { type: 'string', default: '2' },
    help: { type: 'boolean', default: false },
  },
});

function positive(name: string, text: string | undefined): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1)
    throw new Error(`--${name} must be a positive whole number, got '${text}'\n${USAGE}`);
  return n;
}

/** The bench's own database when --database names none: a file, or a database on the local server. */
const DEFAULT_DATABASE: Readonly<
  Record<'postgresql' | 'sqlite' | 'mariadb', (file: string) => Promise<string>>
> = {
  sqlite: (file) => Promise.resolve(`sqlite:${file}`),
  postgresql: () =>
    benchDatabase(
      'postgres://postgres@127.0.0.1:5432',
      'postgres',
      'SELECT 1 AS x FROM pg_database WHERE datname = $1',
    ),
  mariadb: () =>
    benchDatabase(
      'mariadb://root@127.0.0.1:3306',
      // A URL names a database; the server's own `mysql` schema is there to connect to.
      'mysql',
      'SELECT 1 AS x FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = $1',
    ),
};

if (values.help) {
  console.log(USAGE);
} else {
  const dialect = values.dialect;
  if (dialect !== 'postgresql' && dialect !== 'sqlite' && dialect !== 'mariadb')
    throw new Error(`--dialect must be postgresql, sqlite or mariadb\n${USAGE}`);
  const scale = parseScale(values.scale ?? '10k');
  const date = new Date().toISOString().slice(0, 10);
  const stem = `${dialect}-${scale}-${date}`;
  const out = values.out ?? 'bench/results';
  mkdirSync(join(out, 'tmp'), { recursive: true });
  const databaseUrl = values.database ?? (await DEFAULT_DATABASE[dialect](join(out, 'tmp', `${stem}.db`)));
  const log = createLogger({ level: process.env['LOG_LEVEL'] ?? 'info' });
  if (values['seed-only']) {
    const db = await openDialect(databaseUrl);
    try {
      const m = await freshSeed(db, { scale, tools: SCALES[scale], seed: positive('seed', values.seed) });
      console.log(
        `seeded ${m.rows} rows in ${m.loadSeconds.toFixed(0)} s (${m.rowsPerSecond} rows/s), ` +
          `scale ${m.scale}, seed ${m.seed}, schema ${m.schema}, generator ${m.generator}`,
      );
    } finally {
      await db.close();
    }
  } else {
    await bench(databaseUrl, scale, stem, out, log);
  }
}

async function bench(
  databaseUrl: string,
  scale: ScaleName,
  stem: string,
  out: string,
  log: Logger,
): Promise<void> {
  const result = await runBench({
    databaseUrl,
    scale,
    tools: SCALES[scale],
    runs: positive('runs', values.runs),
    seed: positive('seed', values.seed),
    reuseSeed: values['reuse-seed'] ?? false,
    ...(values['query-budget-seconds'] === undefined
      ? {}
      : { queryBudgetSeconds: positive('query-budget-seconds', values['query-budget-seconds']) }),
    sections: {
      skip: parseSkip(values.skip, OPTIONAL_SECTIONS),
      ...(values.deadline === undefined ? {} : { deadlineMs: parseDeadline(values.deadline, new Date()) }),
    },
    catalogue: loadBuiltInCatalogue('contextforge'),
    concurrency: positive('concurrency', values.concurrency),
    fixedCostRounds: positive('fixed-cost-rounds', values['fixed-cost-rounds']),
    writerIntervalMs: positive('writer-interval', values['writer-interval']),
    loadClients: positive('load-clients', values['load-clients']),
    loadSeconds: positive('load-seconds', values['load-seconds']),
    log,
    openDatabase: (url) => openDialect(url),
  });
  const written = await writeReport(result, out, stem);
  console.log(`wrote ${written.markdown}\n      ${written.json}\n      ${written.charts.join('\n      ')}`);
}

/** A database of its own on the local server, created when missing. */
async function benchDatabase(server: string, adminDb: string, exists: string): Promise<string> {
  const name = 'index_operator_bench';
  const admin = await openDialect(`${server}/${adminDb}`);
  try {
    const rows = await admin.query(exists, [name]);
    if (rows.length === 0) await admin.execute(`CREATE DATABASE ${admin.quoteIdentifier(name)}`);
  } finally {
    await admin.close();
  }
  return `${server}/${name}`;
}
