/** Flags shared by `up` and `down` (and `plan`'s --phases), with help text naming the defaults. */
import type { CommandOptions } from './command.js';
import { DEFAULT_RUN_OPTIONS } from '../engine/engine.js';
import { formatDuration } from './output.js';

export const PHASES_FLAG: CommandOptions = {
  phases: {
    type: 'string',
    valueName: '<a,b,…>',
    description: 'comma-separated phase names (default: all, in catalogue order)',
  },
};

export const RUN_FLAGS: CommandOptions = {
  ...PHASES_FLAG,
  'lock-timeout': {
    type: 'string',
    valueName: '<duration>',
    description: `PostgreSQL lock_timeout per statement, e.g. 5s (default ${formatDuration(DEFAULT_RUN_OPTIONS.lockTimeoutMs)})`,
  },
  'statement-timeout': {
    type: 'string',
    valueName: '<duration>',
    description: 'PostgreSQL statement_timeout per statement, e.g. 30m (default 0 = none)',
  },
  'maintenance-work-mem': {
    type: 'string',
    valueName: '<size>',
    description: "PostgreSQL maintenance_work_mem for builds, e.g. 256MB (default: the server's)",
  },
  'snapshot-wait': {
    type: 'string',
    valueName: '<duration>',
    description: `PostgreSQL: how long each build or drop first waits, creating nothing, for open transactions CONCURRENTLY would wait for (a long reader's snapshot), naming them if they stay (default ${formatDuration(DEFAULT_RUN_OPTIONS.snapshotWaitMs)}; 0 = no wait beforehand)`,
  },
  'lock-wait': {
    type: 'string',
    valueName: '<duration>',
    description: `how long to wait for another runner on this database, e.g. 2m (default ${DEFAULT_RUN_OPTIONS.lockWaitMs} = fail at once)`,
  },
};

/** Throttling of `up` (issue 8): pauses between builds and fewer parallel build workers. */
export const THROTTLE_FLAGS: CommandOptions = {
  'pause-between-builds': {
    type: 'string',
    valueName: '<duration>',
    description:
      'idle time between two builds on the database, e.g. 30s, so the application catches up (default 0 = none)',
  },
  'max-parallel-maintenance-workers': {
    type: 'string',
    valueName: '<n>',
    description:
      "PostgreSQL max_parallel_maintenance_workers for builds; 0 = no parallel workers, less I/O and CPU taken from the application (default: the server's)",
  },
};

/** `cli pid 123 on host`: shown to a second runner waiting for the runner lock. */
export function runnerOwner(pid: number, host: string): string {
  return `index-operator cli pid ${pid} on ${host}`;
}

/** Drops undefined fields so the engine's defaults apply. */
export function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
