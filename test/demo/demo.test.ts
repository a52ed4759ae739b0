/**
 * `demo` end to end at the small scale on an embedded SQLite file in a data directory it creates:
 * seed, time, apply all 8 phases, time again, one report, verify passing; a second run recreates the file.
 */
import { preEpicSchema } from '../../src/catalogue/contextforge/schema-facts.js';
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { contextforgeCatalogue } from '../../migrations/contextforge/index.js';
import { runCli } from '../../src/cli/run-cli.js';
import { memoryIo } from '../cli/memory-io.js';
import { describeResult, runCliProcess } from '../cli/cli-process.js';

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
  const onPreEpic = contextforgeCatalogue.hotQueries.filter((q) =>
    q.tables.every((t) => preEpicSchema().tables.some((x) => x.name === t)),
  );
  for (const q of onPreEpic) {
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
  assert.equal(report.queries.length, onPreEpic.length);
});

void test('demo refuses bad flags before touching anything', async () => {
  const io = memoryIo();
  assert.equal(await runCli(['demo', '--data-dir', join(root, 'bad'), '--runs', '0'], io), 2);
  assert.match(io.err(), /--runs must be a whole number/);
  assert.equal(existsSync(join(root, 'bad')), false);
});

void test('demo in a working directory it cannot write puts demo.db in the temp dir and says so', async () => {
  // As in the image: the working directory /app is read-only for the process, only TMPDIR is writable.
  // Root may write anywhere, so as root the CLI runs as nobody; otherwise the directory is made read-only.
  chmodSync(root, 0o755);
  const cwd = join(root, 'read-only');
  const tmp = join(root, 'tmp');
  mkdirSync(cwd);
  mkdirSync(tmp);
  chmodSync(cwd, 0o555);
  chmodSync(tmp, 0o1777);
  const asUser = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
  const r = await runCliProcess(['demo', '--scale', 'small', '--runs', '1'], {
    cwd,
    env: { TMPDIR: tmp, HOME: tmp },
    ...asUser,
  });
  assert.equal(r.code, 0, describeResult(r));
  const dir = join(tmp, 'index-operator-demo');
  assert.ok(
    r.stdout.includes(`the working directory ${cwd} is not writable: demo.db goes to ${dir}`),
    r.stdout,
  );
  assert.match(r.stdout, /verify: all \d+ hot queries use an index/);
  assert.ok(existsSync(join(dir, 'demo.db')));
  assert.equal(existsSync(join(cwd, 'data')), false);
});

void test('demo with a --data-dir that cannot hold demo.db says so (exit 2)', async () => {
  const file = join(root, 'a-file');
  writeFileSync(file, '');
  const io = memoryIo();
  assert.equal(await runCli(['demo', '--data-dir', join(file, 'data'), '--scale', 'small'], io), 2);
  assert.match(
    io.err(),
    /--data-dir .*a-file\/data cannot hold demo\.db \(ENOTDIR\): use a writable directory/,
  );
});
