/**
 * Every command of the CLI, in the order `--help` lists them. To add one: create
 * `src/cli/commands/<name>.ts` exporting a `Command` (see src/cli/command.ts), import it here and add it
 * to the list (one line each).
 */
import type { Command } from '../command.js';
import { planCommand } from './plan.js';
import { upCommand } from './up.js';
import { downCommand } from './down.js';
import { statusCommand } from './status.js';
import { operatorCommand } from './operator.js';

// prettier-ignore
export const COMMANDS: readonly Command[] = [
  planCommand,
  upCommand,
  downCommand,
  statusCommand,
  operatorCommand,
];
