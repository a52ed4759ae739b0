/**
 * Database fixtures and raw-SQL assertions for the CLI tests. State is read with the drivers directly
 * (pg, better-sqlite3), not through the product's dialects, so a dialect bug cannot hide itself.
 */
import { after } from 'node:test';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import Database from 'better-sqlite3';
import { createExampleSchema } from '../../src/catalogue/example/example-schema.js';
import { mariadbSession, type DialectUnderTest, type FreshDatabase } from '../helpers/databases.js';
import { withDialect } from '../helpers/dialects.js';

export interface IndexState {
  readonly name: string;
  readonly table: string;
  readonly valid: boolean;
  readonly definition: string;
}

export interface BuildRowState {
  readonly phase: string;
  readonly index_name: string;
  readonly action: string;
  readonly status: string;
  readonly attempt: number;
  readonly error_code: string | null;
  readonly error_message: string | null;
  readonly owned: number;
}

export interface MigrationRowState {
  readonly phase: string;
  readonly status: string;
  readonly indexes_created: number;
  readonly message: string | null;
}

/** Creates the example catalogue's schema (authors, posts, comments) with `rows` posts. */
export async function createExample(db: FreshDatabase, rows = 200): Promise<void> {
  await withDialect(db.url, (dialect) => createExampleSchema(dialect, { rows }));
}

/** A connected pg client, closed after the test file. */
export async function pgClient(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url });
  // the database is dropped (its sessions terminated) when the test ends: that is not an error here
  client.on('error', () => undefined);
  await client.connect();
  after(() => client.end().catch(() => undefined));
  return client;
}

/** Runs SQL statements on any dialect with the raw driver. */
export async function execSql(
  dialect: DialectUnderTest,
  db: FreshDatabase,
  statements: readonly string[],
): Promise<void> {
  if (dialect === 'mariadb') {
    await mariadbSession(db.name, async (c) => {
      for (const sql of statements) await c.query(sql);
    });
    return;
  }
  if (dialect === 'postgresql') {
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      for (const sql of statements) await client.query(sql);
    } finally {
      await client.end();
    }
    return;
  }
  const sqlite = new Database(db.name);
  try {
    for (const sql of statements) sqlite.exec(sql);
  } finally {
    sqlite.close();
  }
}

/** Rows of a query, on any dialect (SQL must be portable; no parameters). */
export async function queryRows<T>(dialect: DialectUnderTest, db: FreshDatabase, sql: string): Promise<T[]> {
  if (dialect === 'mariadb') return mariadbSession(db.name, async (c) => [...(await c.query<T[]>(sql))]);
  if (dialect === 'postgresql') {
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      return (await client.query(sql)).rows as T[];
    } finally {
      await client.end();
    }
  }
  const sqlite = new Database(db.name, { readonly: true });
  try {
    return sqlite.prepare(sql).all() as T[];
  } finally {
    sqlite.close();
  }
}

/** Every non-primary index on the user's tables (bookkeeping tables excluded), sorted by name. */
export async function listIndexes(dialect: DialectUnderTest, db: FreshDatabase): Promise<IndexState[]> {
  const sql = LIST_INDEXES_SQL[dialect];
  const rows = await queryRows<{ name: string; table: string; valid: boolean | number; definition: string }>(
    dialect,
    db,
    sql,
  );
  return rows
    .map((r) => ({
      name: r.name,
      table: r.table,
      valid: r.valid === true || r.valid === 1,
      definition: r.definition,
    }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

const LIST_INDEXES_SQL: Record<DialectUnderTest, string> = {
  postgresql: `SELECT c.relname AS name, t.relname AS "table", i.indisvalid AS valid, pg_get_indexdef(i.indexrelid) AS definition
           FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_class t ON t.oid = i.indrelid
           JOIN pg_namespace n ON n.oid = t.relnamespace
          WHERE n.nspname = 'public' AND NOT i.indisprimary AND t.relname NOT LIKE 'index_operator_%'`,
  sqlite: `SELECT name, tbl_name AS "table", 1 AS valid, sql AS definition FROM sqlite_master
          WHERE type = 'index' AND sql IS NOT NULL AND tbl_name NOT LIKE 'index_operator_%'`,
  // InnoDB's own foreign-key indexes (named after the key's column) are left out: the other databases
  // have none, and InnoDB drops one by itself when a catalogue index serves its key.
  mariadb: `SELECT INDEX_NAME AS name, TABLE_NAME AS "table", 1 AS valid,
      CONCAT(IF(NON_UNIQUE = 0, 'UNIQUE ', ''), 'INDEX ', INDEX_NAME, ' ON ', TABLE_NAME, ' (',
        GROUP_CONCAT(COLUMN_NAME, IF(COLLATION = 'D', ' DESC', '') ORDER BY SEQ_IN_INDEX SEPARATOR ', '), ')') AS definition
    FROM information_schema.STATISTICS
    WHERE TABLE_SCHEMA = DATABASE() AND INDEX_NAME <> 'PRIMARY' AND TABLE_NAME NOT LIKE 'index_operator_%'
      AND NOT EXISTS (SELECT 1 FROM information_schema.KEY_COLUMN_USAGE k
        WHERE k.TABLE_SCHEMA = DATABASE() AND k.TABLE_NAME = STATISTICS.TABLE_NAME
          AND k.REFERENCED_TABLE_NAME IS NOT NULL AND k.COLUMN_NAME = STATISTICS.INDEX_NAME)
    GROUP BY TABLE_NAME, INDEX_NAME, NON_UNIQUE`,
};

const BOOKKEEPING_TABLES_SQL: Record<DialectUnderTest, string> = {
  postgresql: `SELECT tablename AS name FROM pg_tables WHERE tablename LIKE 'index_operator_%'`,
  sqlite: `SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'index_operator_%'`,
  mariadb: `SELECT TABLE_NAME AS name FROM information_schema.TABLES
    WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME LIKE 'index_operator_%'`,
};

export async function bookkeepingTablesExist(dialect: DialectUnderTest, db: FreshDatabase): Promise<boolean> {
  return (await queryRows(dialect, db, BOOKKEEPING_TABLES_SQL[dialect])).length > 0;
}

export function buildRows(dialect: DialectUnderTest, db: FreshDatabase): Promise<BuildRowState[]> {
  return queryRows<BuildRowState>(
    dialect,
    db,
    `SELECT phase, index_name, action, status, attempt, error_code, error_message, owned
       FROM index_operator_index_builds ORDER BY started_at, attempt, index_name`,
  );
}

export function migrationRows(dialect: DialectUnderTest, db: FreshDatabase): Promise<MigrationRowState[]> {
  return queryRows<MigrationRowState>(
    dialect,
    db,
    'SELECT phase, status, indexes_created, message FROM index_operator_migrations ORDER BY phase',
  );
}

/** Writes a catalogue object as JSON into a temp dir removed after the test file; returns its path. */
export function writeCatalogueFile(catalogue: unknown, name = 'catalogue.json'): string {
  const dir = mkdtempSync(join(tmpdir(), 'e3-catalogue-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, name);
  writeFileSync(path, typeof catalogue === 'string' ? catalogue : JSON.stringify(catalogue, null, 2));
  return path;
}
