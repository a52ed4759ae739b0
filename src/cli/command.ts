/**
 * The command contract. A command is a plain object: a name, one line of summary, its own options (in
 * node:util `parseArgs` terms, plus a description for `--help`) and `run(ctx)` returning the exit code.
 *
 * To add a command: write `src/cli/commands/<name>.ts` exporting `<name>Command: Command`, and add one
 * line to the list in `src/cli/commands/index.ts` (wrapped in `lazyCommand` when its module imports
 * something heavy: every command module in the list is loaded on every CLI start). `runCli` parses the global flags (GLOBAL_OPTIONS)
 * and the command's own flags together, handles `--help`, and turns a thrown error into an exit code:
 * UsageError → 2 (nothing was changed), anything else → 1. Messages are redacted before printing.
 */
import type { CliIo } from './cli-io.js';
import type { Logger } from '../log.js';
import type { GlobalConfig } from '../config.js';

/** One flag of a command. `type`, `short`, `multiple` are passed to node:util parseArgs as they are. */
export interface CommandOption {
  readonly type: 'string' | 'boolean';
  readonly short?: string;
  readonly multiple?: boolean;
  /** Placeholder shown in help, e.g. `<phases>`; string options only. */
  readonly valueName?: string;
  /** One line for `--help`; say the accepted values and the default. */
  readonly description: string;
}

export type CommandOptions = Readonly<Record<string, CommandOption>>;

/** Parsed flag values, by long name (without `--`). Strings stay raw: src/config.ts types them. */
export type OptionValues = Readonly<
  Record<string, string | boolean | readonly (string | boolean)[] | undefined>
>;

export interface CommandContext {
  /** The command's own flags as given (global flags are already typed in `global`). */
  readonly values: OptionValues;
  readonly positionals: readonly string[];
  /** Typed global flags + environment: database URL, output format, catalogue, log level. */
  readonly global: GlobalConfig;
  readonly io: CliIo;
  /** Root logger (pino JSON on stderr, URL passwords redacted). Make child loggers with context. */
  readonly log: Logger;
  /** Aborted on SIGTERM/SIGINT: stop starting new work and return. */
  readonly signal: AbortSignal;
}

export interface Command {
  /** What the user types: `index-operator <name>`. */
  readonly name: string;
  /** One line for the command list. */
  readonly summary: string;
  /** Usage line after `index-operator <name>`, e.g. `[--phases <list>] [--concurrency <n>]`. */
  readonly usage: string;
  /** Longer help text (examples, notes), printed after the options. Optional. */
  readonly details?: string;
  readonly options: CommandOptions;
  /** Accept positional arguments after the command name (default: no, extra words are a usage error). */
  readonly allowPositionals?: boolean;
  /** 0 success, 1 the run failed, 2 bad usage/input. Throwing is fine: runCli maps the error. */
  run(ctx: CommandContext): Promise<number>;
}

/**
 * A command whose module is imported only when it is run or its help is shown. Use it in
 * commands/index.ts for a command with heavy dependencies (the Kubernetes client, HTTP servers), so
 * every other command (`up` in a Job pod, say) does not pay their start-up time.
 */
export interface LazyCommand {
  readonly name: string;
  readonly summary: string;
  load(): Promise<Command>;
}

export type CommandEntry = Command | LazyCommand;

/** `lazyCommand('operator', 'run the controller', async () => (await import('./operator.js')).operatorCommand)` */
export function lazyCommand(name: string, summary: string, load: () => Promise<Command>): LazyCommand {
  return { name, summary, load };
}

/** The command itself, importing its module when it is lazy. */
export async function resolveCommand(entry: CommandEntry): Promise<Command> {
  return 'load' in entry ? entry.load() : entry;
}

/** Flags every command accepts (they may appear before or after the command name). */
export const GLOBAL_OPTIONS: CommandOptions = {
  database: {
    type: 'string',
    valueName: '<url>',
    description: 'postgres://user@host:5432/db, postgresql://…, or sqlite:<path> (default: $DATABASE_URL)',
  },
  output: {
    type: 'string',
    valueName: 'text|json',
    description: 'text for people (default), json for one JSON document on stdout',
  },
  catalogue: {
    type: 'string',
    valueName: '<name>',
    description: 'built-in catalogue (default: contextforge when built in, else the first registered)',
  },
  'catalogue-file': {
    type: 'string',
    valueName: '<path.json>',
    description: 'your own catalogue as JSON (validated before anything runs); overrides --catalogue',
  },
  'log-level': {
    type: 'string',
    valueName: '<level>',
    description: 'fatal|error|warn|info|debug|trace|silent (default: $LOG_LEVEL or warn); logs go to stderr',
  },
  help: { type: 'boolean', short: 'h', description: 'show help' },
};
