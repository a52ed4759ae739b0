/**
 * verify on PostgreSQL when the planner reads a large table whole although an index serves the query:
 * a public-only listing (`enabled AND visibility = 'public' ORDER BY created_at DESC, id DESC LIMIT 51`)
 * of a 1,000-row table with 12% public rows is cheaper to read whole and top-N sort than to walk the
 * (enabled, created_at, id) index for a page. verify re-plans without sequential scans and passes the
 * scan when that plan searches the table by an index's first column and costs less than
 * COST_SCAN_MAX_RATIO times as much. A plan that only walks an index whole (the filter column not first),
 * or no index at all, still fails.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { HotQuery } from '../../src/catalogue/catalogue.js';
import { openDialect } from '../../src/dialects/open-dialect.js';
import { formatVerifyReport, runVerify } from '../../src/verify/verify.js';
import { freshPostgres } from '../helpers/databases.js';

const url = (await freshPostgres('e14costscan')).url;

const q = (name: string, sql: string, params: unknown[]): HotQuery => ({
  name,
  description: name,
  sql,
  params,
  tables: ['items'],
  phases: [],
});
const publicPage = q(
  'public_page',
  'SELECT id, created_at FROM items WHERE enabled = true AND visibility = $1 ORDER BY created_at DESC, id DESC LIMIT 51',
  ['public'],
);
const byName = q('by_name', 'SELECT id FROM items WHERE name = $1', ['item 7']);
const byNote = q('by_note', 'SELECT id FROM items WHERE note = $1', ['note 7']);

void test('a scan passes when an index plan searching the table costs less than twice as much', async () => {
  const db = await openDialect(url);
  try {
    await db.execute(
      'CREATE TABLE items (id varchar(36) PRIMARY KEY, team varchar(36) NOT NULL, name varchar(255) NOT NULL, ' +
        'note varchar(255) NOT NULL, visibility varchar(20) NOT NULL, enabled boolean NOT NULL, ' +
        'created_at timestamptz NOT NULL)',
    );
    // 1,000 rows; every eighth public; created_at in no relation to the row's place in the table.
    await db.execute(
      "INSERT INTO items SELECT lpad(to_hex(i), 8, '0') || '-0000-4000-8000-000000000000', 'team ' || (i % 40), " +
        "'item ' || i, 'note ' || i, CASE WHEN i % 8 = 0 THEN 'public' ELSE 'private' END, i % 10 <> 0, " +
        "timestamptz '2026-06-01' - ((i * 7919) % 1000) * interval '1 minute' FROM generate_series(0, 999) i",
    );
    await db.execute('CREATE INDEX items_enabled_created ON items (enabled, created_at DESC, id DESC)');
    // name only behind team: a plan without scans can walk this index whole, not search it.
    await db.execute('CREATE INDEX items_team_name ON items (team, name)');
    await db.analyze(['items']);

    const report = await runVerify(db, [publicPage, byName, byNote]);
    const [page, name, note] = report.queries;
    assert.deepEqual(page?.seqScans, ['items'], `the planner reads items whole here: ${page?.summary}`);
    assert.equal(page?.outcome, 'small_scan', page?.summary);
    assert.deepEqual(page?.largeSeqScans, []);
    assert.match(page?.costServed?.[0] ?? '', /^items_enabled_created at 1\.\dx the scan's cost$/);
    assert.equal(name?.outcome, 'seq_scan', `name is not first in items_team_name: ${name?.summary}`);
    assert.equal(name?.costServed, undefined);
    assert.equal(note?.outcome, 'seq_scan', `no index has note: ${note?.summary}`);
    assert.equal(report.ok, false);
    const text = formatVerifyReport(report);
    assert.match(text, /ok +public_page +scan of items, cheaper at this size than items_enabled_created at/);
    assert.match(text, /FAIL by_name +SEQUENTIAL SCAN of items/);
  } finally {
    await db.close();
  }
});
