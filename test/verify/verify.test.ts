/**
 * verify on a small SQLite database of its own (not ContextForge): the large-table threshold, an index
 * found, a query that errors, the report text, the command's exit codes; plus the timing helpers.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { HotQuery } from '../../src/catalogue/catalogue.js';
import { sample, hoursBeforeLatest, parseTimestamp } from '../../src/catalogue/contextforge/sample-param.js';
import { openDialect } from '../../src/dialects/open-dialect.js';
import { runCli } from '../../src/cli/run-cli.js';
import { formatVerifyReport, runVerify } from '../../src/verify/verify.js';
import { median, timeQueries } from '../../src/verify/time-queries.js';
import { freshSqlite } from '../helpers/databases.js';
import { memoryIo } from '../cli/memory-io.js';

const byOwner: HotQuery = {
  name: 'items_of_owner',
  description: 'items of one owner',
  sql: 'SELECT id FROM items WHERE owner = $1',
  params: [sample('SELECT owner FROM items ORDER BY id LIMIT 1', 'nobody')],
  tables: ['items'],
  phases: [],
};
const byId: HotQuery = {
  name: 'item_by_id',
  description: 'primary key lookup',
  sql: 'SELECT owner FROM items WHERE id = $1',
  params: [5],
  tables: ['items'],
  phases: [],
};
const broken: HotQuery = {
  name: 'missing_column',
  description: 'a column that is not there',
  sql: 'SELECT nosuchcolumn FROM items WHERE id = $1',
  params: [1],
  tables: ['items'],
  phases: [],
};

async function itemsDb(rows: number) {
  const db = await openDialect(freshSqlite('e4verify').url);
  await db.execute('CREATE TABLE items (id INTEGER PRIMARY KEY, owner TEXT NOT NULL, at TEXT NOT NULL)');
  await db.transaction(async (tx) => {
    for (let i = 1; i <= rows; i++) {
      await tx.execute('INSERT INTO items (id, owner, at) VALUES ($1, $2, $3)', [
        i,
        `o${i % 50}`,
        `2026-01-0${1 + (i % 5)} 10:00:00.000000`,
      ]);
    }
  });
  await db.analyze(['items']);
  return db;
}

void test('a scan of a large table fails verify; an index fixes it; a small table may be scanned', async () => {
  const db = await itemsDb(2_000);
  try {
    let report = await runVerify(db, [byOwner, byId]);
    assert.equal(report.ok, false);
    assert.equal(report.queries[0]?.outcome, 'seq_scan');
    assert.deepEqual(report.queries[0]?.largeSeqScans, ['items']);
    assert.equal(report.queries[1]?.outcome, 'index');
    assert.match(formatVerifyReport(report), /FAIL items_of_owner +SEQUENTIAL SCAN of items/);

    report = await runVerify(db, [byOwner], { largeTableRows: 10_000 });
    assert.equal(report.ok, true);
    assert.equal(report.queries[0]?.outcome, 'small_scan');

    await db.execute('CREATE INDEX items_owner ON items (owner)');
    report = await runVerify(db, [byOwner, byId]);
    assert.equal(report.ok, true);
    assert.deepEqual(report.queries[0]?.indexesUsed, ['items_owner']);
    assert.match(formatVerifyReport(report), /verify: all 2 hot queries use an index/);

    report = await runVerify(db, [broken]);
    assert.equal(report.ok, false);
    assert.equal(report.queries[0]?.outcome, 'error');
    assert.match(report.queries[0]?.summary ?? '', /nosuchcolumn/);

    const timings = await timeQueries(db, [byOwner, { ...byId, sql: 'DELETE FROM items WHERE id = $1' }], 3);
    assert.equal(timings.length, 2);
    assert.ok(timings.every((t) => t.runs === 3 && t.medianMs >= 0));
    const left = await db.query<{ n: number }>('SELECT count(*) AS n FROM items');
    assert.equal(left[0]?.n, 2_000, 'timed DELETE runs are rolled back');
  } finally {
    await db.close();
  }
});

void test('verify of a subset of phases reports the queries of other phases as not covered, without failing', async () => {
  const db = await itemsDb(2_000);
  try {
    const needsLookups: HotQuery = { ...byOwner, phases: ['lookups'] };
    const onAbsentTable: HotQuery = { ...byId, name: 'on_new_table', tables: ['items', 'newer_table'] };
    const shaped: HotQuery = {
      ...byId,
      name: 'deep_page',
      shapeLimit: { why: 'an OR-form cursor', rewrite: 'a row comparison' },
    };
    let report = await runVerify(db, [needsLookups, byId, onAbsentTable, shaped], { phases: ['core'] });
    assert.deepEqual(
      report.queries.map((q) => q.outcome),
      ['not_covered', 'index', 'no_table', 'query_shape'],
    );
    assert.equal(report.ok, true, 'the scan of items is not counted: its phase is not selected');
    const text = formatVerifyReport(report);
    assert.match(text, /-- +items_of_owner +not covered by the selected phases \(needs phase lookups\)/);
    assert.match(text, /NOTE deep_page +query shape: an OR-form cursor; rewrite: a row comparison/);
    assert.match(
      text,
      /all 2 hot queries use an index .*; 1 not covered by the selected phases; 1 on tables/,
    );
    report = await runVerify(db, [needsLookups], { phases: ['core', 'lookups'] });
    assert.equal(report.ok, false, 'selected, the same query fails');
    assert.equal(report.queries[0]?.outcome, 'seq_scan');
  } finally {
    await db.close();
  }
});

void test('parameters come from the data: samples, fallbacks and a time window before the newest row', async () => {
  const db = await itemsDb(20);
  try {
    assert.equal(await sample('SELECT owner FROM items ORDER BY id LIMIT 1', 'x')(db), 'o1');
    assert.equal(await sample('SELECT owner FROM items WHERE id < 0', 'fallback')(db), 'fallback');
    const since = await hoursBeforeLatest('items', 'at', 24)(db);
    assert.equal(since, '2026-01-04 10:00:00.000000');
    assert.equal(parseTimestamp('2026-01-05 10:00:00.000000')?.toISOString(), '2026-01-05T10:00:00.000Z');
    assert.equal(parseTimestamp(42), undefined);
  } finally {
    await db.close();
  }
});

void test('median of odd and even counts', () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.equal(median([]), 0);
});

void test('the verify command exits 1 on a seeded database before the plan, naming the scans', async () => {
  const url = freshSqlite('e4verifycli').url;
  const seedIo = memoryIo();
  assert.equal(await runCli(['seed', '--database', url, '--scale', 'small'], seedIo), 0, seedIo.err());
  const io = memoryIo();
  assert.equal(await runCli(['verify', '--database', url], io), 1, io.err());
  assert.match(io.out(), /FAIL tool_latest_metric +SEQUENTIAL SCAN of tool_metrics/);
  assert.match(io.out(), /hot queries scan a large table/);
  const subset = memoryIo();
  assert.equal(await runCli(['verify', '--database', url, '--phases', 'sessions'], subset), 1, subset.err());
  assert.match(subset.out(), /-- +tools_listing +not covered by the selected phases \(needs phase core\)/);
  assert.match(subset.out(), /FAIL session_messages +SEQUENTIAL SCAN of mcp_messages/);
  const json = memoryIo();
  assert.equal(
    await runCli(['verify', '--database', url, '--large-table-rows', '100000000', '--output', 'json'], json),
    0,
  );
  assert.equal((JSON.parse(json.out()) as { ok: boolean }).ok, true);
});
