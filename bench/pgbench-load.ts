/**
 * The request mix on PostgreSQL, sent by pgbench: one custom script per statement of the mix, weighted
 * (`-f script@weight`), from `clients` connections for `seconds`, prepared statements (`-M prepared`, as
 * psycopg 3 prepares a statement it runs repeatedly), each transaction logged (`--log`) with its script
 * and latency, per-statement averages (`-r`).
 *
 * pgbench draws numbers, not the ids and emails of the data: each script draws a row number
 * (`\set k random(1, n)`) and reads that row's parameters from a small keyed table
 * (`SELECT p1.. FROM iop_bench_load_params WHERE q = .. AND k = :k \gset`), then sends the hot query
 * with them. That lookup is part of every request's latency and CPU; `measureLookup` runs it alone so
 * the report can say how much.
 *
 * The database's CPU time: the server processes serving pgbench's connections (found by their
 * application_name in pg_stat_activity), read from /proc/<pid>/stat at the start of the window, once all
 * clients are connected, and as late as every one of them is still there. Those sessions run without
 * parallel query workers (max_parallel_workers_per_gather=0), whose CPU would be in other, short-lived
 * processes.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Dialect } from '../src/dialects/dialect.js';
import type { LoadRun } from './bench-result.js';
import type { LoadStatement, WriteUndo } from './load-statements.js';
import { latencyBreakdown } from './load-stats.js';
import { cpuDelta, readCpu } from './proc-cpu.js';

export interface LoadOptions {
  readonly db: Dialect;
  readonly databaseUrl: string;
  readonly statements: readonly LoadStatement[];
  readonly clients: number;
  readonly seconds: number;
  readonly when: LoadRun['when'];
  readonly undo: WriteUndo;
}

const PARAMS = 'iop_bench_load_params';
const IDS = 'iop_bench_load_ids';

export async function pgbenchLoad(o: LoadOptions): Promise<LoadRun> {
  const dir = mkdtempSync(join(tmpdir(), 'iop-pgbench-'));
  await createParams(o.db, o.statements, o.undo.firstId);
  try {
    const run = await runScripts(o, dir, o.seconds, (s, i) => script(s, i));
    // The parameter lookup alone, on the same table and clients: what it adds to each request.
    const lookup = await runScripts(o, dir, Math.max(5, Math.round(o.seconds / 4)), (s, i) =>
      script(s, i, { lookupOnly: true }),
    );
    const byStatement = o.statements.map(() => [] as number[]);
    for (const t of run.transactions) if (t.ok) byStatement[t.script]?.push(t.latencyMs);
    return {
      when: o.when,
      tool: `${run.version}: -M prepared -c ${o.clients} -j ${threads(o.clients)} -T ${o.seconds}, one script per statement`,
      clients: o.clients,
      windowSeconds: run.windowSeconds,
      requests: run.requests,
      failedRequests: run.transactions.filter((t) => !t.ok).length,
      requestsPerSecond: run.requests / run.windowSeconds,
      cpuSeconds: run.cpuSeconds,
      cpuMsPer1000Requests: (1_000_000 * run.cpuSeconds) / run.requests,
      cpuSource: `user+system time of the ${o.clients} server processes serving pgbench (/proc/<pid>/stat)`,
      ...latencyBreakdown(o.statements, byStatement),
      overhead: {
        what:
          "pgbench's parameter lookup (a primary-key read of the request's parameters) before each request; " +
          'its latency from -r, its CPU from a run of the lookups alone',
        avgMs: lookupAverage(run.stdout),
        cpuMsPer1000Requests: (1_000_000 * lookup.cpuSeconds) / lookup.requests,
      },
    };
  } finally {
    await o.db.execute(`DROP TABLE IF EXISTS ${PARAMS}`);
    await o.db.execute(`DROP SEQUENCE IF EXISTS ${IDS}`);
    rmSync(dir, { recursive: true, force: true });
  }
}

interface ScriptsRun {
  readonly version: string;
  readonly stdout: string;
  readonly transactions: readonly Transaction[];
  readonly windowSeconds: number;
  /** Requests completed in the window. */
  readonly requests: number;
  readonly cpuSeconds: number;
}

