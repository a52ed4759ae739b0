/**
 * One client of the in-process request mix (SQLite, MariaDB): a worker thread with its own connection
 * that, on 'go', sends weighted random requests of the mix back to back for the given time and posts each
 * statement's latencies. Started by worker-load.ts.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { openDialect } from '../src/dialects/open-dialect.js';
import { rng } from '../src/seed/value-makers.js';
import type { LoadStatement } from './load-statements.js';
import { nowMs } from './timer.js';

export interface WorkerInput {
  readonly url: string;
  readonly statements: readonly LoadStatement[];
  readonly seconds: number;
  readonly seed: number;
  readonly index: number;
  /** New row ids of this worker: firstId + index, + clients each time. */
  readonly firstId: number;
  readonly clients: number;
}

export interface WorkerOutput {
  readonly latencies: number[][];
  readonly failed: number;
  readonly errors: string[];
}

const input = workerData as WorkerInput;
const port = parentPort;
if (!port) throw new Error('load-worker runs as a worker thread');

const db = await openDialect(input.url);
const r = rng(input.seed, `load-worker-${input.index}`);
const total = input.statements.reduce((n, s) => n + s.weight, 0);
/** `{id}` becomes the parameter after the tuple's. */
const sqls = input.statements.map((s) => s.sql.replaceAll('{id}', `$${(s.pool[0]?.length ?? 0) + 1}`));

function pick(): number {
  let x = r() * total;
  for (let i = 0; i < input.statements.length; i++) {
    x -= input.statements[i]?.weight ?? 0;
    if (x < 0) return i;
  }
  return input.statements.length - 1;
}

await new Promise<void>((resolve) => {
  port.once('message', () => resolve());
  port.postMessage('ready');
});

const latencies: number[][] = input.statements.map(() => []);
const errors: string[] = [];
let failed = 0;
let nextId = input.firstId + input.index;
const deadline = nowMs() + input.seconds * 1000;
while (nowMs() < deadline) {
  const i = pick();
  const s = input.statements[i] as LoadStatement;
  const tuple = s.pool[Math.floor(r() * s.pool.length)] ?? [];
  const t0 = nowMs();
  try {
    if (s.write) {
      await db.execute(sqls[i] ?? '', [...tuple, nextId]);
      nextId += input.clients;
    } else await db.query(sqls[i] ?? '', tuple);
    latencies[i]?.push(nowMs() - t0);
  } catch (e) {
    failed++;
    if (errors.length < 5) errors.push(`${s.name}: ${e instanceof Error ? e.message : String(e)}`);
  }
}
await db.close();
port.postMessage({ latencies, failed, errors } satisfies WorkerOutput);
