/**
 * The health inspector on purpose-built real databases: PostgreSQL with an INVALID index (left by a
 * failed concurrent unique build), a duplicate, an overlapping and an unused index and an unindexed
 * foreign key; SQLite with the structural problems; and clean databases of both, where it finds nothing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Catalogue } from '../../src/catalogue/catalogue.js';
import type { Dialect } from '../../src/dialects/dialect.js';
import { inspectHealth } from '../../src/health/health-inspector.js';
import type { HealthReport } from '../../src/health/health-report.js';
import { freshPostgres, freshSqlite } from '../helpers/databases.js';
import { withDialect } from '../helpers/dialects.js';

async function run(dialect: Dialect, statements: readonly string[]): Promise<void> {
  for (const sql of statements) await dialect.execute(sql);
}

const PARENT_CHILD = [
  'CREATE TABLE parent (id integer PRIMARY KEY, name text NOT NULL)',
  'CREATE TABLE child (id integer PRIMARY KEY, parent_id integer REFERENCES parent (id), n integer, code text)',
];

/** Waits (bounded) until fn returns a value that passes check. */
async function eventually<T>(fn: () => Promise<T>, check: (v: T) => boolean, what: string): Promise<T> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const v = await fn();
    if (check(v)) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

function names(report: HealthReport): Record<string, string[]> {
  const f = report.findings;
  return {
    invalid: f.invalid.map((i) => i.name).sort(),
    missing: f.missing.map((i) => i.name).sort(),
    unused: f.unused.map((i) => i.name).sort(),
    duplicates: f.duplicates.map((d) => `${d.index}:${d.kind}:${d.duplicateOf}`).sort(),
    unindexedForeignKeys: f.unindexedForeignKeys.map((k) => `${k.table}(${k.columns.join(',')})`).sort(),
  };
}

const NO_FINDINGS = {
  invalid: [],
  missing: [],
  unused: [],
  duplicates: [],
  unindexedForeignKeys: [],
};

const catalogue: Catalogue = {
  name: 'health_test',
  description: 'one foreign-key index on child',
  hotQueries: [],
  phases: [
    {
      name: 'core',
      description: 'core',
      indexes: [
        {
          name: 'idx_child_parent_id',
          table: 'child',
          columns: [{ name: 'parent_id', order: 'ASC' }],
          unique: false,
          where: [],
          include: [],
          phase: 'core',
          reason: 'child.parent_id foreign key',
        },
      ],
    },
  ],
};

void test('PostgreSQL: finds an invalid, a duplicate, an overlapping and an unused index and an unindexed FK', async () => {
  const db = await freshPostgres('iophealth');
  await withDialect(db.url, async (dialect) => {
    await run(dialect, [
      ...PARENT_CHILD,
      "INSERT INTO parent SELECT g, 'p' || g FROM generate_series(1, 50) g",
      "INSERT INTO child SELECT g, 1 + g % 50, g % 7, 'dup' || (g % 10) FROM generate_series(1, 500) g",
      'CREATE INDEX child_n_a ON child (n)',
      'CREATE INDEX child_n_b ON child (n)',
      'CREATE INDEX child_n_code ON child (n, code)',
    ]);
    // A concurrent unique build over duplicate values fails and leaves the index INVALID behind.
    await assert.rejects(dialect.execute('CREATE UNIQUE INDEX CONCURRENTLY child_code_key ON child (code)'));

    const report = await inspectHealth(dialect);
    assert.equal(report.statistics, true);
    assert.equal(report.note, null);
    assert.ok(report.statsResetAt !== null && !Number.isNaN(Date.parse(report.statsResetAt)));
    assert.deepEqual(names(report), {
      invalid: ['child_code_key'],
      missing: [],
      unused: ['child_n_a', 'child_n_b', 'child_n_code'],
      duplicates: ['child_n_a:overlapping:child_n_code', 'child_n_b:duplicate:child_n_a'],
      unindexedForeignKeys: ['child(parent_id)'],
    });
    assert.equal(report.ok, false);
    assert.deepEqual(report.tablesInspected, ['child', 'parent']);
    const size = report.indexes.find((i) => i.name === 'child_n_code')?.sizeBytes ?? 0;
    assert.ok(size > 0, `index size is reported (${size})`);
    assert.deepEqual(
      report.tables.map((t) => t.table),
      ['child', 'parent'],
    );

    // With the catalogue: scope is its tables, and its foreign-key index is missing.
    const scoped = await inspectHealth(dialect, catalogue);
    assert.equal(scoped.catalogue, 'health_test');
    assert.deepEqual(scoped.tablesInspected, ['child']);
    assert.deepEqual(names(scoped).missing, ['idx_child_parent_id']);
    assert.deepEqual(names(scoped).unindexedForeignKeys, ['child(parent_id)']);
  });
});

void test('PostgreSQL: a clean database (every FK indexed, every index used) reports nothing', async () => {
  const db = await freshPostgres('iophealth');
  await withDialect(db.url, async (dialect) => {
    await run(dialect, [
      ...PARENT_CHILD,
      'CREATE INDEX idx_child_parent_id ON child (parent_id)',
      "INSERT INTO parent SELECT g, 'p' || g FROM generate_series(1, 50) g",
      'INSERT INTO child SELECT g, 1 + g % 50, g, NULL FROM generate_series(1, 500) g',
    ]);
    await dialect.transaction(async (tx) => {
      await tx.execute('SET LOCAL enable_seqscan = off');
      await tx.query('SELECT id FROM child WHERE parent_id = $1', [3]);
    });
    const report = await eventually(
      () => inspectHealth(dialect, catalogue),
      (r) => (r.indexes.find((i) => i.name === 'idx_child_parent_id')?.scans ?? 0) > 0,
      'the index scan to reach pg_stat_user_indexes',
    );
    assert.deepEqual(names(report), NO_FINDINGS);
    assert.equal(report.ok, true);
    assert.equal(report.indexes.find((i) => i.name === 'idx_child_parent_id')?.state, 'valid');
  });
});

void test('SQLite: structure checks only, finds the duplicate, overlapping and unindexed FK; says so', async () => {
  const db = freshSqlite('iophealth');
  await withDialect(db.url, async (dialect) => {
    await run(dialect, [
      ...PARENT_CHILD,
      'CREATE INDEX child_n_a ON child (n)',
      'CREATE INDEX child_n_b ON child (n)',
      'CREATE INDEX child_n_code ON child (n, code)',
    ]);
    const report = await inspectHealth(dialect, catalogue);
    assert.equal(report.statistics, false);
    assert.match(report.note ?? '', /structure checks only/);
    assert.equal(report.statsResetAt, null);
    assert.deepEqual(names(report), {
      invalid: [],
      missing: ['idx_child_parent_id'],
      unused: [],
      duplicates: ['child_n_a:overlapping:child_n_code', 'child_n_b:duplicate:child_n_a'],
      unindexedForeignKeys: ['child(parent_id)'],
    });
    assert.equal(report.ok, false);
  });
});

void test('SQLite: a clean database reports nothing', async () => {
  const db = freshSqlite('iophealth');
  await withDialect(db.url, async (dialect) => {
    await run(dialect, [...PARENT_CHILD, 'CREATE INDEX idx_child_parent_id ON child (parent_id)']);
    const report = await inspectHealth(dialect, catalogue);
    assert.deepEqual(names(report), NO_FINDINGS);
    assert.equal(report.ok, true);
  });
});