async function runScripts(
  o: LoadOptions,
  parent: string,
  seconds: number,
  text: (s: LoadStatement, i: number) => string,
): Promise<ScriptsRun> {
  const dir = mkdtempSync(join(parent, 'run-'));
  const scripts = o.statements.map((s, i) => {
    const file = join(dir, `q${i}.sql`);
    writeFileSync(file, text(s, i));
    return `${file}@${s.weight}`;
  });
  const run = await runPgbench(o, dir, seconds, scripts);
  const { start, end } = run.window;
  return {
    version: run.version,
    stdout: run.stdout,
    transactions: run.transactions,
    windowSeconds: end - start,
    requests: run.transactions.filter((t) => t.ok && t.at >= start && t.at <= end).length,
    cpuSeconds: run.cpuSeconds,
  };
}

const threads = (clients: number): number => Math.min(clients, 2);

function toText(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  if (v instanceof Date) return v.toISOString();
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  return JSON.stringify(v);
}

async function createParams(
  db: Dialect,
  statements: readonly LoadStatement[],
  firstId: number,
): Promise<void> {
  const width = Math.max(1, ...statements.flatMap((s) => s.pool.map((t) => t.length)));
  const columns = Array.from({ length: width }, (_, i) => `p${i + 1}`);
  await db.execute(`DROP TABLE IF EXISTS ${PARAMS}`);
  await db.execute(
    `CREATE TABLE ${PARAMS} (q integer NOT NULL, k integer NOT NULL, ${columns.map((c) => `${c} text`).join(', ')}, PRIMARY KEY (q, k))`,
  );
  const rows = statements.flatMap((s, q) =>
    s.pool.map((t, k) => [q, k + 1, ...columns.map((_, i) => toText(t[i]))]),
  );
  await db.bulkInsert({
    table: PARAMS,
    columns: ['q', 'k', ...columns],
    count: rows.length,
    row: (i) => rows[i] ?? [],
  });
  await db.analyze([PARAMS]);
  await db.execute(`DROP SEQUENCE IF EXISTS ${IDS}`);
  await db.execute(`CREATE SEQUENCE ${IDS} START WITH ${Math.trunc(firstId)}`);
}

/** `$n` → `:pn`, `{id}` → the next value of the load's id sequence. */
export function script(s: LoadStatement, q: number, o: { lookupOnly?: boolean } = {}): string {
  const width = s.pool[0]?.length ?? 0;
  const sql = s.sql.replaceAll('{id}', `nextval('${IDS}')`).replace(/\$(\d+)/g, ':p$1');
  const columns = Array.from({ length: Math.max(1, width) }, (_, i) => `p${i + 1}`).join(', ');
  return [
    `\\set k random(1, ${s.pool.length})`,
    `SELECT ${columns} FROM ${PARAMS} WHERE q = ${q} AND k = :k${o.lookupOnly ? ';' : ' \\gset'}`,
    ...(o.lookupOnly ? [] : [`${sql};`]),
    '',
  ].join('\n');
}

interface Transaction {
  readonly script: number;
  readonly latencyMs: number;
  /** Completion time, epoch seconds. */
  readonly at: number;
  readonly ok: boolean;
}

interface PgbenchRun {
  readonly version: string;
  readonly stdout: string;
  readonly transactions: readonly Transaction[];
  readonly window: { readonly start: number; readonly end: number };
  readonly cpuSeconds: number;
}

function connectionArgs(url: string): { args: string[]; env: NodeJS.ProcessEnv } {
  const u = new URL(url);
  const env: NodeJS.ProcessEnv = { ...process.env };
  if (u.password) env['PGPASSWORD'] = decodeURIComponent(u.password);
  const args = ['-h', u.hostname, '-p', u.port || '5432', '-U', decodeURIComponent(u.username || 'postgres')];
  return { args: [...args, decodeURIComponent(u.pathname.slice(1))], env };
}

