/**
 * End to end, on the fake API server with the in-process Job runner and real PostgreSQL: what a failed
 * phase leaves in the status (the failed run, its first cause, the one rollback that followed), and what
 * the operator's own /metrics shows of builds that ran in Jobs, across reconciles, restarts and replicas.
 */
import { afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { FakeApiServer } from '../kube/fake-api-server.js';
import { JobRunner } from '../kube/job-runner.js';
import { eventually } from '../kube/eventually.js';
import { freshPostgres } from '../helpers/databases.js';
import { createPreEpicSchema, withDialect } from '../helpers/dialects.js';
import { openDialect } from '../../src/dialects/open-dialect.js';
import { SqlBookkeepingStore } from '../../src/engine/sql-bookkeeping-store.js';
import type { BuildRow } from '../../src/engine/bookkeeping-store.js';
import type { IndexMigration, IndexMigrationSpec } from '../../src/operator/types.js';
import {
  NS,
  condition,
  getMigration,
  migration,
  pgDatabase,
  startOperator,
  urlSecret,
  type RunningOperator,
} from './operator-harness.js';

/** Its index is the last of the phase to be built, so the three before it are built when it fails. */
const LOCKED_TABLE = 'server_a2a_association';
const LOCKED_INDEX = 'idx_server_a2a_association_a2a_agent_id_server_id';

let server: FakeApiServer;
let runner: JobRunner;
const running: RunningOperator[] = [];
const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  await Promise.all(running.splice(0).map((op) => op.stop()));
  await runner.stop();
  await server.close();
  for (const c of cleanups.splice(0)) await c();
});

/** A fresh database with the ContextForge schema, its Secret in the fake cluster, a running Job runner. */
async function cluster(): Promise<string> {
  server = await FakeApiServer.start();
  runner = new JobRunner(server).start();
  const db = await freshPostgres('iopfail');
  await createPreEpicSchema(db.url);
  server.create('secrets', urlSecret('pg', db.url));
  return db.url;
}

function start(identity: string, metrics = false, resyncMs?: number): RunningOperator {
  const op = startOperator(server, identity, [NS], {
    metrics,
    ...(resyncMs === undefined ? {} : { resyncMs }),
  });
  running.push(op);
  return op;
}

function spec(
  over: Partial<IndexMigrationSpec> = {},
): Partial<IndexMigrationSpec> & Pick<IndexMigrationSpec, 'database'> {
  return {
    database: pgDatabase('pg'),
    phases: ['sessions', 'associations'],
    verify: false,
    // One build at a time: a concurrent build would wait for the blocked one's snapshot and time out too.
    concurrency: 1,
    lockTimeout: '200ms',
    // One retry: the locked index times out, waits, times out again, and the phase fails.
    retries: { limit: 1, backoff: '100ms' },
    ...over,
  };
}

async function finalStatus(phase: string, timeoutMs = 60_000): Promise<IndexMigration> {
  return eventually<IndexMigration>(
    () => {
      const m = getMigration(server, 'mcp');
      assert.equal(m?.status?.phase, phase, JSON.stringify(m?.status));
      return m;
    },
    timeoutMs,
    50,
  );
}

/**
 * Runs sessions then associations while another session holds LOCKED_TABLE until the associations
 * Job has failed; returns the resource once it is RolledBack.
 */
async function failOnLockTimeout(url: string, ops: () => void): Promise<IndexMigration> {
  const blocker = await openDialect(url);
  cleanups.push(() => blocker.close());
  const held = blocker.transaction(async (tx) => {
    await tx.execute(`LOCK TABLE ${LOCKED_TABLE} IN SHARE UPDATE EXCLUSIVE MODE`);
    await eventually(() => runner.runsOf('mcp-associations-g1')[0]?.exitCode === 1, 60_000, 50);
  });
  ops();
  server.create('indexmigrations', migration('mcp', spec()));
  await held;
  return finalStatus('RolledBack');
}

async function builds(url: string, phase: string): Promise<BuildRow[]> {
  return withDialect(url, (db) => new SqlBookkeepingStore(db).listBuilds(phase));
}

/** The value of one sample of the exposition text, or undefined when the series is absent. */
function sample(text: string, name: string, labels: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`index_operator_${name}{${labels}} `));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

/**
 * Series that exist only while a PostgreSQL build runs (pg_stat_progress_create_index), and one per
 * INVALID index (the rollback leaves none).
 */
