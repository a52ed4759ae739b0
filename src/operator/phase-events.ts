/**
 * Events implied by a status change: a phase that succeeded, failed or was rolled back, the whole
 * migration succeeding. Pure; compares the status before and after a write.
 */
import type { IndexMigrationStatus, PhaseStatus } from './types.js';

export type EventTuple = ['Normal' | 'Warning', string, string];

export function phaseEvents(
  before: IndexMigrationStatus | undefined,
  after: IndexMigrationStatus,
): EventTuple[] {
  const events: EventTuple[] = [];
  for (const p of after.phases ?? []) {
    const old = before?.phases?.find((b) => b.name === p.name)?.state;
    if (old === p.state) continue;
    const event = phaseEvent(p);
    if (event) events.push(event);
  }
  if (after.phase === 'Succeeded' && before?.phase !== 'Succeeded') {
    events.push(['Normal', 'Succeeded', `all phases applied (${after.progress?.summary ?? ''} indexes)`]);
  }
  return events;
}

function phaseEvent(p: PhaseStatus): EventTuple | undefined {
  switch (p.state) {
    case 'Succeeded': {
      const took = p.durationSeconds === undefined ? '' : ` in ${p.durationSeconds.toFixed(1)}s`;
      const counts =
        p.indexesCreated === undefined
          ? ''
          : ` (${p.indexesCreated} created, ${p.indexesSkipped ?? 0} skipped)`;
      return ['Normal', 'PhaseSucceeded', `phase ${p.name} succeeded${took}${counts}`];
    }
    case 'Failed':
      return ['Warning', 'PhaseFailed', `phase ${p.name} failed: ${p.message ?? 'see the job log'}`];
    case 'RolledBack':
      return [
        'Warning',
        'PhaseRolledBack',
        `phase ${p.name} rolled back${p.message ? `: ${p.message}` : ''}`,
      ];
    case 'Pending':
    case 'Running':
    case 'RollingBack':
      return undefined;
  }
}
