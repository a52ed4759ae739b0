/** Text rendering of an `up`/`down` RunReport: one row per phase, then the error if the run failed. */
import type { RunReport } from '../engine/engine.js';
import { formatDuration, table } from './output.js';

export function renderRunReport(report: RunReport): string[] {
  const verdict = report.ok ? 'succeeded' : 'FAILED';
  const lines = [
    '',
    `${report.command} ${verdict} in ${formatDuration(report.durationMs)} (catalogue ${report.catalogue}, run ${report.runId})`,
  ];
  const header = ['phase', 'outcome', 'time', 'created', 'skipped', 'dropped'];
  const rows = report.phases.map((p) => [
    p.name,
    p.outcome.replace('_', ' '),
    p.outcome === 'unchanged' || p.outcome === 'not_run' ? '-' : formatDuration(p.durationMs),
    String(p.indexesCreated),
    String(p.indexesSkipped),
    String(p.indexesDropped),
  ]);
  lines.push(...table([header, ...rows], '  '));
  if (report.error !== undefined) {
    const where = [
      report.error.phase && `phase ${report.error.phase}`,
      report.error.index && `index ${report.error.index}`,
    ]
      .filter(Boolean)
      .join(', ');
    lines.push('', `error${where ? ` (${where})` : ''}: ${report.error.message}`);
  }
  return lines;
}
