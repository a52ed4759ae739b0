/**
 * `--reuse-seed`: a 1m seed takes half an hour, so a bench may run on a database an earlier bench (or
 * `--seed-only`) seeded. The seed leaves a marker row saying what it loaded: scale, tools, seed number,
 * schema and the data generator's version (a hash of the generator's source and the schema facts it
 * reads, so any change to what data is made refuses the old seed; a change to how it is loaded does not). A reuse checks the marker, removes what
 * an earlier bench's writer left, and checks the row count is the seed's again; anything else is refused
 * with what to do.
 */
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Dialect } from '../src/dialects/dialect.js';
import type { SchemaVariant } from '../src/seed/seed.js';

/** A bookkeeping-prefixed name: seed --reset drops it with the data, and row counts leave it out. */
export const MARKER_TABLE = 'index_operator_bench_seed';

export interface SeedMarker {
  readonly scale: string;
  readonly tools: number;
  readonly seed: number;
  readonly schema: SchemaVariant;
  readonly generator: string;
  /** Rows the seed loaded, and how fast (reported by every run that reuses it). */
  readonly rows: number;
  readonly loadSeconds: number;
  readonly rowsPerSecond: number;
  readonly seededAt: string;
  /** Highest tool_metrics id the seed wrote: the bench's writer inserts above it. */
  readonly toolMetricsMaxId: number;
  /** The indexes the seed created, as table.name: a reuse drops every other. */
  readonly indexes: readonly string[];
}

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const FACTS: Readonly<Record<SchemaVariant, readonly string[]>> = {
  'pre-epic': ['schema-pre-epic.json'],
  current: ['schema.json', 'upstream-epic-indexes.json'],
};

/**
 * src/seed files that only sequence the load (DDL order, when indexes and ANALYZE run), not what rows,
 * schema or indexes it makes: a change to them leaves the data as it was, so it does not refuse a seed.
 * Every other file there is hashed, a new one too.
 */
export const LOAD_SEQUENCE_ONLY: ReadonlySet<string> = new Set(['seed.ts']);

/**
 * The data generator's version: sha256 of src/seed/*.ts but LOAD_SEQUENCE_ONLY, schema-facts.ts and the
 * schema's facts.
 */
export function generatorVersion(schema: SchemaVariant): string {
  const hash = createHash('sha256');
  for (const file of generatorFiles(schema)) {
    hash
      .update(file)
      .update('\0')
      .update(readFileSync(join(ROOT, file)));
  }
  return hash.digest('hex').slice(0, 16);
}

/** The files generatorVersion hashes, relative to the repository (with a leading separator). */
export function generatorFiles(schema: SchemaVariant): string[] {
  const seedDir = join(ROOT, 'src', 'seed');
  const factsDir = join(ROOT, 'src', 'catalogue', 'contextforge');
  return [
    ...readdirSync(seedDir)
      .filter((f) => f.endsWith('.ts') && !LOAD_SEQUENCE_ONLY.has(f))
      .sort()
      .map((f) => join(seedDir, f)),
    join(factsDir, 'schema-facts.ts'),
    ...FACTS[schema].map((f) => join(factsDir, 'facts', f)),
  ].map((file) => file.slice(ROOT.length));
}

export async function writeMarker(db: Dialect, marker: SeedMarker): Promise<void> {
  await db.execute(`DROP TABLE IF EXISTS ${db.quoteIdentifier(MARKER_TABLE)}`);
  await db.execute(`CREATE TABLE ${db.quoteIdentifier(MARKER_TABLE)} (marker TEXT NOT NULL)`);
  await db.execute(`INSERT INTO ${db.quoteIdentifier(MARKER_TABLE)} (marker) VALUES ($1)`, [
    JSON.stringify(marker),
  ]);
}

/** The marker, or undefined when the database has none (no tables, or tables some other way). */
export async function readMarker(db: Dialect): Promise<SeedMarker | undefined> {
  const tables = (await db.introspect()).tables;
  if (!tables.has(MARKER_TABLE)) return undefined;
  const rows = await db.query<{ marker: string }>(`SELECT marker FROM ${db.quoteIdentifier(MARKER_TABLE)}`);
  if (rows.length !== 1 || !rows[0]) return undefined;
  return JSON.parse(rows[0].marker) as SeedMarker;
}

export type Wanted = Pick<SeedMarker, 'scale' | 'tools' | 'seed' | 'schema' | 'generator'>;

/** Every way the marker differs from what this run wants; empty when the seed can be reused. */
export function markerMismatches(marker: SeedMarker, wanted: Wanted): string[] {
  return (['scale', 'tools', 'seed', 'schema', 'generator'] as const)
    .filter((k) => marker[k] !== wanted[k])
    .map((k) => `${k}: the database has ${String(marker[k])}, this run wants ${String(wanted[k])}`);
}

export async function toolMetricsMaxId(db: Dialect): Promise<number> {
  const rows = await db.query<{ m: number | string | null }>('SELECT MAX(id) AS m FROM tool_metrics');
  return Number(rows[0]?.m ?? 0);
}

/** Removes the rows an earlier bench's writer inserted (its updates of tools.updated_at stay). */
export async function removeWriterRows(db: Dialect, marker: SeedMarker): Promise<number> {
  return db.execute('DELETE FROM tool_metrics WHERE id > $1', [marker.toolMetricsMaxId]);
}
