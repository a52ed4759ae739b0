/**
 * Issue 11: the kill test on postgresql. `up` and `down` (and an `up` whose phase fails and is rolled
 * back) are killed with SIGKILL at one occurrence of every step boundary the engine has (before/after each
 * bookkeeping write, during a build, a drop, a rollback; each kind once, at a random occurrence) and at a
 * random time,
 * every other run under load (a SQLite writer / a PostgreSQL reader holding a snapshot); each time the
 * same command runs again and must converge to what a run that was never interrupted leaves
 * (kill-harness.ts). A bounded sample: scripts/kill-test.ts runs every step. The seed is printed;
 * KILL_SEED=<n> repeats a run.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { killSuite } from './kill-harness.js';

void test('postgresql: killed at every kind of step boundary and at random times, the rerun converges', async (t) => {
  const seed = Number(process.env['KILL_SEED'] ?? Math.floor(Math.random() * 2 ** 31));
  t.diagnostic(`seed ${seed} (KILL_SEED=${seed} repeats it)`);
  const result = await killSuite('postgresql', {
    seed,
    extraSteps: 0,
    randomTimes: 1,
    newKindsOnly: true,
    log: (line) => t.diagnostic(line),
  });
  const killed = result.outcomes.filter((o) => o.killed).length;
  t.diagnostic(`${result.outcomes.length} kill runs, ${killed} killed before the end; seed ${seed}`);
  for (const [scenario, kinds] of result.kinds) t.diagnostic(`${scenario}: ${kinds.join(' ')}`);
  const all = new Set([...result.kinds.values()].flat());
  for (const kind of [
    'before:upsertMigration',
    'after:upsertMigration',
    'before:insertBuild',
    'after:insertBuild',
    'before:finishBuild',
    'after:finishBuild',
    'before:disown',
    'after:disown',
    'during:build',
    'during:drop',
    'during:rollback',
  ]) {
    assert.ok(all.has(kind), `the runs went through ${kind}`);
  }
  assert.ok(killed >= result.outcomes.length - 3, 'almost every run was killed before it ended');
});
