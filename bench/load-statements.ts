/**
 * The request mix made concrete for one database: each entry's SQL as the application sends it on this
 * dialect, and a pool of parameter tuples drawn from the seeded data (the same pool before and after
 * `up`, so both loads send the same requests). Also what the mix's writes change, so that it can be
 * undone after each load and both loads see the same data.
 */
import type { Catalogue } from '../src/catalogue/catalogue.js';
import type { Dialect } from '../src/dialects/dialect.js';
import { rng } from '../src/seed/value-makers.js';
import { hotQuerySql } from '../src/verify/hot-query-sql.js';
import { resolveParams } from '../src/verify/resolve-params.js';
import { REQUEST_MIX, WRITES, type MixEntry, type QueryClass } from './request-mix.js';

export interface LoadStatement {
  readonly name: string;
  readonly queryClass: QueryClass;
  readonly weight: number;
  /** `$1..$n` placeholders; `{id}` (writes) is a new row id the runner supplies. */
  readonly sql: string;
  readonly write: boolean;
  /** Parameter tuples, one drawn at random per request. */
  readonly pool: readonly (readonly unknown[])[];
}

export interface ResolvedMix {
  readonly statements: readonly LoadStatement[];
  /** Mix entries this database cannot run (table not in this schema, query not in the catalogue). */
  readonly leftOut: readonly { readonly query: string; readonly why: string }[];
}

/** Rows read to draw a pool from, and the pool's size. */
const SCAN_ROWS = 50_000;
export const POOL_SIZE = 2_000;

export async function resolveMix(
  db: Dialect,
  catalogue: Catalogue,
  seed: number,
  mix: readonly MixEntry[] = REQUEST_MIX,
): Promise<ResolvedMix> {
  const { tables } = await db.introspect();
  const statements: LoadStatement[] = [];
  const leftOut: { query: string; why: string }[] = [];
  for (const entry of mix) {
    const hot = catalogue.hotQueries.find((q) => q.name === entry.query);
    const write = WRITES.find((w) => w.name === entry.query);
    const source = hot ?? write;
    if (source === undefined) {
      leftOut.push({ query: entry.query, why: 'not a hot query of the catalogue' });
      continue;
    }
    const missing = source.tables.filter((t) => !tables.has(t));
    if (missing.length) {
      leftOut.push({ query: entry.query, why: `table ${missing.join(', ')} not in this schema` });
      continue;
    }
    const base = await resolveParams(db, source.params);
    const pool = await drawPool(db, base, entry, seed);
    if (pool.length === 0) {
      leftOut.push({ query: entry.query, why: 'no rows to draw its parameters from' });
      continue;
    }
    statements.push({
      name: entry.query,
      queryClass: entry.queryClass,
      weight: entry.weight,
      sql: hotQuerySql(source, db.name),
      write: write !== undefined,
      pool,
    });
  }
  return { statements, leftOut };
}

/** Up to POOL_SIZE tuples: `base` with the varying positions filled from rows picked at random. */
async function drawPool(
  db: Dialect,
  base: readonly unknown[],
  entry: MixEntry,
  seed: number,
): Promise<unknown[][]> {
  const vary = entry.vary;
  if (vary === undefined) return [[...base]];
  const rows = await db.query<Record<string, unknown>>(`${vary.sql} LIMIT ${SCAN_ROWS}`);
  const r = rng(seed, `load:${entry.query}`);
  const picked = rows.length <= POOL_SIZE ? rows : pickRows(rows, r);
  return picked.map((row) => {
    const tuple = [...base];
    Object.values(row).forEach((v, i) => {
      const at = vary.at[i];
      if (at !== undefined) tuple[at - 1] = v;
    });
    return tuple;
  });
}

function pickRows<T>(rows: readonly T[], r: () => number): T[] {
  const out: T[] = [];
  for (let i = 0; i < POOL_SIZE; i++) out.push(rows[Math.floor(r() * rows.length)] as T);
  return out;
}

/** What the writes of a load changed, to be put back: new metrics rows from `firstId`, touched sessions. */
export interface WriteUndo {
  readonly firstId: number;
  readonly sessions: readonly (readonly [unknown, unknown])[];
}

const CHUNK = 200;

function chunks<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += CHUNK) out.push(items.slice(i, i + CHUNK));
  return out;
}

const placeholders = (n: number, from = 1): string =>
  Array.from({ length: n }, (_, i) => `$${from + i}`).join(', ');

/** Records the state the mix's writes will change; the first free tool_metrics id is where new ids start. */
export async function beforeWrites(db: Dialect, mix: ResolvedMix): Promise<WriteUndo> {
  const max = await db.query<{ m: unknown }>('SELECT max(id) AS m FROM tool_metrics');
  const firstId = Number(max[0]?.m ?? 0) + 1;
  const touched = mix.statements.find((s) => s.name === 'session_touch');
  const ids = [...new Set((touched?.pool ?? []).map((t) => t[1]))];
  const sessions: (readonly [unknown, unknown])[] = [];
  for (const chunk of chunks(ids)) {
    const rows = await db.query<{ session_id: unknown; last_accessed: unknown }>(
      `SELECT session_id, last_accessed FROM mcp_sessions WHERE session_id IN (${placeholders(chunk.length)})`,
      chunk,
    );
    for (const r of rows) sessions.push([r.session_id, r.last_accessed]);
  }
  return { firstId, sessions };
}

/** Deletes the metrics rows the load inserted and puts the sessions' last_accessed back. */
export async function undoWrites(db: Dialect, undo: WriteUndo): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.execute('DELETE FROM tool_metrics WHERE id >= $1', [undo.firstId]);
    for (const chunk of chunks(undo.sessions)) {
      const cases = chunk.map((_, i) => `WHEN $${2 * i + 1} THEN $${2 * i + 2}`).join(' ');
      await tx.execute(
        // ELSE gives the CASE the column's type (PostgreSQL would take untyped parameters as text).
        `UPDATE mcp_sessions SET last_accessed = CASE session_id ${cases} ELSE last_accessed END ` +
          `WHERE session_id IN (${placeholders(chunk.length, 2 * chunk.length + 1)})`,
        [...chunk.flat(), ...chunk.map(([id]) => id)],
      );
    }
  });
}
