/**
 * scripts/run-tests.mjs (`npm test`): before any test it checks what the chosen files need from outside
 * the repository, and stops with one message naming the fix for each missing part, instead of letting
 * each test fail on its own (a missing promtool once gave nine failures and an uncaught ENOENT).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function runTests(filters: readonly string[], env: Record<string, string>) {
  // Without the parent's NODE_TEST_CONTEXT: the child runner would otherwise refuse to run files.
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => k !== 'NODE_TEST_CONTEXT'),
  );
  const r = spawnSync(process.execPath, ['scripts/run-tests.mjs', ...filters], {
    encoding: 'utf8',
    timeout: 120_000,
    env: { ...inherited, ...env },
  });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

void test('prometheus and promtool missing: one set-up check naming the fix, no test run', () => {
  const emptyPath = mkdtempSync(join(tmpdir(), 'no-tools-'));
  try {
    const r = runTests(['test/dashboards/alerts-and-dashboard'], { PATH: emptyPath });
    assert.equal(r.code, 1, r.out);
    assert.match(r.out, /^set-up check failed, no test was run: 1 missing part\(s\):$/m);
    assert.match(r.out, /prometheus and promtool .*\n +fix: apt-get install -y prometheus$/m);
    assert.match(r.out, /\.ci\/run/);
    assert.doesNotMatch(r.out, /ENOENT|ℹ tests/);
  } finally {
    rmSync(emptyPath, { recursive: true, force: true });
  }
});

void test('PostgreSQL not reachable: one set-up check naming how to start it, no test run', () => {
  const r = runTests(['test/seed/'], { TEST_PGPORT: '1' });
  assert.equal(r.code, 1, r.out);
  assert.match(r.out, /PostgreSQL on 127\.0\.0\.1:1 .*needed by \d+ test file\(s\)/);
  assert.match(r.out, /fix: apt-get install -y postgresql, then pg_ctlcluster --skip-systemctl-redirect/);
  assert.doesNotMatch(r.out, /ℹ tests/);
});

void test('with what they need in place the chosen tests run', () => {
  const r = runTests(['test/cli/redact'], {});
  assert.equal(r.code, 0, r.out);
  assert.doesNotMatch(r.out, /set-up check/);
  assert.match(r.out, /ℹ fail 0/);
});
