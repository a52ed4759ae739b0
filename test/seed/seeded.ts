/**
 * Shared by the contextforge apply tests: a seeded database per dialect, and a comparable snapshot of a
 * schema (tables, columns, indexes, foreign keys) without the engine's own bookkeeping tables.
 */
import type { Dialect } from '../../src/dialects/dialect.js';
import { openDialect } from '../../src/dialects/open-dialect.js';
import { seedDatabase, type SeedReport } from '../../src/seed/seed.js';

/** The test scale: tens of thousands of rows on the hot tables, so the planners' choices mean something. */
export const TEST_TOOLS = 5_000;

/**
 * Opens and seeds the database at `url`. Create the database with freshDatabase() at the top level of
 * the test file (its `after` hook must belong to the file, not to a `before` hook).
 */
export async function seededDatabase(
  url: string,
  tools = TEST_TOOLS,
): Promise<{ db: Dialect; report: SeedReport }> {
  const db = await openDialect(url);
  const report = await seedDatabase(db, { tools, seed: 1, reset: false, schema: 'pre-epic' });
  return { db, report };
}

const BOOKKEEPING = /^index_operator_/;

/** Everything that makes two schemas "the same", as sorted JSON lines. */
export async function schemaShape(db: Dialect): Promise<string[]> {
  const snap = await db.introspect();
  const tables = [...snap.tables.values()]
    .filter((t) => !BOOKKEEPING.test(t.name))
    .map((t) => `table ${t.name}(${t.columns.join(',')})`);
  const indexes = snap.indexes
    .filter((i) => !BOOKKEEPING.test(i.table))
    .map(
      (i) =>
        `index ${i.name} ${JSON.stringify([i.table, i.columns, i.include, i.unique, i.predicate, i.valid])}`,
    );
  const fks = snap.foreignKeys.map(
    (f) => `fk ${JSON.stringify([f.table, f.columns, f.refTable, f.refColumns])}`,
  );
  return [...tables, ...indexes, ...fks].sort();
}
