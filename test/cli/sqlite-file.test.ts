/**
 * A mistyped SQLite path must not silently become a new, empty database: every command but seed and
 * demo refuses a missing file with exit 2 and a message naming the path; seed creates it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { openDialect } from '../../src/dialects/open-dialect.js';
import { runCli } from '../../src/cli/run-cli.js';
import { freshSqlite } from '../helpers/databases.js';
import { memoryIo } from './memory-io.js';

for (const command of ['plan', 'up', 'down', 'status', 'health', 'verify']) {
  void test(`${command} refuses a SQLite file that does not exist and creates nothing`, async () => {
    const db = freshSqlite('iopmissing');
    const io = memoryIo();
    const code = await runCli([command, '--database', db.url, '--catalogue', 'example'], io);
    assert.equal(code, 2, io.err() + io.out());
    assert.match(io.err() + io.out(), /SQLite database file .*test\.db does not exist/);
    assert.equal(existsSync(db.name), false, 'no file was created');
  });
}

void test('seed creates the SQLite file it is given', async () => {
  const db = freshSqlite('iopmissing');
  const io = memoryIo();
  const code = await runCli(['seed', '--database', db.url, '--schema-only'], io);
  assert.equal(code, 0, io.err() + io.out());
  assert.equal(existsSync(db.name), true);
});

/** The file's bytes, and whether SQLite's -wal/-shm files exist beside it. */
function fileState(path: string): { readonly sha: string; readonly sidecars: boolean } {
  return {
    sha: createHash('sha256').update(readFileSync(path)).digest('hex'),
    sidecars: existsSync(`${path}-wal`) || existsSync(`${path}-shm`),
  };
}

void test('issue 11: plan, status, health and verify open a SQLite file read-only and leave it untouched', async () => {
  const db = freshSqlite('iorofile');
  const seeded = memoryIo();
  assert.equal(
    await runCli(['seed', '--database', db.url, '--scale', 'small', '--schema-only'], seeded),
    0,
    seeded.err(),
  );
  const up = memoryIo();
  assert.equal(await runCli(['up', '--database', db.url], up), 0, up.err());
  // A rollback-journal file, as an application may keep it: a writer would turn it into WAL.
  const raw = new Database(db.name);
  raw.pragma('journal_mode = DELETE');
  raw.close();
  const before = fileState(db.name);
  for (const command of ['plan', 'status', 'health', 'verify']) {
    const io = memoryIo();
    const code = await runCli([command, '--database', db.url], io);
    assert.ok(code === 0 || code === 1, `${command}: exit ${code}\n${io.err()}${io.out()}`);
    assert.doesNotMatch(io.err() + io.out(), /SQLITE_READONLY|readonly database/i, command);
    assert.deepEqual(fileState(db.name), before, `${command} left the file as it was`);
  }
  const dialect = await openDialect(db.url, { readOnly: true });
  try {
    await assert.rejects(dialect.execute('CREATE TABLE t (a INTEGER)'), /readonly/i);
  } finally {
    await dialect.close();
  }
});

void test('issue 11: a lock timeout above what the database accepts, or a phase named twice, is exit 2 and touches nothing', async () => {
  const db = freshSqlite('iotimeout');
  const seeded = memoryIo();
  assert.equal(await runCli(['seed', '--database', db.url, '--schema-only'], seeded), 0, seeded.err());
  const before = fileState(db.name);
  for (const flags of [
    ['--lock-timeout', '600h'],
    ['--phases', 'core,core'],
  ]) {
    const io = memoryIo();
    const code = await runCli(['up', '--database', db.url, ...flags], io);
    assert.equal(code, 2, io.err() + io.out());
    assert.match(io.err(), /more than the 2147483647ms|more than once/);
    assert.deepEqual(fileState(db.name), before, 'nothing written');
  }
});
