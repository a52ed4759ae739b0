/**
 * Bulk loading for the PostgreSQL dialect: `COPY table (columns) FROM STDIN` in text format, streamed
 * through `pg-copy-streams` on a checked-out client. Rows are encoded as they are made, in chunks of
 * about 64 KiB, so memory stays flat however many rows a table gets; pipeline() handles backpressure
 * and turns a server error (a constraint violation, a bad value) into a rejection.
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { BulkRows } from './dialect.js';
import { quoteIdentifier } from './render-sql.js';

const CHUNK_CHARS = 64 * 1024;
const SPECIAL = /[\\\n\r\t]/;
const SPECIALS = /[\\\n\r\t]/g;
const ESCAPES: Readonly<Record<string, string>> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' };

export function copySql(rows: Pick<BulkRows, 'table' | 'columns'>): string {
  return `COPY ${quoteIdentifier(rows.table)} (${rows.columns.map(quoteIdentifier).join(', ')}) FROM STDIN`;
}

/** Streams every row through COPY on `client` (inside the caller's transaction); returns rows written. */
export async function copyRows(client: pg.PoolClient, rows: BulkRows): Promise<number> {
  const sink = client.query(copyFrom(copySql(rows)));
  await pipeline(Readable.from(copyChunks(rows)), sink);
  return sink.rowCount;
}

/** The COPY text of all rows, in chunks of about CHUNK_CHARS characters. */
export function* copyChunks(rows: BulkRows): Generator<string> {
  let chunk = '';
  for (let i = 0; i < rows.count; i++) {
    chunk += copyLine(rows.row(i));
    if (chunk.length >= CHUNK_CHARS) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk.length > 0) yield chunk;
}

/** One row in COPY text format: tab-separated fields, `\N` for NULL, newline-terminated. */
export function copyLine(values: readonly unknown[]): string {
  let line = '';
  for (let c = 0; c < values.length; c++) {
    if (c > 0) line += '\t';
    line += copyField(values[c]);
  }
  return `${line}\n`;
}

/** A value as COPY text reads it: booleans t/f, dates ISO 8601, objects as JSON, text escaped. */
export function copyField(value: unknown): string {
  if (value === null || value === undefined) return '\\N';
  if (typeof value === 'string') return escapeText(value);
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  if (typeof value === 'boolean') return value ? 't' : 'f';
  if (value instanceof Date) return value.toISOString();
  if (Buffer.isBuffer(value)) return `\\\\x${value.toString('hex')}`;
  return escapeText(JSON.stringify(value));
}

function escapeText(text: string): string {
  return SPECIAL.test(text) ? text.replace(SPECIALS, (ch) => ESCAPES[ch] ?? ch) : text;
}