async function runPgbench(
  o: LoadOptions,
  dir: string,
  seconds: number,
  scripts: readonly string[],
): Promise<PgbenchRun> {
  const app = `iop-bench-load-${randomBytes(4).toString('hex')}`;
  const { args, env } = connectionArgs(o.databaseUrl);
  const child = spawn(
    'pgbench',
    [
      '-n',
      '-M',
      'prepared',
      '-c',
      String(o.clients),
      '-j',
      String(threads(o.clients)),
      '-T',
      String(seconds),
      '-r',
      '-l',
      `--log-prefix=${join(dir, 'tx')}`,
      ...scripts.flatMap((s) => ['-f', s]),
      ...args,
    ],
    // No parallel workers: a request's CPU stays in its connection's own server process, where it is read.
    {
      env: { ...env, PGAPPNAME: app, PGOPTIONS: '-c max_parallel_workers_per_gather=0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => resolve(code));
  });
  let done = false;
  void exited.finally(() => (done = true));
  const cpu = await sampleCpu(o.db, app, o.clients, () => done);
  const code = await exited;
  if (code !== 0)
    throw new Error(`pgbench exited with ${code}: ${stderr.trim().split('\n').slice(-5).join(' / ')}`);
  return {
    version: stdout.split('\n')[0]?.replace(/^pgbench \((.*)\)$/, 'pgbench $1') ?? 'pgbench',
    stdout,
    transactions: readLogs(dir),
    window: cpu.window,
    cpuSeconds: cpu.seconds,
  };
}

async function sampleCpu(
  db: Dialect,
  app: string,
  clients: number,
  finished: () => boolean,
): Promise<{ seconds: number; window: { start: number; end: number } }> {
  const deadline = Date.now() + 30_000;
  let pids: number[] = [];
  while (pids.length < clients) {
    if (finished() || Date.now() > deadline)
      throw new Error(`pgbench: ${pids.length} of ${clients} clients seen connected`);
    pids = (
      await db.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE application_name = $1', [app])
    ).map((r) => Number(r.pid));
    if (pids.length < clients) await new Promise((r) => setTimeout(r, 50));
  }
  const start = Date.now() / 1000;
  const first = readCpu(pids);
  let last = { at: start, cpu: first };
  while (!finished()) {
    await new Promise((r) => setTimeout(r, 200));
    const cpu = readCpu(pids);
    if (cpu.size === clients) last = { at: Date.now() / 1000, cpu };
  }
  return { seconds: cpuDelta(first, last.cpu).seconds, window: { start, end: last.at } };
}

/** The transaction logs: `client_id transaction_no time script_no time_epoch time_us`. */
function readLogs(dir: string): Transaction[] {
  const out: Transaction[] = [];
  for (const file of readdirSync(dir).filter((f) => f.startsWith('tx.'))) {
    for (const line of readFileSync(join(dir, file), 'utf8').split('\n')) {
      const f = line.split(' ');
      if (f.length < 6) continue;
      const latency = Number(f[2]);
      out.push({
        script: Number(f[3]),
        latencyMs: latency / 1000,
        at: Number(f[4]) + Number(f[5]) / 1e6,
        ok: Number.isFinite(latency),
      });
    }
  }
  return out;
}

/**
 * The average latency of the parameter lookup over all scripts, weighted by their transactions, from
 * `-r`'s per-statement latencies (the lookup is each script's second line).
 */
export function lookupAverage(stdout: string): number {
  let sum = 0;
  let count = 0;
  for (const block of stdout.split(/^SQL script \d+:/m).slice(1)) {
    const transactions = Number(/ - (\d+) transactions/.exec(block)?.[1] ?? 0);
    const lookup = /^\s+([\d.]+)\s+\d+\s+SELECT p1\b/m.exec(block);
    if (!lookup) continue;
    sum += Number(lookup[1]) * transactions;
    count += transactions;
  }
  return count ? sum / count : 0;
}
