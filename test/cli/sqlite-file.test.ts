/**
 * A mistyped SQLite path must not silently become a new, empty database: every command but seed and
 * demo refuses a missing file with exit 2 and a message naming the path; seed creates it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
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
