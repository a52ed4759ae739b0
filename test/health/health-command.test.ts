/**
 * `index-operator health` end to end through runCli on real databases: exit 1 with the findings on a
 * database with an INVALID index and an unindexed foreign key, exit 0 on a clean one; text and JSON.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { runCli } from '../../src/cli/run-cli.js';
import type { HealthReport } from '../../src/health/health-report.js';
import { freshPostgres, freshSqlite } from '../helpers/databases.js';
import { withDialect } from '../helpers/dialects.js';
import { memoryIo } from '../cli/memory-io.js';

async function setup(
  url: string,
  statements: readonly string[],
  failing: readonly string[] = [],
): Promise<void> {
  await withDialect(url, async (dialect) => {
    for (const sql of statements) await dialect.execute(sql);
    for (const sql of failing) await assert.rejects(dialect.execute(sql));
  });
}

const SCHEMA = [
  'CREATE TABLE parent (id integer PRIMARY KEY)',
  'CREATE TABLE child (id integer PRIMARY KEY, parent_id integer REFERENCES parent (id), code text)',
];

void test('PostgreSQL: exit 1 naming the INVALID index and the unindexed foreign key; password never shown', async () => {
  const db = await freshPostgres('iophcli');
  await setup(
    db.url,
    [...SCHEMA, "INSERT INTO child SELECT g, NULL, 'same' FROM generate_series(1, 20) g"],
    // fails on the duplicates, leaving child_code_key INVALID
    ['CREATE UNIQUE INDEX CONCURRENTLY child_code_key ON child (code)'],
  );
  const url = db.url.replace('postgres@', 'postgres:s3cret-pw@');
  const io = memoryIo();
  const code = await runCli(['health', '--all-tables', '--database', url], io);
  assert.equal(code, 1, io.err());
  const out = io.out();
  assert.match(out, /invalid \(1\):.*\n\s+child_code_key\s+on child/);
  assert.match(out, /unindexed foreign keys \(1\):.*\n\s+child\(parent_id\)\s+-> parent/);
  assert.match(out, /usage statistics since \d{4}-/);
  assert.match(out, /not healthy: 1 invalid index\(es\), 1 unindexed foreign key\(s\)/);
  assert.doesNotMatch(out + io.err(), /s3cret-pw/);

  const json = memoryIo();
  assert.equal(await runCli(['health', '--all-tables', '--output', 'json', '--database', url], json), 1);
  const report = JSON.parse(json.out()) as HealthReport;
  assert.equal(report.ok, false);
  assert.deepEqual(
    report.findings.invalid.map((i) => i.name),
    ['child_code_key'],
  );
  assert.deepEqual(
    report.findings.unindexedForeignKeys.map((k) => k.constraint),
    ['child_parent_id_fkey'],
  );
});

void test('SQLite with a catalogue file: exit 0 when clean, says structure checks only', async () => {
  const db = freshSqlite('iophcli');
  await setup(db.url, [...SCHEMA, 'CREATE INDEX idx_child_parent_id ON child (parent_id)']);
  const file = join(dirname(db.name), 'catalogue.json');
  const catalogue = {
    name: 'shop',
    description: 'one index',
    phases: [
      {
        name: 'core',
        description: 'core',
        indexes: [
          {
            name: 'idx_child_parent_id',
            table: 'child',
            columns: ['parent_id'],
            unique: false,
            reason: 'fk',
          },
        ],
      },
    ],
  };
  writeFileSync(file, JSON.stringify(catalogue));
  const io = memoryIo();
  const code = await runCli(['health', '--catalogue-file', file, '--database', db.url], io);
  assert.equal(code, 0, io.err());
  assert.match(io.out(), /the tables of catalogue shop: 1 tables, 1 indexes/);
  assert.match(io.out(), /structure checks only/);
  assert.match(io.out(), /healthy: nothing to report/);
});
