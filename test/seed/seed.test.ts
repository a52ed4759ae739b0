/**
 * seed: deterministic data, the pre-epic schema with its own indexes on both dialects, row counts as
 * sized, refusal to touch a non-empty database, and the `seed` command.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { preEpicSchema, tableFact } from '../../src/catalogue/contextforge/schema-facts.js';
import { openDialect } from '../../src/dialects/open-dialect.js';
import { UsageError } from '../../src/errors.js';
import { runCli } from '../../src/cli/run-cli.js';
import { resolvedSizes, sizeOf, tableData } from '../../src/seed/data-generator.js';
import { tableSizes } from '../../src/seed/scale.js';
import { seedDatabase } from '../../src/seed/seed.js';
import { schemaIndexes } from '../../src/seed/schema-indexes.js';
import { ALL_DIALECTS, freshDatabase, freshSqlite } from '../helpers/databases.js';
import { memoryIo } from '../cli/memory-io.js';

const schema = preEpicSchema();
const all = new Map(schema.tables.map((t) => [t.name, t]));
const TOOLS = 500;

function rowsOf(table: string, seed: number, n = 50): unknown[][] {
  const fact = tableFact(schema, table);
  assert.ok(fact);
  const data = tableData(fact, all, resolvedSizes(tableSizes(TOOLS)), seed);
  return Array.from({ length: n }, (_, i) => data.row(i));
}

void test('the data is deterministic for a seed and differs between seeds', () => {
  for (const table of ['tools', 'tool_metrics', 'email_team_members', 'email_api_tokens']) {
    assert.deepEqual(rowsOf(table, 7), rowsOf(table, 7), table);
  }
  assert.notDeepEqual(rowsOf('tool_metrics', 7), rowsOf('tool_metrics', 8));
});

void test('entities mix visibility and enabled, memberships are unique per team', () => {
  const tools = rowsOf('tools', 1, 500);
  const cols = tableFact(schema, 'tools')?.columns.map((c) => c.name) ?? [];
  const vis = new Set(tools.map((r) => r[cols.indexOf('visibility')]));
  const enabled = new Set(tools.map((r) => r[cols.indexOf('enabled')]));
  assert.deepEqual([...vis].sort(), ['private', 'public', 'team']);
  assert.deepEqual([...enabled].sort(), [false, true]);
  const sizes = resolvedSizes(tableSizes(TOOLS));
  const members = rowsOf('email_team_members', 1, sizeOf(sizes, 'email_team_members'));
  const mcols = tableFact(schema, 'email_team_members')?.columns.map((c) => c.name) ?? [];
  const pairs = members.map(
    (r) => `${String(r[mcols.indexOf('team_id')])}/${String(r[mcols.indexOf('user_email')])}`,
  );
  assert.equal(new Set(pairs).size, pairs.length);
});

for (const dialect of ALL_DIALECTS) {
  void test(`${dialect}: seed creates the pre-epic schema, its own indexes and the sized rows`, async () => {
    const db = await openDialect((await freshDatabase(dialect, 'e4seedt')).url);
    try {
      const report = await seedDatabase(db, { tools: TOOLS, seed: 3, reset: false, schema: 'pre-epic' });
      const snap = await db.introspect();
      assert.equal(snap.tables.size, 53);
      assert.equal(snap.foreignKeys.length, 60);
      const names = new Set(snap.indexes.map((i) => i.name));
      const own = schemaIndexes(schema).filter((i) => i.kind === 'index');
      for (const i of own) assert.ok(names.has(i.name), `${i.name} created`);
      const sizes = resolvedSizes(tableSizes(TOOLS));
      let total = 0;
      for (const t of schema.tables) {
        const n = Number((await db.query<{ n: unknown }>(`SELECT count(*) AS n FROM "${t.name}"`))[0]?.n);
        assert.equal(n, sizeOf(sizes, t.name), t.name);
        total += n;
      }
      assert.equal(report.rows, total);
      assert.ok(report.rowsPerSecond > 0);

      await assert.rejects(
        seedDatabase(db, { tools: 0, seed: 1, reset: false, schema: 'pre-epic' }),
        (e: unknown) => e instanceof UsageError && e.reason === 'not_empty' && /--reset/.test(e.message),
      );
      await db.execute('CREATE TABLE customer_data (id integer primary key)');
      await assert.rejects(
        seedDatabase(db, { tools: 0, seed: 1, reset: true, schema: 'pre-epic' }),
        (e: unknown) => e instanceof UsageError && /not ContextForge tables/.test(e.message),
      );
      await db.execute('DROP TABLE customer_data');
      await seedDatabase(db, { tools: 0, seed: 1, reset: true, schema: 'current' });
      assert.equal((await db.introspect()).tables.size, 70);
    } finally {
      await db.close();
    }
  });
}

void test('the seed command reports what it created, in text and JSON', async () => {
  const url = freshSqlite('e4seedcli').url;
  const io = memoryIo();
  assert.equal(await runCli(['seed', '--database', url, '--schema-only'], io), 0, io.err());
  assert.match(io.out(), /schema pre-epic: 53 tables, \d+ indexes/);
  assert.match(io.out(), /data: none \(schema only\)/);
  const again = memoryIo();
  assert.equal(await runCli(['seed', '--database', url, '--schema-only'], again), 2);
  assert.match(again.err(), /not empty/);
  const json = memoryIo();
  const code = await runCli(
    ['seed', '--database', url, '--reset', '--scale', 'small', '--output', 'json'],
    json,
  );
  assert.equal(code, 0, json.err());
  const report = JSON.parse(json.out()) as { rows: number; tables: number };
  assert.equal(report.tables, 53);
  assert.ok(report.rows > 50_000);
  const bad = memoryIo();
  assert.equal(await runCli(['seed', '--database', url, '--scale', 'huge'], bad), 2);
  assert.match(bad.err(), /unknown scale 'huge'/);
});
