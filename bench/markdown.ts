/** Markdown table cells for the bench reports. */
import { round } from './stats.js';

export const fmt = (n: number): string => (Number.isFinite(n) ? String(round(n)) : 'n/a');
export const row = (cells: readonly (string | number)[]): string =>
  `| ${cells.map((c) => (typeof c === 'number' ? fmt(c) : c)).join(' | ')} |`;
export const header = (cells: readonly string[]): string => `${row(cells)}\n${row(cells.map(() => '---'))}`;
