/**
 * The bench's data: a fresh seed (the default), or with `--reuse-seed` the seed an earlier run left,
 * when its marker says it is this scale, seed number, schema and generator version. A reused database is
 * brought back to the seed's state: the earlier writer's inserted rows deleted, every index the seed did
 * not create dropped (the catalogue's, and any an interrupted direct build left), the engine's bookkeeping
 * dropped (as a fresh seed drops it, so `plan` learns from nothing earlier), then ANALYZE. The run checks
 * the row count against the marker. The earlier writer's updates of tools.updated_at stay.
 */
import type { Dialect } from '../src/dialects/dialect.js';
import { UsageError } from '../src/errors.js';
import { seedDatabase, type SchemaVariant } from '../src/seed/seed.js';
import type { BenchResult } from './bench-result.js';
import {
  MARKER_TABLE,
  generatorVersion,
  markerMismatches,
  readMarker,
  removeWriterRows,
  toolMetricsMaxId,
  writeMarker,
  type SeedMarker,
} from './seed-marker.js';

export interface BenchSeedOptions {
  readonly scale: string;
  readonly tools: number;
  readonly seed: number;
}

const SCHEMA: SchemaVariant = 'pre-epic';

/** Seeds afresh (dropping the ContextForge tables) and leaves the marker. */
export async function freshSeed(db: Dialect, o: BenchSeedOptions): Promise<SeedMarker> {
  const seeded = await seedDatabase(db, { tools: o.tools, seed: o.seed, reset: true, schema: SCHEMA });
  const marker: SeedMarker = {
    scale: o.scale,
    tools: o.tools,
    seed: o.seed,
    schema: SCHEMA,
    generator: generatorVersion(SCHEMA),
    rows: seeded.rows,
    loadSeconds: seeded.loadMs / 1000,
    rowsPerSecond: seeded.rowsPerSecond,
    seededAt: new Date().toISOString(),
    toolMetricsMaxId: await toolMetricsMaxId(db),
    indexes: (await db.introspect()).indexes.map(indexKey),
  };
  await writeMarker(db, marker);
  return marker;
}

export async function benchData(
  db: Dialect,
  o: BenchSeedOptions & { readonly reuseSeed: boolean },
): Promise<BenchResult['load']> {
  if (!o.reuseSeed) return loadFigures(await freshSeed(db, o), false);
  const marker = await readMarker(db);
  if (!marker) {
    const tables = [...(await db.introspect()).tables.keys()];
    if (tables.length > 0)
      throw new UsageError(
        `--reuse-seed: ${db.target} has ${tables.length} tables but no bench seed marker (${MARKER_TABLE}), ` +
          'so what it holds is unknown; run without --reuse-seed to seed it afresh, or name an empty database',
        { reason: 'bad_input' },
      );
    return loadFigures(await freshSeed(db, o), false);
  }
  const wanted = {
    scale: o.scale,
    tools: o.tools,
    seed: o.seed,
    schema: SCHEMA,
    generator: generatorVersion(SCHEMA),
  };
  const mismatches = markerMismatches(marker, wanted);
  if (mismatches.length > 0)
    throw new UsageError(
      `--reuse-seed: the seed in ${db.target} is not this run's (${mismatches.join('; ')}); ` +
        'run without --reuse-seed to seed it afresh',
      { reason: 'bad_input' },
    );
  await backToSeed(db, marker);
  return loadFigures(marker, true);
}

async function backToSeed(db: Dialect, marker: SeedMarker): Promise<void> {
  await removeWriterRows(db, marker);
  for (const name of (await db.introspect()).tables.keys())
    if (name.startsWith('index_operator_') && name !== MARKER_TABLE)
      await db.execute(`DROP TABLE ${db.quoteIdentifier(name)}`);
  const seeded = new Set(marker.indexes);
  for (const i of (await db.introspect()).indexes)
    if (!seeded.has(indexKey(i)) && !i.implicit) await db.dropIndex(i.name, DROP_OPTIONS);
  await db.analyze(['tool_metrics', 'tools']);
}

/** The dialect's own drop (on MariaDB it adds back a foreign key's index the catalogue index replaced). */
const DROP_OPTIONS = { lockTimeoutMs: 60_000, statementTimeoutMs: 0, busyTimeoutMs: 5_000 } as const;

function indexKey(i: { readonly table: string; readonly name: string }): string {
  return `${i.table}.${i.name}`;
}

function loadFigures(m: SeedMarker, reused: boolean): BenchResult['load'] {
  return {
    rows: m.rows,
    seconds: m.loadSeconds,
    rowsPerSecond: m.rowsPerSecond,
    seed: { generator: m.generator, seededAt: m.seededAt, reused },
  };
}
