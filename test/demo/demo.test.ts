/**
 * `demo` end to end at the small scale on an embedded SQLite file in a data directory it creates:
 * seed, time, apply all 8 phases, time again, one report, verify passing; a second run recreates the file.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { contextforgeCatalogue } from '../../migrations/contextforge/index.js';
import { runCli } from '../../src/cli/run-cli.js';
import { memoryIo } from '../cli/memory-io.js';

const root = mkdtempSync(join(tmpdir(), 'e4demo-'));
after(() => rmSync(root, { recursive: true, force: true }));

void test('demo seeds, measures, applies all phases and reports before/after with verify', async () => {
  const dataDir = join(root, 'data');
  const io = memoryIo();
  const code = await runCli(['demo', '--data-dir', dataDir, '--scale', 'small', '--runs', '1'], io);
  assert.equal(code, 0, io.err() + io.out());
  const out = io.out();
  assert.ok(existsSync(join(dataDir, 'demo.db')));
  const total = contextforgeCatalogue.phases.reduce((n, p) => n + p.indexes.length, 0);
  for (const p of contextforgeCatalogue.phases) {
    assert.match(
      out,
      new RegExp(`^  ${p.name} +${p.indexes.length} +\\d+\\.\\d\\d +succeeded$`, 'm'),
      p.name,
    );
  }
  assert.match(out, new RegExp(`^  total +${total} +\\d+\\.\\d\\d`, 'm'));
  for (const q of contextforgeCatalogue.hotQueries) {
    assert.match(out, new RegExp(`^  ${q.name} +[\\d.]+ms +[\\d.]+ms +[\\d.]+x +\\S+`, 'm'), q.name);
  }
  assert.match(out, /\d+ hot queries scanned a large table before the plan and use an index after it/);
  assert.match(out, /verify: all \d+ hot queries use an index/);
  assert.match(out, /seed: 53 tables, [\d,]+ rows/);

  // A second run succeeds only because demo.db is recreated (seed refuses a database with tables).
  const json = memoryIo();
  assert.equal(
    await runCli(
      ['demo', '--data-dir', dataDir, '--scale', 'small', '--runs', '1', '--output', 'json'],
      json,
    ),
    0,
    json.err(),
  );
  const report = JSON.parse(json.out()) as { ok: boolean; run: { phases: unknown[] }; queries: unknown[] };
  assert.equal(report.ok, true);
  assert.equal(report.run.phases.length, 8);
  assert.equal(report.queries.length, contextforgeCatalogue.hotQueries.length);
});

void test('demo refuses bad flags before touching anything', async () => {
  const io = memoryIo();
  assert.equal(await runCli(['demo', '--data-dir', join(root, 'bad'), '--runs', '0'], io), 2);
  assert.match(io.err(), /--runs must be a whole number/);
  assert.equal(existsSync(join(root, 'bad')), false);
});
