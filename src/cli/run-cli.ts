/**
 * `runCli(argv, io)`: finds the command, parses global + command flags (every problem reported at once),
 * handles `--help`, builds the logger and runs the command. Returns the exit code: 0 success, 1 the run
 * failed, 2 bad usage or input. Never exits the process; main.ts does that.
 */
import { parseArgs } from 'node:util';
import type { Command, CommandEntry, CommandOptions, OptionValues } from './command.js';
import { GLOBAL_OPTIONS, resolveCommand } from './command.js';
import { COMMANDS } from './commands/index.js';
import type { CliIo } from './cli-io.js';
import { commandHelp, overallHelp } from './help.js';
import { Problems, readGlobalConfig, type GlobalConfig, type OutputFormat } from '../config.js';
import { UsageError, errorMessage, exitCodeFor, isAppError } from '../errors.js';
import { createLogger, type Logger } from '../log.js';
import { redactUrl } from '../redact.js';
import { scrubbedIo } from './scrubbed-io.js';

const BIN = 'index-operator';

export async function runCli(
  argv: readonly string[],
  givenIo: CliIo,
  commands: readonly CommandEntry[] = COMMANDS,
): Promise<number> {
  const io = scrubbedIo(givenIo, argv);
  let output: OutputFormat = wantsJson(argv) ? 'json' : 'text';
  let log: Logger | undefined;
  try {
    const { entry, rest } = findCommand(argv, commands);
    if (entry === undefined) return await topLevel(rest, io, commands);
    const command = await resolveCommand(entry);
    const problems = new Problems();
    const parsed = parseCommandArgs(command, rest, problems);
    if (parsed.values['help'] === true) {
      io.stdout.write(commandHelp(command));
      return 0;
    }
    const global = readGlobalConfig(parsed.values, io.env, problems);
    problems.done();
    output = global.output;
    log = createLogger({ level: global.logLevel, destination: io.stderr }).child({ command: command.name });
    return await command.run({
      values: parsed.values,
      positionals: parsed.positionals,
      global,
      io,
      log,
      signal: io.signal ?? new AbortController().signal,
    });
  } catch (e) {
    return reportFailure(e, io, output, log);
  }
}

/** No command word: `--help`/`help [command]` print help (exit 0); anything else is a usage error. */
async function topLevel(
  rest: readonly string[],
  io: CliIo,
  commands: readonly CommandEntry[],
): Promise<number> {
  const words = rest.filter((a) => !a.startsWith('-'));
  if (words[0] === 'help') {
    const target = commands.find((c) => c.name === words[1]);
    if (words[1] !== undefined && target === undefined) throw unknownCommand(words[1], commands);
    io.stdout.write(target ? commandHelp(await resolveCommand(target)) : overallHelp(commands));
    return 0;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout.write(overallHelp(commands));
    return 0;
  }
  if (words[0] !== undefined) throw unknownCommand(words[0], commands);
  io.stderr.write(overallHelp(commands));
  return 2;
}

function unknownCommand(word: string, commands: readonly CommandEntry[]): UsageError {
  return new UsageError(
    `unknown command '${word}'; commands: ${commands.map((c) => c.name).join(', ')} (see '${BIN} --help')`,
    { reason: 'bad_input' },
  );
}

/**
 * The command is the first word that is not a flag or a global flag's value, so global flags may come
 * before it (`--database sqlite:x.db up`) or after it.
 */
function findCommand(
  argv: readonly string[],
  commands: readonly CommandEntry[],
): { entry: CommandEntry | undefined; rest: readonly string[] } {
  const { tokens } = parseArgs({
    args: [...argv],
    options: parseArgsOptions(GLOBAL_OPTIONS),
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  const first = tokens.find((t) => t.kind === 'positional' || t.kind === 'option-terminator');
  if (first?.kind !== 'positional') return { entry: undefined, rest: argv };
  const entry = commands.find((c) => c.name === first.value);
  if (entry === undefined) return { entry: undefined, rest: argv };
  return { entry, rest: argv.filter((_, i) => i !== first.index) };
}

interface ParsedArgs {
  readonly values: OptionValues;
  readonly positionals: readonly string[];
}

/** Parses global + command flags leniently; every problem goes to `problems`. */
function parseCommandArgs(command: Command, args: readonly string[], problems: Problems): ParsedArgs {
  const options: CommandOptions = { ...GLOBAL_OPTIONS, ...command.options };
  const { values, positionals, tokens } = parseArgs({
    args: [...args],
    options: parseArgsOptions(options),
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  const unknown: string[] = [];
  for (const t of tokens) {
    if (t.kind !== 'option') continue;
    const spec = options[t.name];
    if (spec === undefined) unknown.push(`'${redactUrl(t.rawName)}'`);
    else if (spec.type === 'string' && (t.value === undefined || (!t.inlineValue && t.value.startsWith('-'))))
      problems.add(
        `${t.rawName} needs a value${spec.valueName ? ` (${spec.valueName})` : ''}` +
          (t.value !== undefined && /^-\d/.test(t.value)
            ? `; for a value starting with '-' write ${t.rawName}=${t.value}`
            : ''),
      );
    else if (spec.type === 'boolean' && t.value !== undefined) problems.add(`${t.rawName} takes no value`);
  }
  if (unknown.length > 0) {
    const accepted = Object.keys(options).map((n) => `--${n}`);
    problems.add(
      `unknown flag${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}; ${BIN} ${command.name} accepts: ` +
        `${accepted.join(', ')} (see '${BIN} ${command.name} --help')`,
    );
  }
  if (!command.allowPositionals && positionals.length > 0) {
    const words = positionals.map((p) => `'${redactUrl(p)}'`).join(' ');
    problems.add(`unexpected argument${positionals.length > 1 ? 's' : ''} ${words}`);
  }
  return { values, positionals };
}

function parseArgsOptions(
  options: CommandOptions,
): Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }> {
  return Object.fromEntries(
    Object.entries(options).map(([name, o]) => [
      name,
      {
        type: o.type,
        ...(o.short === undefined ? {} : { short: o.short }),
        ...(o.multiple === undefined ? {} : { multiple: o.multiple }),
      },
    ]),
  );
}

/** Best guess of the output format before flags are validated, so early errors match it. */
function wantsJson(argv: readonly string[]): boolean {
  const i = argv.lastIndexOf('--output');
  return argv.includes('--output=json') || (i >= 0 && argv[i + 1] === 'json');
}

/** One message for the user (stderr, or a JSON document on stdout) and one log line. Never a password. */
function reportFailure(e: unknown, io: CliIo, output: OutputFormat, log: Logger | undefined): number {
  const code = exitCodeFor(e);
  const message = redactUrl(errorMessage(e));
  if (log !== undefined) {
    if (code === 2) log.info({ err: e }, 'bad usage or input');
    else log.error({ err: e }, 'command failed');
  }
  if (output === 'json') {
    const error = {
      class: isAppError(e) ? e.errorClass : 'bug',
      reason: isAppError(e) ? e.reason : 'other',
      code: isAppError(e) ? (e.code ?? null) : null,
      message,
    };
    io.stdout.write(`${JSON.stringify({ ok: false, exitCode: code, error }, null, 2)}\n`);
  } else {
    io.stderr.write(`${BIN}: ${message}\n`);
    if (!isAppError(e) && e instanceof Error && e.stack) io.stderr.write(`${redactUrl(e.stack)}\n`);
  }
  return code;
}

export type { GlobalConfig };
