/**
 * Issue 11, defect 3: SQLITE_BUSY is transient everywhere. Another process holds the file's write lock
 * (BEGIN IMMEDIATE): taking the runner lock waits within --lock-wait; bookkeeping writes, builds and
 * drops are retried; what still fails is a transient error naming the wait, never a raw driver stack.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { exampleCatalogue } from '../../src/catalogue/example/example-catalogue.js';
import { applyPhases } from '../../src/engine/engine.js';
import { openDialect } from '../../src/dialects/open-dialect.js';
import { runCli } from '../../src/cli/run-cli.js';
import { TransientError } from '../../src/errors.js';
import { REPO_ROOT } from '../cli/cli-process.js';
import { memoryIo } from '../cli/memory-io.js';
import { assertBookkeepingMatchesDatabase, catalogueIndexesInDb, engineFixture } from './engine-fixture.js';

const ALL_NAMES = exampleCatalogue.phases.flatMap((p) => p.indexes.map((i) => i.name)).sort();

/** Another process that takes the write lock `cycles` times for `holdMs`, `gapMs` apart. */
async function holdWriteLock(path: string, holdMs: number, cycles: number, gapMs: number) {
  const script = `
    const Database = require('better-sqlite3');
    const db = new Database(process.argv[1]);
    db.pragma('busy_timeout = 30000');
    const sleep = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
    for (let i = 0; i < Number(process.argv[3]); i++) {
      db.exec('BEGIN IMMEDIATE');
      if (i === 0) process.stdout.write('locked\\n');
      sleep(Number(process.argv[2]));
      db.exec('COMMIT');
      sleep(Number(process.argv[4]));
    }`;
  const child: ChildProcess = spawn(
    process.execPath,
    ['-e', script, path, String(holdMs), String(cycles), String(gapMs)],
    { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (d: Buffer) => d.toString().includes('locked') && resolve());
    child.on('exit', (code) => reject(new Error(`lock holder exited early (${code})`)));
  });
  return { stop: () => child.kill('SIGKILL') };
}

void test('the runner lock waits within --lock-wait for a writer holding the file, then the run succeeds', async () => {
  const f = await engineFixture('sqlite');
  const dialect = await openDialect(f.db.url, { busyTimeoutMs: 200 });
  const holder = await holdWriteLock(f.db.name, 2500, 1, 0);
  try {
    const report = await applyPhases(f.deps({ dialect }), exampleCatalogue, { lockWaitMs: 20_000 });
    assert.equal(report.ok, true, report.error?.message);
    assert.deepEqual([...(await catalogueIndexesInDb(dialect)).keys()].sort(), ALL_NAMES);
  } finally {
    holder.stop();
    await dialect.close();
  }
});

void test('past --lock-wait: a transient error naming the waits, and nothing changed', async () => {
  const f = await engineFixture('sqlite');
  const dialect = await openDialect(f.db.url, { busyTimeoutMs: 200 });
  const holder = await holdWriteLock(f.db.name, 60_000, 1, 0);
  try {
    await assert.rejects(
      applyPhases(f.deps({ dialect }), exampleCatalogue, { lockWaitMs: 600 }),
      (e: unknown) => {
        assert.ok(e instanceof TransientError, String(e));
        assert.equal(e.reason, 'busy');
        assert.match(
          e.message,
          /another connection holds the write lock .*busy timeout 200ms, --lock-wait 600ms/,
        );
        return true;
      },
    );
  } finally {
    holder.stop();
    await dialect.close();
  }
  assert.deepEqual([...(await catalogueIndexesInDb(f.dialect)).keys()], []);
});

void test('a writer taking the lock again and again during up: bookkeeping, builds and ANALYZE wait and retry', async () => {
  const f = await engineFixture('sqlite', 2000);
  const dialect = await openDialect(f.db.url, { busyTimeoutMs: 300 });
  // The writer starts at the first build's bookkeeping write, so that write meets a lock held for longer
  // than the busy timeout whatever the machine's speed, and keeps coming back for the rest of the run.
  let holder: { stop: () => void } | undefined;
  const steps = async (point: string) => {
    if (holder === undefined && point === 'before:insertBuild') {
      holder = await holdWriteLock(f.db.name, 700, 60, 150);
    }
  };
  try {
    const report = await applyPhases(f.deps({ dialect, steps }), exampleCatalogue, {
      lockWaitMs: 30_000,
      busyTimeoutMs: 300,
      retries: { limit: 6, backoffMs: 150 },
    });
    assert.equal(report.ok, true, report.error?.message);
  } finally {
    holder?.stop();
  }
  try {
    assert.ok(holder !== undefined, 'the writer was started at the first build');
    assert.deepEqual([...(await catalogueIndexesInDb(dialect)).keys()].sort(), ALL_NAMES);
    await assertBookkeepingMatchesDatabase(dialect);
    assert.ok(
      f.logLines.some((l) => /bookkeeping \w+ failed \(busy\); retrying/.test(l)) ||
        f.events.some((e) => e.event === 'indexRetry'),
      'the writer was met and waited for',
    );
  } finally {
    await dialect.close();
  }
});

void test('the CLI: a held file is a transient failure with a clear message, no driver stack (exit 1)', async () => {
  const f = await engineFixture('sqlite');
  const holder = await holdWriteLock(f.db.name, 60_000, 1, 0);
  try {
    const io = memoryIo();
    const code = await runCli(
      ['up', '--database', f.db.url, '--catalogue', 'example', '--output', 'json'],
      io,
    );
    assert.equal(code, 1, io.out() + io.err());
    const doc = JSON.parse(io.out()) as { error: { class: string; reason: string; message: string } };
    assert.equal(doc.error.class, 'transient');
    assert.equal(doc.error.reason, 'busy');
    assert.match(
      doc.error.message,
      /write lock on the file \(SQLITE_BUSY\); waited \d+ms \(busy timeout 5000ms/,
    );
    assert.doesNotMatch(io.err(), /SqliteError/);
  } finally {
    holder.stop();
  }
});
