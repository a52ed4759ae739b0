/**
 * Every command of the CLI, in the order `--help` lists them. To add one: create
 * `src/cli/commands/<name>.ts` exporting a `Command` (see src/cli/command.ts), import it here and add it
 * to the list (one line each). A command with heavy imports (Kubernetes client, servers) goes in as
 * `lazyCommand(name, summary, async () => (await import('./x.js')).xCommand)`: its module then loads
 * only when it runs, not on every CLI start.
 */
import { lazyCommand, type CommandEntry } from '../command.js';
import { planCommand } from './plan.js';
import { upCommand } from './up.js';
import { downCommand } from './down.js';
import { statusCommand } from './status.js';
import { healthCommand } from './health.js';
import { seedCommand } from './seed.js';
import { verifyCommand } from './verify.js';
import { demoCommand } from './demo.js';

// prettier-ignore
export const COMMANDS: readonly CommandEntry[] = [
  planCommand,
  upCommand,
  downCommand,
  statusCommand,
  healthCommand,
  verifyCommand,
  seedCommand,
  demoCommand,
  lazyCommand('operator', 'run the Kubernetes controller for IndexMigration resources (in cluster, or with the local kubeconfig)', async () => (await import('./operator.js')).operatorCommand),
];
