/**
 * `index-operator up --metrics-port`: while a real PostgreSQL build runs, /metrics answers with the run's
 * state, planned indexes and the catalogue's health; the server is gone when the command returns.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../src/cli/run-cli.js';
import { freshPostgres } from '../helpers/databases.js';
import { withDialect } from '../helpers/dialects.js';
import { memoryIo } from '../cli/memory-io.js';
import { freePort } from '../helpers/free-port.js';

const catalogue = {
  name: 'upmetrics',
  description: 'two text indexes on a 300k-row table',
  phases: [
    {
      name: 'core',
      description: 'core',
      indexes: [
        { name: 'idx_items_token', table: 'items', columns: ['token'], unique: false, reason: 'lookup' },
        {
          name: 'idx_items_token_desc',
          table: 'items',
          columns: ['token DESC', 'id'],
          unique: false,
          reason: 'x',
        },
      ],
    },
  ],
};

void test('up --metrics-port serves the run metrics while it runs, and stops with it', async () => {
  const db = await freshPostgres('iopupm');
  await withDialect(db.url, (dialect) =>
    dialect.execute(
      'CREATE TABLE items AS SELECT g AS id, md5(g::text) AS token FROM generate_series(1, 300000) g',
    ),
  );
  const dir = mkdtempSync(join(tmpdir(), 'iop-upm-'));
  try {
    const file = join(dir, 'catalogue.json');
    writeFileSync(file, JSON.stringify(catalogue));
    const port = await freePort();
    const io = memoryIo();
    let done = false;
    const run = runCli(
      ['up', '--database', db.url, '--catalogue-file', file, '--metrics-port', String(port)],
      io,
    ).finally(() => (done = true));
    const seen: string[] = [];
    while (!done) {
      const text = await fetch(`http://127.0.0.1:${port}/metrics`)
        .then((r) => r.text())
        .catch(() => '');
      if (text.includes('state="Running"} 1')) seen.push(text);
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(await run, 0, io.err());
    assert.ok(seen.length > 0, 'scraped at least once while running');
    const text = seen.at(-1) ?? '';
    assert.match(text, /index_operator_indexes_planned\{migration="upmetrics"\} 2/);
    assert.match(text, /index_operator_health_findings\{migration="upmetrics",kind="invalid"\} \d/);
    await assert.rejects(fetch(`http://127.0.0.1:${port}/metrics`), 'server closed after the run');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
