/**
 * A real Prometheus (Debian's `prometheus` package) for tests: started on 127.0.0.1 at a free port with
 * a temp storage dir, scraping the given targets every second; stopped (and its dir removed) by
 * `stop()`. Every wait has a deadline.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../helpers/free-port.js';

export interface ScrapeTarget {
  readonly job: string;
  readonly address: string;
  readonly labels?: Readonly<Record<string, string>>;
}

export interface PromSample {
  readonly metric: Readonly<Record<string, string>>;
  readonly value?: readonly [number, string];
  readonly values?: readonly (readonly [number, string])[];
}

export interface Prometheus {
  readonly url: string;
  /** Instant query at `time` (unix seconds; default now). */
  query(expr: string, time?: number): Promise<PromSample[]>;
  /** Range query, step in seconds. */
  queryRange(expr: string, start: number, end: number, step: number): Promise<PromSample[]>;
  /** Polls an instant query until check passes; throws with `what` after timeoutMs. */
  waitFor(
    expr: string,
    check: (r: PromSample[]) => boolean,
    what: string,
    timeoutMs?: number,
  ): Promise<PromSample[]>;
  stop(): Promise<void>;
}

export async function startPrometheus(
  targets: readonly ScrapeTarget[],
  ruleFiles: readonly string[] = [],
): Promise<Prometheus> {
  const dir = mkdtempSync(join(tmpdir(), 'iop-prom-'));
  const port = await freePort();
  const config = {
    global: { scrape_interval: '1s', scrape_timeout: '900ms', evaluation_interval: '1s' },
    rule_files: ruleFiles,
    scrape_configs: targets.map((t) => ({
      job_name: t.job,
      static_configs: [{ targets: [t.address], labels: t.labels ?? {} }],
    })),
  };
  writeFileSync(join(dir, 'prometheus.yml'), JSON.stringify(config));
  const child = spawn(
    'prometheus',
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  // Not started at all (ENOENT when Debian's prometheus package is missing): an error of this test, not an
  // uncaught exception after it.
  let spawnError: Error | undefined;
  child.once('error', (e) => (spawnError = e));
  const url = `http://127.0.0.1:${port}`;
  const prom = client(url, child, dir);
  try {
    await until(
      async () => {
        if (spawnError)
          throw new Error(
            `prometheus cannot be started (${spawnError.message}): apt-get install -y prometheus`,
          );
        return (await fetch(`${url}/-/ready`).catch(() => undefined))?.ok === true;
      },
      `prometheus ready (${stderr})`,
      30_000,
      child,
    );
  } catch (e) {
    await prom.stop();
    if (spawnError)
      throw new Error(`prometheus cannot be started (${spawnError.message}): apt-get install -y prometheus`, {
        cause: e,
      });
    throw e;
  }
  return prom;
}

async function until(
  fn: () => Promise<boolean>,
  what: string,
  timeoutMs: number,
  child?: ChildProcess,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await fn())) {
    if (child && child.exitCode !== null)
      throw new Error(`prometheus exited (${child.exitCode}) before: ${what}`);
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs}ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

function client(url: string, child: ChildProcess, dir: string): Prometheus {
  const api = async (path: string, params: Record<string, string>): Promise<PromSample[]> => {
    const res = await fetch(`${url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(params).toString(),
    });
    const body = (await res.json()) as { status: string; error?: string; data?: { result: PromSample[] } };
    if (body.status !== 'success') throw new Error(`query ${params['query']} failed: ${body.error}`);
    return body.data?.result ?? [];
  };
  const self: Prometheus = {
    url,
    query: (expr, time) => api('/api/v1/query', { query: expr, ...(time ? { time: String(time) } : {}) }),
    queryRange: (expr, start, end, step) =>
      api('/api/v1/query_range', { query: expr, start: String(start), end: String(end), step: String(step) }),
    async waitFor(expr, check, what, timeoutMs = 30_000) {
      let last: PromSample[] = [];
      await until(
        async () => check((last = await self.query(expr))),
        `${what} (${expr} → ${JSON.stringify(last)})`,
        timeoutMs,
        child,
      );
      return last;
    },
    async stop() {
      if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return self;
}
