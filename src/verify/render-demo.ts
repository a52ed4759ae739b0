/** The demo's one report: seed, phases (indexes built, seconds), queries (before, after, speedup, index). */
import { table } from '../cli/output.js';
import { formatVerifyReport } from './verify.js';
import type { DemoReport } from './demo.js';

const ms = (x: number): string =>
  x >= 100 ? `${x.toFixed(0)}ms` : x >= 1 ? `${x.toFixed(1)}ms` : `${x.toFixed(2)}ms`;
const secs = (x: number): string => (x / 1000).toFixed(2);

export function renderDemoReport(r: DemoReport): string[] {
  const s = r.seed;
  const lines = [
    '',
    `ContextForge demo on ${r.target}`,
    `seed: ${s.tables} tables, ${s.rows.toLocaleString('en-US')} rows in ${secs(s.loadMs)}s ` +
      `(${s.rowsPerSecond.toLocaleString('en-US')} rows/s)`,
    '',
    `phases (${r.run.ok ? 'all applied' : 'FAILED'}):`,
  ];
  const phaseRows = r.run.phases.map((p) => [
    p.name,
    String(p.indexesCreated),
    secs(p.durationMs),
    p.outcome,
  ]);
  const built = r.run.phases.reduce((n, p) => n + p.indexesCreated, 0);
  const total = r.run.phases.reduce((n, p) => n + p.durationMs, 0);
  lines.push(
    ...table(
      [
        ['phase', 'indexes built', 'seconds', 'outcome'],
        ...phaseRows,
        ['total', String(built), secs(total), ''],
      ],
      '  ',
    ),
  );
  if (r.run.error) lines.push(`  error: ${r.run.error.message}`);
  lines.push('', 'hot queries (median of the timed runs):');
  const queryRows = r.queries.map((q) => [
    q.name,
    ms(q.beforeMs),
    ms(q.afterMs),
    q.speedup > 0 ? `${q.speedup.toFixed(1)}x` : '-',
    q.indexAfter.join(', ') || '(none)',
  ]);
  lines.push(...table([['query', 'before', 'after', 'speedup', 'index used after'], ...queryRows], '  '));
  const fixed = r.verifyBefore.queries.filter(
    (q, i) => q.outcome === 'seq_scan' && r.verifyAfter.queries[i]?.outcome === 'index',
  );
  lines.push(
    '',
    `${fixed.length} hot queries scanned a large table before the plan and use an index after it.`,
  );
  lines.push('', formatVerifyReport(r.verifyAfter));
  return lines;
}
