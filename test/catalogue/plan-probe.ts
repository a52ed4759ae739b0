/**
 * Asks a real planner whether one index, alone on its table, serves a statement: the ContextForge tables
 * are created empty with their keys only (no secondary index, no foreign key), one catalogue index is
 * built, the statement EXPLAINed (PostgreSQL with enable_seqscan off, so any usable index is taken; SQLite
 * without statistics, so an index on a constrained column is preferred; MariaDB on empty InnoDB tables,
 * which it searches by any index that fits), and the index dropped again.
 * What a plan says per index: its name and the condition it is searched with.
 */
import type { IndexDefinition } from '../../src/catalogue/index-definition.js';
import {
  currentSchema,
  preEpicSchema,
  type TableFact,
} from '../../src/catalogue/contextforge/schema-facts.js';
import type { Dialect } from '../../src/dialects/dialect.js';
import { createTableDdl, tablesInDependencyOrder } from '../../src/seed/schema-ddl.js';

export interface IndexUse {
  readonly index: string;
  /** PostgreSQL Index Cond; SQLite the `(a=? AND b>?)` part of the plan line; MariaDB its used key parts. */
  readonly cond: string;
}

/**
 * Every table of the pre-epic schema, then the tables only the current schema has, each with its
 * primary key only: a unique constraint on the same leading column would tie with the probed index on an
 * empty table, and the planner's pick between equals says nothing about the index.
 */
export function probeTables(): TableFact[] {
  const pre = tablesInDependencyOrder(preEpicSchema());
  const names = new Set(pre.map((t) => t.name));
  return [...pre, ...currentSchema().tables.filter((t) => !names.has(t.name))].map(keysOnly);
}

function keysOnly(t: TableFact): TableFact {
  return {
    ...t,
    unique_constraints: [],
    columns: t.columns.map((c) => ({ ...c, unique: false, index: false })),
  };
}

export async function createProbeTables(db: Dialect): Promise<void> {
  for (const t of probeTables()) await db.execute(createTableDdl(t, db.name, false));
}

/**
 * The indexes the plan of `sql` reads, with their search conditions (Dialect.explain's `searches`).
 * PostgreSQL plans with sequential scans switched off unless `seqscan` is true (SQLite and MariaDB 10.11
 * have no such setting).
 */
export async function planUses(
  db: Dialect,
  sql: string,
  params: readonly unknown[],
  seqscan = false,
): Promise<IndexUse[]> {
  return [...(await db.explain(sql, params, { preferIndexes: !seqscan })).searches];
}

/** Builds `def` alone, runs `probe`, drops it again (also when the probe throws). */
export async function withIndex<T>(db: Dialect, def: IndexDefinition, probe: () => Promise<T>): Promise<T> {
  await db.execute(db.renderCreateIndex(def));
  try {
    return await probe();
  } finally {
    await db.execute(db.renderDropIndex(def.name, def.table));
  }
}

/** A value of a column's type, for a probe's bound parameter. */
export function sampleValue(table: string, column: string): unknown {
  const fact = probeTables()
    .find((t) => t.name === table)
    ?.columns.find((c) => c.name === column);
  const type = fact?.type ?? 'text';
  if (type === 'boolean') return true;
  if (type === 'integer' || type === 'bigint' || type === 'float') return 1;
  if (type === 'timestamptz') return '2026-06-01 00:00:00.000000';
  return 'x';
}
