/**
 * The request mix on SQLite and MariaDB, where pgbench does not apply: `clients` worker threads of this
 * process, each with its own connection, sending the weighted mix back to back for the given time
 * (load-worker.ts). SQLite runs inside the client, so its CPU is this process's (all threads); MariaDB's
 * is the mariadbd process's, read from /proc (the whole server: another client's work counts too, so
 * the server's CPU while the workers are connected and idle is measured first and reported).
 */
import { Worker } from 'node:worker_threads';
import type { LoadRun } from './bench-result.js';
import type { WorkerInput, WorkerOutput } from './load-worker.js';
import { latencyBreakdown } from './load-stats.js';
import type { LoadOptions } from './pgbench-load.js';
import { cpuDelta, pidsByName, readCpu } from './proc-cpu.js';
import { nowMs } from './timer.js';

/** Reads a CPU clock (seconds) and says what it measures. */
export interface CpuMeter {
  readonly source: string;
  read(): number;
}

/** This process, all threads: SQLite's work is done by the client. */
export const clientProcessCpu = (): CpuMeter => ({
  source: 'user+system time of the bench process (its worker threads run SQLite in process)',
  read: () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1e6;
  },
});

/** A local server process found by its command name. */
export function serverProcessCpu(names: readonly string[]): CpuMeter {
  const pids = pidsByName(names);
  if (pids.length === 0) throw new Error(`no local ${names.join('/')} process to read CPU time from`);
  return {
    source: `user+system time of the local ${names[0] ?? 'server'} process, all threads (/proc/<pid>/stat)`,
    read: () => cpuDelta(new Map(pids.map((p) => [p, 0])), readCpu(pids)).seconds,
  };
}

const WORKER = new URL('./load-worker.ts', import.meta.url).href;
/** Worker threads do not inherit tsx's loader: register it in the worker, then load the worker module. */
const BOOT = `import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(WORKER)}); })`;

export async function workerLoad(o: LoadOptions, meter: CpuMeter): Promise<LoadRun> {
  const workers = Array.from({ length: o.clients }, (_, index) => {
    const input: WorkerInput = {
      url: o.databaseUrl,
      statements: o.statements,
      seconds: o.seconds,
      seed: 1,
      index,
      firstId: o.undo.firstId,
      clients: o.clients,
    };
    return new Worker(BOOT, { eval: true, workerData: input });
  });
  try {
    await Promise.all(workers.map((w) => message(w)));
    const idleFrom = meter.read();
    const idleAt = nowMs();
    await new Promise((r) => setTimeout(r, 2000));
    const idlePerSecond = (meter.read() - idleFrom) / ((nowMs() - idleAt) / 1000);
    const cpu0 = meter.read();
    const t0 = nowMs();
    const outputs = workers.map((w) => message<WorkerOutput>(w));
    for (const w of workers) w.postMessage('go');
    const results = await Promise.all(outputs);
    const windowSeconds = (nowMs() - t0) / 1000;
    const cpuSeconds = meter.read() - cpu0;
    return summarize(o, results, windowSeconds, cpuSeconds, meter.source, idlePerSecond);
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

function summarize(
  o: LoadOptions,
  results: readonly WorkerOutput[],
  windowSeconds: number,
  cpuSeconds: number,
  source: string,
  idlePerSecond: number,
): LoadRun {
  const failed = results.reduce((n, r) => n + r.failed, 0);
  const errors = results.flatMap((r) => r.errors);
  if (failed > 0 && errors.length) console.warn(`load: ${failed} failed requests, e.g. ${errors[0]}`);
  const byStatement = o.statements.map((_, i) => results.flatMap((r) => r.latencies[i] ?? []));
  const requests = byStatement.reduce((n, l) => n + l.length, 0);
  return {
    when: o.when,
    tool: `${o.clients} worker threads of the bench process, each with its own connection, for ${o.seconds} s`,
    clients: o.clients,
    windowSeconds,
    requests,
    failedRequests: failed,
    requestsPerSecond: requests / windowSeconds,
    cpuSeconds,
    cpuMsPer1000Requests: (1_000_000 * cpuSeconds) / requests,
    cpuSource: `${source}; idle before the load: ${(idlePerSecond * 1000).toFixed(1)} ms CPU per second`,
    ...latencyBreakdown(o.statements, byStatement),
  };
}

function message<T = unknown>(w: Worker): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onError = (e: Error): void => reject(e);
    const onExit = (code: number): void => reject(new Error(`load worker exited (code ${code})`));
    w.once('error', onError);
    w.once('exit', onExit);
    w.once('message', (m: T) => {
      w.off('error', onError);
      w.off('exit', onExit);
      resolve(m);
    });
  });
}
