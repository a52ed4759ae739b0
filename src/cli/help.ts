import type { Command, CommandEntry, CommandOptions } from './command.js';
import { GLOBAL_OPTIONS } from './command.js';

const BIN = 'index-operator';

/** Overall help: usage, the command list, the global flags, exit codes. */
export function overallHelp(commands: readonly CommandEntry[]): string {
  const width = Math.max(8, ...commands.map((c) => c.name.length));
  return [
    `Usage: ${BIN} <command> [flags]`,
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Global flags (every command):',
    ...optionLines(GLOBAL_OPTIONS),
    '',
    'Exit codes: 0 success, 1 the run failed, 2 bad usage or input (nothing was changed).',
    `Run '${BIN} <command> --help' for a command's flags.`,
    '',
  ].join('\n');
}

/** Help for one command: usage, summary, its flags, the global flags, details. */
export function commandHelp(command: Command): string {
  const own = optionLines(command.options);
  return [
    `Usage: ${BIN} ${command.name}${command.usage ? ` ${command.usage}` : ''} [global flags]`,
    '',
    command.summary,
    ...(own.length > 0 ? ['', 'Flags:', ...own] : []),
    '',
    'Global flags:',
    ...optionLines(GLOBAL_OPTIONS),
    ...(command.details ? ['', command.details.trimEnd()] : []),
    '',
  ].join('\n');
}

function optionLines(options: CommandOptions): string[] {
  const entries = Object.entries(options).map(([name, o]) => {
    const short = o.short ? `-${o.short}, ` : '';
    const value = o.type === 'string' ? ` ${o.valueName ?? '<value>'}` : '';
    return [`${short}--${name}${value}`, o.description] as const;
  });
  const width = Math.max(0, ...entries.map(([flag]) => flag.length));
  return entries.map(([flag, description]) => `  ${flag.padEnd(width)}  ${description}`);
}
