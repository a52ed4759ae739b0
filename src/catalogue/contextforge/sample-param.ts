/**
 * Hot-query parameters resolved against the data in the database (HotQuery.params may hold functions:
 * `verify` and `demo` call them before running a query). A real deployment has other ids than a seeded
 * one, so a parameter is a query that picks a typical value, with a fallback for an empty table.
 */
import type { Dialect } from '../../dialects/dialect.js';
import { quoteIdentifier } from '../../dialects/render-sql.js';

/** What a resolver may use: plain queries, `$1..$n` placeholders. */
export type ParamSource = Pick<Dialect, 'query'>;

/** A hot-query parameter computed from the data. */
export type ParamResolver = (db: ParamSource) => Promise<unknown>;

/** The first column of the first row of `sql`, or `fallback` when there is no row or it is null. */
export function sample(sql: string, fallback: unknown, params: readonly unknown[] = []): ParamResolver {
  return async (db) => {
    const rows = await db.query<Record<string, unknown>>(sql, params);
    const first = rows[0];
    const value = first === undefined ? undefined : Object.values(first)[0];
    return value ?? fallback;
  };
}

/** Timestamps as the application stores them on SQLite and PostgreSQL accepts: `YYYY-MM-DD HH:MM:SS.ffffff`. */
export function formatTimestamp(d: Date): string {
  return `${d.toISOString().slice(0, 10)} ${d.toISOString().slice(11, 23)}000`;
}

/** Parses a timestamp as a driver returns it (Date on PostgreSQL, text on SQLite). */
export function parseTimestamp(value: unknown): Date | undefined {
  if (value instanceof Date) return value;
  if (typeof value !== 'string') return undefined;
  const d = new Date(
    `${value.replace(' ', 'T').replace(/(\.\d{3})\d*/, '$1')}${/[zZ+]/.test(value.slice(19)) ? '' : 'Z'}`,
  );
  return Number.isNaN(d.getTime()) ? undefined : d;
}

/** `hours` before the newest value of `table.column` (falls back to now), as a bound timestamp. */
export function hoursBeforeLatest(table: string, column: string, hours: number): ParamResolver {
  return async (db) => {
    const rows = await db.query<{ latest: unknown }>(
      `SELECT max(${quoteIdentifier(column)}) AS latest FROM ${quoteIdentifier(table)}`,
    );
    const latest = parseTimestamp(rows[0]?.latest) ?? new Date();
    return formatTimestamp(new Date(latest.getTime() - hours * 3_600_000));
  };
}

/**
 * `column` of the row `fraction` of the way down `table` in the order `orderBy` (e.g. a keyset cursor
 * deep in a listing): counts the rows first, then reads the one row at that offset; `fallback` when the
 * table is empty.
 */
export function rowAt(
  table: string,
  column: string,
  orderBy: string,
  fraction: number,
  fallback: unknown,
): ParamResolver {
  return async (db) => {
    const counted = await db.query<{ n: unknown }>(`SELECT count(*) AS n FROM ${quoteIdentifier(table)}`);
    const offset = Math.floor(Number(counted[0]?.n ?? 0) * fraction);
    const rows = await db.query<Record<string, unknown>>(
      `SELECT ${quoteIdentifier(column)} AS v FROM ${quoteIdentifier(table)} ORDER BY ${orderBy} LIMIT 1 OFFSET $1`,
      [offset],
    );
    return rows[0]?.['v'] ?? fallback;
  };
}

/**
 * The first column of the row `fraction` of the way down the rows of `sql` (which orders them), plus
 * `step` rows: counts the rows first, then reads that one (e.g. 0.5: the median of a ranking);
 * `fallback` when there is no such row.
 */
export function sampleAt(sql: string, fraction: number, fallback: unknown, step = 0): ParamResolver {
  return async (db) => {
    const counted = await db.query<{ n: unknown }>(`SELECT count(*) AS n FROM (${sql}) AS ranked`);
    const offset = Math.floor(Number(counted[0]?.n ?? 0) * fraction) + step;
    return sample(`${sql} LIMIT 1 OFFSET $1`, fallback, [offset])(db);
  };
}
