import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { BuildRow } from '../../src/engine/bookkeeping-store.js';
import { lastRunFailure, tallyBuilds } from '../../src/operator/build-tally.js';
import { reasonClassifier } from '../../src/operator/bookkeeping-reader.js';
import { classifyPostgresError } from '../../src/dialects/postgres-errors.js';
import { classifyMariadbError } from '../../src/dialects/mariadb-errors.js';

const reasonOf = reasonClassifier({ classifyError: classifyPostgresError });

let seq = 0;
function row(over: Partial<BuildRow> & Pick<BuildRow, 'runId' | 'indexName' | 'status'>): BuildRow {
  seq += 1;
  const startedAt = `2026-01-01T00:00:${String(seq).padStart(2, '0')}.000Z`;
  return {
    id: `${over.runId}-${seq}`,
    phase: 'core',
    tableName: 'tools',
    action: 'create',
    attempt: 1,
    startedAt,
    finishedAt: over.status === 'running' ? null : startedAt,
    durationMs: over.status === 'running' ? null : 1500,
    errorCode: null,
    errorMessage: null,
    owned: false,
    ...over,
  };
}

const lockTimeout = { status: 'failed', errorCode: '55P03', durationMs: 200 } as const;

/** Run r1: idx_a times out twice and is given up on; idx_b is built; idx_c exists. */
function failedRun(): BuildRow[] {
  return [
    row({ runId: 'r1', indexName: 'idx_b', status: 'succeeded', owned: true }),
    row({
      runId: 'r1',
      indexName: 'idx_a',
      ...lockTimeout,
      errorMessage: 'create index idx_a … lock timeout',
    }),
    row({ runId: 'r1', indexName: 'idx_c', status: 'succeeded', action: 'exists', durationMs: 0 }),
    row({
      runId: 'r1',
      indexName: 'idx_a',
      attempt: 2,
      ...lockTimeout,
      errorMessage: 'attempt 2: lock timeout',
    }),
  ];
}

void describe('build tally', () => {
  void it('counts retries, lock timeouts, failures by reason and durations as the CLI observer does', () => {
    const t = tallyBuilds(
      { status: 'failed', startedAt: '2026-01-01T00:00:00.000Z', builds: failedRun() },
      reasonOf,
    );
    assert.equal(t.retries, 1, 'attempt 1 of idx_a was retried');
    assert.equal(t.lockTimeouts, 2, 'both attempts hit the lock timeout');
    assert.deepEqual(t.failures, { lock_timeout: 1 }, 'idx_a was given up on once');
    assert.deepEqual(
      t.durations.map((d) => [d.action, d.seconds]),
      [
        ['create', 1.5],
        ['exists', 0],
      ],
    );
  });

  void it('a failed attempt of a run still going is not a failure yet (its retry may follow)', () => {
    const builds = [row({ runId: 'r2', indexName: 'idx_a', ...lockTimeout })];
    const running = tallyBuilds(
      { status: 'running', startedAt: '2026-01-01T00:00:00.000Z', builds },
      reasonOf,
    );
    assert.deepEqual(running.failures, {});
    assert.equal(running.lockTimeouts, 1);
    // Once the run is over (or a later run started) the same row is a failure, and stays one.
    const over = tallyBuilds({ status: 'failed', startedAt: '2026-01-01T00:00:00.000Z', builds }, reasonOf);
    assert.deepEqual(over.failures, { lock_timeout: 1 });
    const later = tallyBuilds({ status: 'running', startedAt: '2027-01-01T00:00:00.000Z', builds }, reasonOf);
    assert.deepEqual(later.failures, { lock_timeout: 1 });
  });

  void it('a rollback disowning a build keeps its duration; drops count as durations, not failures', () => {
    const builds = [
      row({ runId: 'r1', indexName: 'idx_b', status: 'rolled_back' }),
      row({ runId: 'd1', indexName: 'idx_b', action: 'drop', status: 'succeeded', durationMs: 100 }),
      row({ runId: 'd1', indexName: 'idx_x', action: 'drop', status: 'failed', errorCode: '55P03' }),
    ];
    const t = tallyBuilds({ status: 'rolled_back', builds }, reasonOf);
    assert.deepEqual(
      t.durations.map((d) => d.action),
      ['create', 'drop'],
    );
    assert.deepEqual(t.failures, {});
    assert.equal(t.lockTimeouts, 0);
  });

  void it('the first cause of the last apply run: its first give-up, with reason, SQLSTATE and index', () => {
    const builds = [
      ...failedRun(),
      row({ runId: 'd1', indexName: 'idx_b', action: 'drop', status: 'succeeded' }),
    ];
    assert.deepEqual(lastRunFailure({ status: 'rolled_back', builds }, reasonOf), {
      reason: 'lock_timeout',
      code: '55P03',
      index: 'idx_a',
      message: 'attempt 2: lock timeout',
    });
    const succeeded = [row({ runId: 'r3', indexName: 'idx_a', status: 'succeeded' })];
    assert.equal(
      lastRunFailure({ status: 'succeeded', builds: [...builds, ...succeeded] }, reasonOf),
      undefined,
    );
  });

  void it("the engine's own reason labels pass through; unknown codes are 'other'", () => {
    assert.equal(reasonOf('conflict'), 'conflict');
    assert.equal(reasonOf('interrupted'), 'interrupted');
    assert.equal(reasonOf('23505'), 'unique_violation');
    assert.equal(reasonOf('XX000'), 'other');
    assert.equal(reasonOf(null), 'other');
  });
});

void describe('reasonClassifier on the codes each dialect records', () => {
  // The engine records a MariaDB failure's server error number as its code ('1205'); read back, it must
  // be the same bounded reason the engine saw, or MariaDB failures show as `other` in status and metrics.
  const mariadb = reasonClassifier({ classifyError: classifyMariadbError });
  for (const [code, reason] of [
    ['1205', 'lock_timeout'],
    ['1213', 'deadlock'],
    ['1534', 'online_log_overflow'],
    ['1846', 'online_impossible'],
    ['1062', 'unique_violation'],
    ['lock_timeout', 'lock_timeout'],
  ] as const) {
    void it(`mariadb ${code} -> ${reason}`, () => assert.equal(mariadb(code), reason));
  }

  void it('postgresql 55P03 -> lock_timeout', () => assert.equal(reasonOf('55P03'), 'lock_timeout'));
});
