/**
 * Runs the real CLI as a child process (`node --import tsx src/cli/main.ts …`), the way a user or a
 * Kubernetes Job does. Output is collected; `waitFor` waits on a condition with a deadline.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const MAIN = join(REPO_ROOT, 'src/cli/main.ts');
/** tsx's loader by absolute URL, so the CLI also starts from another working directory. */
const TSX = import.meta.resolve('tsx');

export interface CliResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface CliProcess {
  readonly child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves when the process has exited. */
  readonly done: Promise<CliResult>;
}

export interface CliOptions {
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** The process is killed (and the test fails) after this long. Default 120 s. */
  readonly timeoutMs?: number;
  /** Working directory (default: the repository root). */
  readonly cwd?: string;
  /** Run as this user and group (the test process must be root). */
  readonly uid?: number;
  readonly gid?: number;
}

/** Starts the CLI; DATABASE_URL, PG* and LOG_LEVEL from the parent are not inherited unless given. */
export function startCli(args: readonly string[], options: CliOptions = {}): CliProcess {
  const env: Record<string, string | undefined> = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !/^(DATABASE_URL|LOG_LEVEL|PG[A-Z]+)$/.test(k)),
  );
  Object.assign(env, options.env ?? {});
  const child = spawn(process.execPath, ['--import', TSX, MAIN, ...args], {
    cwd: options.cwd ?? REPO_ROOT,
    env: Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined)),
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(options.uid === undefined ? {} : { uid: options.uid }),
    ...(options.gid === undefined ? {} : { gid: options.gid }),
  });
  const out: string[] = [];
  const err: string[] = [];
  child.stdout?.setEncoding('utf8').on('data', (d: string) => out.push(d));
  child.stderr?.setEncoding('utf8').on('data', (d: string) => err.push(d));
  const timeoutMs = options.timeoutMs ?? 120_000;
  const done = new Promise<CliResult>((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout: out.join(''), stderr: err.join('') });
    });
  });
  return { child, stdout: () => out.join(''), stderr: () => err.join(''), done };
}

/** Runs the CLI to the end. */
export function runCliProcess(args: readonly string[], options: CliOptions = {}): Promise<CliResult> {
  return startCli(args, options).done;
}

/** Runs the CLI with `--output json` and parses stdout (one JSON document). */
export async function runCliJson<T>(
  args: readonly string[],
  options: CliOptions = {},
): Promise<CliResult & { json: T }> {
  const result = await runCliProcess([...args, '--output', 'json'], options);
  let json: T;
  try {
    json = JSON.parse(result.stdout) as T;
  } catch {
    throw new Error(
      `stdout is not one JSON document (exit ${result.code}):\n${result.stdout}\nstderr:\n${result.stderr}`,
    );
  }
  return { ...result, json };
}

/** Polls `check` until it returns a value other than undefined/false, or fails after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 30_000,
  intervalMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs}ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** A readable failure message for assertions: exit code plus both streams. */
export function describeResult(r: CliResult): string {
  return `exit ${r.code} signal ${r.signal}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;
}
