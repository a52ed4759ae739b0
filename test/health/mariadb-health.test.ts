/**
 * The health inspector on the real MariaDB: structure (duplicate, overlapping) from information_schema,
 * index sizes from InnoDB's statistics, and index usage only while the server counts it (userstat):
 * off, the report says scans and unused indexes are not checked; on, it counts rows read per index and
 * finds the unused ones. The server's userstat setting is restored after the test.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inspectHealth } from '../../src/health/health-inspector.js';
import { freshMariadb, mariadbAdmin } from '../helpers/databases.js';
import { withDialect } from '../helpers/dialects.js';

const SCHEMA = [
  'CREATE TABLE parent (id INT PRIMARY KEY, name VARCHAR(40) NOT NULL) ENGINE=InnoDB',
  `CREATE TABLE child (id INT PRIMARY KEY, parent_id INT, n INT, code VARCHAR(40),
     CONSTRAINT fk_child_parent FOREIGN KEY (parent_id) REFERENCES parent (id)) ENGINE=InnoDB`,
  'CREATE INDEX child_n_a ON child (n)',
  'CREATE INDEX child_n_b ON child (n)',
  'CREATE INDEX child_n_code ON child (n, code)',
  `INSERT INTO parent SELECT seq, CONCAT('p', seq) FROM seq_1_to_50`,
  `INSERT INTO child SELECT seq, 1 + seq % 50, seq % 100, CONCAT('c', seq) FROM seq_1_to_20000`,
  'ANALYZE TABLE parent, child',
];

async function setUserstat(on: boolean): Promise<void> {
  await mariadbAdmin((c) => c.query(`SET GLOBAL userstat = ${on ? 1 : 0}`));
}

void test('MariaDB: sizes always; usage (and unused indexes) only with userstat, said in the note', async () => {
  const db = await freshMariadb('iopmdbhealth');
  const before = await mariadbAdmin(async (c) => {
    const rows = await c.query<{ v: number | bigint }[]>('SELECT @@GLOBAL.userstat AS v');
    return Number(rows[0]?.v ?? 0) === 1;
  });
  try {
    await withDialect(db.url, async (dialect) => {
      for (const sql of SCHEMA) await dialect.execute(sql);

      await setUserstat(false);
      const off = await inspectHealth(dialect);
      assert.equal(off.statistics, true);
      assert.match(off.note ?? '', /userstat is OFF/);
      assert.match(off.note ?? '', /sizes from InnoDB's persistent statistics/);
      assert.equal(off.statsResetAt, null);
      const sizeOf = (name: string) => off.indexes.find((i) => i.name === name)?.sizeBytes;
      for (const name of ['PRIMARY', 'child_n_a', 'child_n_code']) {
        assert.ok((sizeOf(name) ?? 0) >= 16_384, `${name}: ${sizeOf(name)} bytes (a page at least)`);
      }
      assert.ok(
        off.indexes.every((i) => i.scans === null),
        'no scans without userstat',
      );
      assert.deepEqual(off.findings.unused, []);
      assert.deepEqual(off.findings.duplicates.map((d) => `${d.index}:${d.kind}:${d.duplicateOf}`).sort(), [
        'child_n_a:overlapping:child_n_code',
        'child_n_b:duplicate:child_n_a',
      ]);
      assert.deepEqual(off.findings.unindexedForeignKeys, [], 'InnoDB indexes every foreign key');
      console.log(
        `MariaDB health sizes: ${off.indexes.map((i) => `${i.table}.${i.name}=${i.sizeBytes}`).join(' ')}`,
      );

      await setUserstat(true);
      await dialect.query('SELECT code FROM child FORCE INDEX (child_n_code) WHERE n = 3');
      const on = await inspectHealth(dialect);
      assert.match(on.note ?? '', /rows read through each index/);
      const scansOf = (name: string) => on.indexes.find((i) => i.name === name)?.scans;
      assert.ok((scansOf('child_n_code') ?? 0) >= 200, `child_n_code read ${scansOf('child_n_code')} rows`);
      assert.equal(scansOf('child_n_a'), 0);
      const unused = on.findings.unused.map((i) => i.name);
      assert.ok(unused.includes('child_n_a') && unused.includes('child_n_b'), unused.join(', '));
      assert.ok(!unused.includes('child_n_code') && !unused.includes('PRIMARY'), unused.join(', '));
    });
  } finally {
    await setUserstat(before);
  }
});
