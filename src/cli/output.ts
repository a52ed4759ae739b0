/**
 * Small output helpers shared by the commands: one JSON document on stdout, aligned text tables,
 * durations people read. Everything printed passes through redactUrl.
 */
import type { CliIo } from './cli-io.js';
import { redactUrl } from '../redact.js';

/** Writes one JSON document (pretty-printed) to stdout. */
export function writeJson(io: CliIo, doc: unknown): void {
  io.stdout.write(`${redactUrl(JSON.stringify(doc, null, 2))}\n`);
}

/** Writes lines of text to stdout. */
export function writeLines(io: CliIo, lines: readonly string[]): void {
  if (lines.length > 0) io.stdout.write(`${redactUrl(lines.join('\n'))}\n`);
}

/** `850ms`, `4.2s`, `3m 05s`, `1h 02m`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const totalSeconds = Math.round(ms / 1000);
  const h = Math.floor(totalSeconds / 3600);
  const m = Math.floor((totalSeconds % 3600) / 60);
  const s = totalSeconds % 60;
  return h > 0 ? `${h}h ${String(m).padStart(2, '0')}m` : `${m}m ${String(s).padStart(2, '0')}s`;
}

/** Left-aligned columns separated by two spaces; trailing spaces trimmed. */
export function table(rows: readonly (readonly string[])[], indent = ''): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map((row) =>
    `${indent}${row.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ')}`.trimEnd(),
  );
}

/** `3 create, 1 exists` from counts, leaving out zeros; `nothing` when all are zero. */
export function countSummary(counts: Readonly<Record<string, number>>): string {
  const parts = Object.entries(counts)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${n} ${k}`);
  return parts.length > 0 ? parts.join(', ') : 'nothing';
}
