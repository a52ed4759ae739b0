/**
 * `seed`: creates the ContextForge schema (tables, keys, foreign keys, the indexes the application has
 * itself) and fills it with deterministic synthetic data. Refuses a database that already has tables
 * unless `reset` is set, and then drops only the ContextForge tables and index-operator bookkeeping.
 * Loading: tables first, then each table's rows through the dialect's bulkInsert (parents before
 * children), then the schema's secondary indexes and (PostgreSQL, MariaDB) foreign keys, then ANALYZE.
 */
import type { Dialect } from '../dialects/dialect.js';
import { quoteIdentifier } from '../dialects/render-sql.js';
import { UsageError } from '../errors.js';
import {
  currentSchema,
  preEpicSchema,
  upstreamEpicIndexes,
  type SchemaFacts,
} from '../catalogue/contextforge/schema-facts.js';
import { resolvedSizes, tableData } from './data-generator.js';
import { tableSizes } from './scale.js';
import { schemaDdlParts, tablesInDependencyOrder } from './schema-ddl.js';
import { upstreamIndexesFor } from './schema-indexes.js';

/** `pre-epic`: before the indexing plan (the demo's start); `current`: newest models + upstream's 102. */
export type SchemaVariant = 'pre-epic' | 'current';

export interface SeedOptions {
  /** Number of tools; every other table is sized from it (see scale.ts). 0 creates the schema only. */
  readonly tools: number;
  readonly seed: number;
  readonly reset: boolean;
  readonly schema: SchemaVariant;
  /** Called after each table is loaded. */
  readonly onTable?: (e: { readonly table: string; readonly rows: number; readonly ms: number }) => void;
}

export interface SeedReport {
  readonly schema: SchemaVariant;
  readonly tables: number;
  readonly indexes: number;
  readonly rows: number;
  readonly schemaMs: number;
  /** Loading the rows, then building the secondary indexes and adding foreign keys (indexMs of it). */
  readonly loadMs: number;
  readonly indexMs: number;
  readonly analyzeMs: number;
  readonly rowsPerSecond: number;
}

const BOOKKEEPING_PREFIX = 'index_operator_';

export function schemaFor(variant: SchemaVariant): SchemaFacts {
  return variant === 'current' ? currentSchema() : preEpicSchema();
}

export async function seedDatabase(db: Dialect, options: SeedOptions): Promise<SeedReport> {
  const schema = schemaFor(options.schema);
  await clearOrRefuse(db, options.reset);
  let t0 = performance.now();
  const extra = options.schema === 'current' ? upstreamIndexesFor(schema, upstreamEpicIndexes()) : [];
  const ddl = schemaDdlParts(schema, db.name, extra);
  await runDdl(db, ddl.tables);
  const schemaMs = performance.now() - t0;

  t0 = performance.now();
  const rows = options.tools > 0 ? await loadData(db, schema, options) : 0;
  const indexStart = performance.now();
  // One statement at a time: two of MariaDB 10.11.19's ALTERs at once (one adding a foreign key to a
  // table the other altered) crashed the server (signal 11 in mysql_alter_table, 2026-12-03).
  await runDdl(db, [...ddl.indexes, ...ddl.foreignKeys]);
  const indexMs = performance.now() - indexStart;
  const loadMs = performance.now() - t0;

  t0 = performance.now();
  await db.analyze(schema.tables.map((t) => t.name));
  const analyzeMs = performance.now() - t0;
  return {
    schema: options.schema,
    tables: schema.tables.length,
    indexes: ddl.indexCount,
    rows,
    schemaMs,
    loadMs,
    indexMs,
    analyzeMs,
    rowsPerSecond: loadMs > 0 ? Math.round(rows / (loadMs / 1000)) : 0,
  };
}

/** One transaction: one commit instead of one per statement (where DDL is transactional). */
async function runDdl(db: Dialect, statements: readonly string[]): Promise<void> {
  if (statements.length === 0) return;
  await db.transaction(async (tx) => {
    for (const sql of statements) await tx.execute(sql);
  });
}

async function loadData(db: Dialect, schema: SchemaFacts, options: SeedOptions): Promise<number> {
  const sizes = resolvedSizes(tableSizes(options.tools));
  const all = new Map(schema.tables.map((t) => [t.name, t]));
  let total = 0;
  for (const table of tablesInDependencyOrder(schema)) {
    const t0 = performance.now();
    const rows = await db.bulkInsert(tableData(table, all, sizes, options.seed));
    total += rows;
    options.onTable?.({ table: table.name, rows, ms: performance.now() - t0 });
  }
  return total;
}

/** Tables seed may drop with `reset`: every ContextForge table (either schema) and the bookkeeping. */
function droppable(name: string): boolean {
  const known = [...preEpicSchema().tables, ...currentSchema().tables].some((t) => t.name === name);
  return known || name.startsWith(BOOKKEEPING_PREFIX);
}

async function clearOrRefuse(db: Dialect, reset: boolean): Promise<void> {
  const existing = [...(await db.introspect()).tables.keys()];
  if (existing.length === 0) return;
  const others = existing.filter((t) => !droppable(t));
  if (!reset || others.length > 0) {
    const list = (others.length > 0 ? others : existing).slice(0, 5).join(', ');
    throw new UsageError(
      `${db.target} is not empty (${existing.length} tables, e.g. ${list}); seed never drops data by accident: ` +
        (others.length > 0
          ? 'it has tables that are not ContextForge tables, so use an empty database'
          : 'use an empty database, or pass --reset to drop the ContextForge tables first'),
      { reason: 'not_empty' },
    );
  }
  // Children before parents, so no foreign key is left pointing at a dropped table.
  const order = tablesInDependencyOrder(currentSchema())
    .map((t) => t.name)
    .reverse();
  const rank = (name: string): number => order.indexOf(name);
  for (const name of [...existing].sort((a, b) => rank(a) - rank(b))) {
    await db.execute(`DROP TABLE IF EXISTS ${quoteIdentifier(name)}`);
  }
}
