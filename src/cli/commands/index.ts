/**
 * Every command of the CLI, in the order `--help` lists them. To add one: create
 * `src/cli/commands/<name>.ts` exporting a `Command` (see src/cli/command.ts), import it here and add it
 * to the list (one line each).
 */
import type { Command } from '../command.js';

export const COMMANDS: readonly Command[] = [
  // one command per line
];
