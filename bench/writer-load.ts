import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { WriterSample } from './writer-process.js';
import { summarize, type LatencySummary } from './stats.js';

export interface WriterResult {
  readonly samples: readonly WriterSample[];
  readonly latency: LatencySummary;
  /** Longest time between the start of two consecutive writes, minus the interval: the worst stall. */
  readonly longestStallMs: number;
  readonly failed: number;
}

export interface RunningWriter {
  stop(): Promise<WriterResult>;
}

const WRITER = fileURLToPath(new URL('./writer-process.ts', import.meta.url));

/** Starts the steady writer in a child process and resolves once it writes. */
export async function startWriter(databaseUrl: string, intervalMs = 5): Promise<RunningWriter> {
  const child = fork(WRITER, [databaseUrl, String(intervalMs)], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    child.once('message', (m) =>
      m === 'ready' ? resolve() : reject(new Error('writer: unexpected message')),
    );
    void exited.then((code) => reject(new Error(`writer exited early (code ${code})`)));
  });
  return {
    async stop() {
      const result = new Promise<readonly WriterSample[]>((resolve, reject) => {
        child.on('message', (m) => {
          if (typeof m === 'object' && m !== null && 'samples' in m)
            resolve((m as { samples: WriterSample[] }).samples);
        });
        void exited.then((code) => reject(new Error(`writer exited (code ${code}) without samples`)));
      });
      child.send('stop');
      const samples = await result;
      return summarizeWriter(samples, intervalMs);
    },
  };
}

/**
 * The longest stall is the longest time in which no write completed (from the writer's start to its
 * first completion, and between two completions), less the writer's own interval.
 */
export function summarizeWriter(samples: readonly WriterSample[], intervalMs: number): WriterResult {
  let longestGap = 0;
  let lastDone = 0;
  for (const s of samples) {
    const done = s.at + s.latencyMs;
    longestGap = Math.max(longestGap, done - lastDone);
    lastDone = Math.max(lastDone, done);
  }
  return {
    samples,
    latency: summarize(samples.map((s) => s.latencyMs)),
    longestStallMs: Math.max(0, longestGap - intervalMs),
    failed: samples.filter((s) => !s.ok).length,
  };
}
