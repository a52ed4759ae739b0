/**
 * The PostgreSQL runner lock knows when it is lost: its session's backend terminated, `lost` aborts
 * with a transient `runner_lock_lost` error that names the target (never a password), and another
 * runner can take the lock at once.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openDialect } from '../../src/dialects/open-dialect.js';
import { TransientError } from '../../src/errors.js';
import { freshPostgres } from '../helpers/databases.js';
import { pgClient } from '../cli/fixtures.js';
import { waitFor } from '../cli/cli-process.js';

void test('a terminated lock session aborts lost; release is harmless; another runner takes the lock', async () => {
  const db = await freshPostgres('ioplocklost');
  const admin = await pgClient(db.url);
  const first = await openDialect(db.url);
  const second = await openDialect(db.url);
  try {
    const lock = await first.acquireRunnerLock('runner-a', 0);
    assert.equal(lock.lost.aborted, false);
    await assert.rejects(second.acquireRunnerLock('runner-b', 0), /runner-a/, 'the lock is held');
    const terminated = await admin.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND application_name = $2`,
      [db.name, 'index-operator runner: runner-a'],
    );
    assert.equal(terminated.rowCount, 1);
    await waitFor('the lock to be reported lost', () => lock.lost.aborted);
    const reason: unknown = lock.lost.reason;
    assert.ok(reason instanceof TransientError, String(reason));
    assert.equal(reason.reason, 'runner_lock_lost');
    assert.match(reason.message, new RegExp(`runner lock on .*${db.name} was lost`));
    await lock.release();
    await (await second.acquireRunnerLock('runner-b', 0)).release();
  } finally {
    await first.close();
    await second.close();
  }
});

void test('a released lock is not reported lost', async () => {
  const db = await freshPostgres('ioplocklost');
  const dialect = await openDialect(db.url);
  try {
    const lock = await dialect.acquireRunnerLock('runner-a', 0);
    await lock.release();
    await lock.release();
    assert.equal(lock.lost.aborted, false);
  } finally {
    await dialect.close();
  }
});

void test('a runner waiting for the lock is told since when the holder holds it, not when it last checked its session', async () => {
  const db = await freshPostgres('ioplocksince');
  const admin = await pgClient(db.url);
  const first = await openDialect(db.url);
  const second = await openDialect(db.url);
  try {
    const before = Date.now();
    const lock = await first.acquireRunnerLock('runner-a', 0);
    const taken = Date.now();
    // The holder checks its session every 5 s (SELECT 1): wait until it has, so its state changed since.
    await waitFor(
      "the holder's session check",
      async () => {
        const { rows } = await admin.query<{ state_change: Date }>(
          `SELECT state_change FROM pg_stat_activity WHERE datname = $1 AND application_name = $2`,
          [db.name, 'index-operator runner: runner-a'],
        );
        const changed = rows[0]?.state_change;
        return changed !== undefined && changed.getTime() > taken + 1000;
      },
      20_000,
      200,
    );
    await assert.rejects(second.acquireRunnerLock('runner-b', 0), (e: unknown) => {
      const since = /since (\S+)\)/.exec(e instanceof Error ? e.message : '')?.[1];
      assert.ok(since, String(e));
      const at = Date.parse(since);
      assert.ok(
        at >= before - 1000 && at <= taken + 500,
        `since ${since}: the lock was taken at ${new Date(taken).toISOString()}`,
      );
      return true;
    });
    await lock.release();
  } finally {
    await admin.end();
    await first.close();
    await second.close();
  }
});
