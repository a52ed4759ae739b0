/**
 * The health report as text for people: each kind of finding with what to do, then sizes and scans.
 * Pure; the `health` command prints the lines.
 */
import { table } from '../cli/output.js';
import type { HealthReport, IndexHealth } from './health-report.js';

const LARGEST = 10;

export function formatBytes(n: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u += 1;
  }
  return u === 0 ? `${v} B` : `${v.toFixed(1)} ${units[u]}`;
}

const columns = (rows: readonly (readonly string[])[]): string[] => table(rows, '  ');

function section(title: string, hint: string, rows: readonly (readonly string[])[]): string[] {
  if (rows.length === 0) return [];
  return ['', `${title} (${rows.length}): ${hint}`, ...columns(rows)];
}

const size = (i: IndexHealth): string => (i.sizeBytes === null ? '' : formatBytes(i.sizeBytes));

export function renderHealth(report: HealthReport): string[] {
  const f = report.findings;
  const scope = report.catalogue === null ? 'every table' : `the tables of catalogue ${report.catalogue}`;
  const lines = [
    `index health of ${report.target} (${report.dialect}), ${scope}: ` +
      `${report.tablesInspected.length} tables, ${report.indexes.filter((i) => i.state !== 'missing').length} indexes`,
    report.note ?? `usage statistics since ${report.statsResetAt ?? 'unknown'}`,
    ...section(
      'invalid',
      'failed or interrupted concurrent builds; rerun the phase or DROP INDEX CONCURRENTLY',
      f.invalid.map((i) => [i.name, `on ${i.table}`, size(i)]),
    ),
    ...section(
      'unindexed foreign keys',
      'joins and deletes of the referenced rows scan the table',
      f.unindexedForeignKeys.map((k) => [
        `${k.table}(${k.columns.join(', ')})`,
        `-> ${k.refTable}`,
        k.constraint,
      ]),
    ),
    ...section(
      'missing',
      'catalogue indexes not in the database; apply their phase',
      f.missing.map((i) => [i.name, `on ${i.table}`]),
    ),
    ...section(
      'duplicate / overlapping',
      'the first index is redundant with the second',
      f.duplicates.map((d) => [d.index, `${d.kind} of ${d.duplicateOf}`, `on ${d.table}`]),
    ),
    ...section(
      'unused',
      `no scans since ${report.statsResetAt ?? 'the statistics reset'}`,
      f.unused.map((i) => [i.name, `on ${i.table}`, size(i)]),
    ),
    ...largest(report),
    ...scans(report),
    '',
    verdict(report),
  ];
  return lines;
}

function largest(report: HealthReport): string[] {
  const sized = report.indexes
    .filter((i) => i.sizeBytes !== null)
    .sort((a, b) => (b.sizeBytes ?? 0) - (a.sizeBytes ?? 0))
    .slice(0, LARGEST);
  if (sized.length === 0) return [];
  return [
    '',
    'largest indexes:',
    ...columns([
      ['index', 'table', 'size', 'scans'],
      ...sized.map((i) => [i.name, i.table, size(i), String(i.scans ?? '')]),
    ]),
  ];
}

function scans(report: HealthReport): string[] {
  if (report.tables.length === 0) return [];
  return [
    '',
    'sequential vs index scans per table:',
    ...columns([
      ['table', 'seq scans', 'index scans', 'rows'],
      ...report.tables.map((t) => [t.table, String(t.seqScans), String(t.indexScans), String(t.liveRows)]),
    ]),
  ];
}

function verdict(report: HealthReport): string {
  const f = report.findings;
  const problems = [
    f.invalid.length > 0 ? `${f.invalid.length} invalid index(es)` : '',
    f.unindexedForeignKeys.length > 0 ? `${f.unindexedForeignKeys.length} unindexed foreign key(s)` : '',
  ].filter((p) => p !== '');
  const notes = f.missing.length + f.duplicates.length + f.unused.length;
  if (problems.length > 0) return `not healthy: ${problems.join(', ')}`;
  return notes > 0 ? `healthy (${notes} note(s) above)` : 'healthy: nothing to report';
}