const LIVE_ONLY = [
  'build_progress_ratio',
  'build_lockers_waiting',
  'build_progress_changed_timestamp_seconds',
  'index_invalid',
];

/** Metrics the dashboard's panels query that the scraped text has no sample of. */
function dashboardMetricsMissing(text: string): string[] {
  const dashboard = readFileSync(resolve('dashboards/index-operator.json'), 'utf8');
  const names = new Set(
    [...dashboard.matchAll(/index_operator_([a-z_]+)/g)].map(
      (m) => m[1]?.replace(/_(bucket|sum|count)$/, '') ?? '',
    ),
  );
  return [...names]
    .filter((n) => !LIVE_ONLY.includes(n))
    .filter((n) => !new RegExp(`^index_operator_${n}(_bucket|_sum|_count)?(\\{| )`, 'm').test(text))
    .sort();
}

/** A scenario that cannot finish fails in bounded time instead of holding the whole run. */
const E2E = { timeout: 180_000 } as const;

void describe('a failed phase: status and metrics', () => {
  void it(
    'postgresql: rolled back once, by the operator; the status keeps the failed run and its first cause beside the rollback',
    E2E,
    async () => {
      const url = await cluster();
      const m = await failOnLockTimeout(url, () => start('op-1'));
      const entry = m.status?.phases?.find((p) => p.name === 'associations');
      const why = JSON.stringify(entry);

      // The failed run: its own Job and timing, not the rollback Job's.
      assert.equal(entry?.state, 'RolledBack', why);
      assert.equal(entry?.jobName, 'mcp-associations-g1', why);
      assert.equal(entry?.rollback?.jobName, 'mcp-rollback-g1', why);
      assert.equal(entry?.rollback?.state, 'Succeeded', why);
      const runEnd = Date.parse(entry?.completedAt ?? '');
      assert.ok(
        runEnd <= Date.parse(entry?.rollback?.startedAt ?? ''),
        `the run ended before its rollback: ${why}`,
      );
      const rows = await builds(url, 'associations');
      const applyRun = rows.find((r) => r.indexName === LOCKED_INDEX)?.runId;
      const applyRows = rows.filter((r) => r.runId === applyRun);
      const firstStart = applyRows.map((r) => Date.parse(r.startedAt)).sort((a, b) => a - b)[0] ?? NaN;
      assert.ok(Date.parse(entry?.startedAt ?? '') <= firstStart, `started with the failed run: ${why}`);
      // Two lock timeouts of 200 ms and a 100 ms backoff: longer than any rollback of three small indexes.
      assert.ok((entry?.durationSeconds ?? 0) >= 0.5, why);

      // The first cause, by reason, SQLSTATE and index.
      assert.equal(entry?.failure?.reason, 'lock_timeout', why);
      assert.equal(entry?.failure?.code, '55P03', why);
      assert.equal(entry?.failure?.index, LOCKED_INDEX, why);
      const degraded = condition(m, 'Degraded');
      assert.equal(degraded?.reason, 'PhaseFailed');
      for (const text of [
        degraded?.message ?? '',
        condition(m, 'Ready')?.message ?? '',
        entry?.message ?? '',
      ]) {
        assert.match(text, new RegExp(`${LOCKED_INDEX}.*lock timeout.*SQLSTATE 55P03`), text);
        assert.match(text, /rollback job mcp-rollback-g1 .*dropped 3 indexes/, text);
      }

      // One rollback: the phase Job kept what it built (halt); only the rollback Job dropped, all three.
      const applyArgs = runner.runsOf('mcp-associations-g1')[0]?.args ?? [];
      assert.equal(applyArgs[applyArgs.indexOf('--on-failure') + 1], 'halt');
      const drops = rows.filter((r) => r.action === 'drop' && r.status === 'succeeded');
      assert.equal(drops.length, 3, JSON.stringify(rows));
      assert.equal(new Set(drops.map((r) => r.runId)).size, 1, 'one run dropped them');
      assert.notEqual(drops[0]?.runId, applyRun, 'not the failed run itself');
      assert.deepEqual(
        applyRows.filter((r) => r.status === 'rolled_back').length,
        3,
        'the three indexes the failed run built were rolled back',
      );
    },
  );

  void it(
    'postgresql: RollbackAll rolls back the phase that had succeeded too, keeping its own build timing',
    E2E,
    async () => {
      const url = await cluster();
      const blocker = await openDialect(url);
      cleanups.push(() => blocker.close());
      let sessionsWhenApplied: string | undefined;
      const held = blocker.transaction(async (tx) => {
        await tx.execute(`LOCK TABLE ${LOCKED_TABLE} IN SHARE UPDATE EXCLUSIVE MODE`);
        // While associations waits on the lock, the status shows sessions applied, with its timing.
        await eventually(
          () => {
            const sessions = getMigration(server, 'mcp')?.status?.phases?.find((p) => p.name === 'sessions');
            assert.equal(sessions?.state, 'Succeeded');
            sessionsWhenApplied = JSON.stringify([
              sessions.startedAt,
              sessions.completedAt,
              sessions.durationSeconds,
            ]);
          },
          60_000,
          20,
        );
        await eventually(() => runner.runsOf('mcp-associations-g1')[0]?.exitCode === 1, 60_000, 50);
      });
      start('op-1');
      server.create('indexmigrations', migration('mcp', spec({ onFailure: 'RollbackAll' })));
      await held;
      const m = await finalStatus('RolledBack');
      const sessions = m.status?.phases?.find((p) => p.name === 'sessions');
      const why = JSON.stringify(m.status?.phases);
      assert.equal(sessions?.state, 'RolledBack', why);
      assert.equal(sessions?.jobName, 'mcp-sessions-g1', why);
      assert.equal(
        JSON.stringify([sessions?.startedAt, sessions?.completedAt, sessions?.durationSeconds]),
        sessionsWhenApplied,
        `the timing of its build, not of its rollback: ${why}`,
      );
      assert.equal(sessions?.rollback?.jobName, 'mcp-rollback-g1', why);
      assert.equal(sessions?.failure, undefined, 'sessions did not fail');
      assert.equal(
        m.status?.phases?.find((p) => p.name === 'associations')?.failure?.index,
        LOCKED_INDEX,
        why,
      );
      const rows = await builds(url, 'sessions');
      assert.ok(
        rows.some((r) => r.action === 'drop' && r.status === 'succeeded'),
        'sessions was rolled back',
      );
    },
  );

  void it(
    'postgresql: a phase Job stopped by activeDeadlineSeconds is rolled back once, with DeadlineExceeded as its cause',
    E2E,
    async () => {
      const url = await cluster();
      const blocker = await openDialect(url);
      cleanups.push(() => blocker.close());
      // The locked build waits longer than the Job may run: the deadline stops it first.
      const held = blocker.transaction(async (tx) => {
        await tx.execute(`LOCK TABLE ${LOCKED_TABLE} IN SHARE UPDATE EXCLUSIVE MODE`);
        await eventually(() => runner.runsOf('mcp-associations-g1')[0]?.exitCode !== undefined, 60_000, 50);
      });
      start('op-1');
      // The deadline holds for the rollback Job too: 3 s is ample for dropping three indexes.
      const deadline = { phases: ['associations'], lockTimeout: '6s', activeDeadlineSeconds: 3 } as const;
      server.create('indexmigrations', migration('mcp', spec(deadline)));
      await held;
      const m = await finalStatus('RolledBack');
      const entry = m.status?.phases?.find((p) => p.name === 'associations');
      const why = JSON.stringify(m.status);
      assert.equal(runner.runsOf('mcp-associations-g1')[0]?.endedBy, 'deadline', why);
      assert.equal(entry?.failure?.reason, 'DeadlineExceeded', why);
      assert.equal(entry?.failure?.index, LOCKED_INDEX, why);
      assert.equal(entry?.jobName, 'mcp-associations-g1', why);
      assert.equal(entry?.rollback?.state, 'Succeeded', why);
      assert.match(
        condition(m, 'Degraded')?.message ?? '',
        /stopped by activeDeadlineSeconds while building/,
      );
      const rows = await builds(url, 'associations');
      const built = rows.filter((r) => r.action === 'create' && r.status === 'rolled_back');
      assert.ok(built.length >= 1, `the run built indexes before the deadline: ${JSON.stringify(rows)}`);
      const drops = rows.filter((r) => r.action === 'drop' && r.status === 'succeeded');
      const dropped = new Set(drops.map((r) => r.indexName));
      for (const b of built)
        assert.ok(dropped.has(b.indexName), `${b.indexName} dropped: ${JSON.stringify(rows)}`);
      assert.equal(new Set(drops.map((r) => r.runId)).size, 1, 'by one run');
      assert.notEqual(drops[0]?.runId, built[0]?.runId, 'the rollback Job, not the stopped run');
    },
  );

  void it(
    'postgresql: the lock-timeout retry and failure of a phase Job are on the operator /metrics, counted once across reconciles and a restart',
    E2E,
    async () => {
      const url = await cluster();
      const m1 = (): RunningOperator => running[0] as RunningOperator;
      // A short resync: the settled resource is reconciled (and its rows read) again and again.
      await failOnLockTimeout(url, () => start('op-1', true, 200));
      const rows = [...(await builds(url, 'sessions')), ...(await builds(url, 'associations'))];
      const failed = rows.filter((r) => r.status === 'failed' && r.action !== 'drop');
      const lockTimeouts = failed.filter((r) => r.errorCode === '55P03' && r.phase === 'associations').length;
      assert.ok(
        lockTimeouts >= 2,
        `the locked index timed out, retried, timed out: ${JSON.stringify(failed)}`,
      );
      const createdSessions = rows.filter(
        (r) => r.phase === 'sessions' && r.action === 'create' && r.status === 'succeeded',
      ).length;
      const at = (phase: string): string => `migration="apps/mcp",phase="${phase}"`;
      const expected = (text: string): void => {
        assert.equal(sample(text, 'retries_total', at('associations')), 1, text);
        assert.equal(sample(text, 'lock_timeouts_total', at('associations')), lockTimeouts, text);
        assert.equal(sample(text, 'failures_total', `${at('associations')},reason="lock_timeout"`), 1, text);
        assert.equal(sample(text, 'retries_total', at('sessions')), 0, text);
        assert.equal(
          sample(text, 'index_build_duration_seconds_count', `${at('sessions')},action="create"`),
          createdSessions,
          text,
        );
        assert.equal(sample(text, 'current_phase', at('associations')), 0, text);
        assert.equal(sample(text, 'migration_state', 'migration="apps/mcp",state="RolledBack"'), 1, text);
      };
      // Counted once however many times the operator reads the rows (it polls and resyncs).
      await eventually(async () => expected(await m1().scrape()), 20_000, 100);
      const reconciles = (text: string): number => sample(text, 'reconcile_total', 'result="success"') ?? 0;
      const before = reconciles(await m1().scrape());
      await eventually(
        async () => {
          // A message of its own: without one, node's assert reads the (transformed) source to make one,
          // which takes seconds per failed try on this file.
          const now = reconciles(await m1().scrape());
          assert.ok(now > before + 1, `reconciled twice more since ${before}: ${now}`);
        },
        20_000,
        100,
      );
      expected(await m1().scrape());

      assert.deepEqual(dashboardMetricsMissing(await m1().scrape()), [], 'every dashboard panel has data');

      // A restarted operator re-derives the same totals from the table: no double count, no gap.
      await m1().stop();
      running.splice(0);
      const op2 = start('op-2', true);
      await eventually(async () => expected(await op2.scrape()), 20_000, 100);
    },
  );

  void it(
    'postgresql: after a restart the leader has every series from its first reconcile, a standby the state',
    E2E,
    async () => {
      await cluster();
      const op1 = start('op-1');
      server.create('indexmigrations', migration('mcp', spec({ retries: { limit: 0, backoff: '100ms' } })));
      const done = await finalStatus('Succeeded');
      const total = done.status?.progress?.indexesTotal ?? 0;
      await op1.stop();
      running.splice(0);
      const writes = server.countRequests('update', 'indexmigrations');

      const leader = start('op-2', true);
      await eventually(() => assert.ok(leader.operator.isLeader, 'op-2 leads'), 10_000, 50);
      const standby = start('op-3', true);
      const state = 'migration="apps/mcp",state="Succeeded"';
      await eventually(
        async () => {
          const text = await leader.scrape();
          assert.equal(sample(text, 'migration_state', state), 1, text);
          assert.equal(sample(text, 'indexes_done', 'migration="apps/mcp"'), total, text);
          assert.equal(sample(text, 'indexes_planned', 'migration="apps/mcp"'), total, text);
        },
        20_000,
        100,
      );
      await eventually(
        async () => {
          const text = await standby.scrape();
          assert.equal(sample(text, 'migration_state', state), 1, text);
        },
        20_000,
        100,
      );
      const standbyText = await standby.scrape();
      assert.match(standbyText, /^index_operator_leader 0$/m);
      assert.equal(sample(standbyText, 'indexes_done', 'migration="apps/mcp"'), undefined, 'leader only');
      assert.equal(
        server.countRequests('update', 'indexmigrations'),
        writes,
        'nothing changed, so nothing was written: the series come from reading the status',
      );
    },
  );
});
