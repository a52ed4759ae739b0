import type { StepHook } from '../engine/engine.js';

/**
 * What a command needs from the outside world. `src/cli/main.ts` builds it from the process;
 * the operator's tests build one in memory to run a Job's command in process.
 * `runCli(argv, io)` (src/cli/run-cli.ts) returns the exit code: 0 ok, 1 run failed, 2 bad usage/input.
 */
export interface CliIo {
  readonly stdout: NodeJS.WritableStream & { readonly isTTY?: boolean };
  readonly stderr: NodeJS.WritableStream;
  /** Environment the command may read (DATABASE_URL, LOG_LEVEL, ...). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Aborted on SIGTERM/SIGINT: a command stops starting new work and exits cleanly. */
  readonly signal?: AbortSignal;
  /** Step-boundary hook for up/down (kill tests only; main.ts sets it from INDEX_OPERATOR_FAULT). */
  readonly steps?: StepHook;
}
