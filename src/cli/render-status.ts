/** Text rendering of `status`: applied phases with times and counts; per index with `--indexes`. */
import type { BuildRow, PhaseStatusReport, RemainingEstimate, StatusReport } from '../engine/engine.js';
import { formatDuration, table } from './output.js';
import { describeModel } from './render-plan.js';

export function renderStatus(status: StatusReport, withIndexes: boolean): string[] {
  const lines = [
    `Status of ${status.target} (${status.dialect})${status.catalogue ? `, catalogue ${status.catalogue}` : ''}`,
  ];
  if (status.phases.length === 0) {
    lines.push('nothing applied yet (no bookkeeping rows)');
    return lines;
  }
  const header = ['phase', 'status', 'started', 'finished', 'duration', 'created', 'skipped'];
  lines.push(...table([header, ...status.phases.map(phaseRow)], '  '));
  for (const p of status.phases.filter((x) => x.message)) lines.push(`  ${p.name}: ${p.message ?? ''}`);
  if (withIndexes) {
    for (const p of status.phases.filter((x) => x.builds.length > 0)) {
      lines.push('', `phase ${p.name}:`);
      const head = ['index', 'action', 'status', 'attempt', 'started', 'duration', 'error'];
      lines.push(...table([head, ...p.builds.map(buildRow)], '  '));
    }
  }
  lines.push('', `${status.ownedIndexes.length} index(es) owned by index-operator`);
  if (status.estimate) lines.push(remainingLine(status.estimate));
  return lines;
}

/** `Estimated build time left: 45.2s for 30 indexes (...)`, or that nothing is left to build. */
function remainingLine(e: RemainingEstimate): string {
  const builds = e.phases.reduce((n, p) => n + p.builds, 0);
  if (builds === 0) return 'Estimated build time left: nothing to build';
  const left = formatDuration(e.remainingSeconds * 1000);
  return `Estimated build time left: ${left} for ${builds} index${builds === 1 ? '' : 'es'} (one at a time; ${describeModel(e.model)})`;
}

function phaseRow(p: PhaseStatusReport): string[] {
  const state = p.drift ? `${p.status} (drift)` : p.status;
  return [
    p.name,
    state.replace('_', ' '),
    p.startedAt ?? '-',
    p.finishedAt ?? '-',
    p.durationMs === undefined ? '-' : formatDuration(p.durationMs),
    String(p.indexesCreated),
    String(p.indexesSkipped),
  ];
}

function buildRow(b: BuildRow): string[] {
  const error = b.errorCode || b.errorMessage ? `${b.errorCode ?? ''} ${b.errorMessage ?? ''}`.trim() : '';
  return [
    b.indexName,
    b.action,
    b.status.replace('_', ' '),
    String(b.attempt),
    b.startedAt,
    b.durationMs === null ? '-' : formatDuration(b.durationMs),
    error,
  ];
}
