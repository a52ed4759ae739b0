/**
 * The operator against behaviour seen on real clusters, through the fake API server (which deletes a
 * Job's pods only with a propagation policy it can read, runs each Job in a pod, and can enforce
 * OwnerReferencesPermissionEnforcement) and the job runner against real PostgreSQL:
 * deleting a resource mid-build under both deletion policies leaves no pod of it running and the
 * database as the policy says; a Job the API server refuses shows on the resource with its message.
 */
import { afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FakeApiServer } from '../kube/fake-api-server.js';
import { JobRunner } from '../kube/job-runner.js';
import { eventually } from '../kube/eventually.js';
import { freshPostgres } from '../helpers/databases.js';
import { createPreEpicSchema, withDialect } from '../helpers/dialects.js';
import { loadBuiltInCatalogue } from '../../src/catalogue/registry.js';
import { OPERATOR_ADMISSION_PERMISSIONS } from '../../src/operator/api-calls.js';
import type { IndexMigration, IndexMigrationSpec } from '../../src/operator/types.js';
import {
  NS,
  assertOnlyListedApiCalls,
  condition,
  getMigration,
  migration,
  pgDatabase,
  startOperator,
  urlSecret,
  type RunningOperator,
} from './operator-harness.js';

const CATALOGUE = loadBuiltInCatalogue('contextforge');
const PHASE = 'sessions';
const PHASE_INDEXES = CATALOGUE.phases.find((p) => p.name === PHASE)?.indexes.map((i) => i.name) ?? [];

let server: FakeApiServer;
let runner: JobRunner;
let operator: RunningOperator | undefined;
const closers: (() => Promise<void>)[] = [];

afterEach(async () => {
  await operator?.stop();
  operator = undefined;
  await runner.stop();
  assertOnlyListedApiCalls(server);
  await server.close();
  for (const close of closers.splice(0)) await close();
});

/** A fresh PostgreSQL database with the ContextForge schema, and the Secret pointing at it. */
async function database(): Promise<string> {
  const db = await freshPostgres('iopcluster');
  await createPreEpicSchema(db.url);
  server.create('secrets', urlSecret('pg', db.url));
  return db.url;
}

async function indexesOfPhase(url: string): Promise<{ built: string[]; invalid: string[] }> {
  return withDialect(url, async (db) => {
    const indexes = (await db.introspect()).indexes;
    const mine = indexes.filter((i) => PHASE_INDEXES.includes(i.name));
    return {
      built: mine.map((i) => i.name).sort(),
      invalid: mine.filter((i) => !i.valid).map((i) => i.name),
    };
  });
}

function spec(
  over: Partial<IndexMigrationSpec> = {},
): Partial<IndexMigrationSpec> & Pick<IndexMigrationSpec, 'database'> {
  return {
    database: pgDatabase('pg'),
    phases: [PHASE],
    verify: false,
    concurrency: 1,
    lockTimeout: '2s',
    retries: { limit: 0, backoff: '100ms' },
    ...over,
  };
}

/** Starts the build slowly (a pause between index builds) and waits until some indexes are built. */
async function midBuild(url: string, deletionPolicy: IndexMigrationSpec['deletionPolicy']): Promise<void> {
  operator = startOperator(server);
  server.create('indexmigrations', migration('mcp', spec({ deletionPolicy, pauseBetweenBuilds: '700ms' })));
  await eventually(
    async () =>
      assert.ok(
        (await indexesOfPhase(url)).built.length >= 2,
        JSON.stringify(getMigration(server, 'mcp')?.status ?? getMigration(server, 'mcp') ?? null),
      ),
    60_000,
    100,
  );
  assert.equal(runner.livePods(NS).length, 1, 'one pod builds');
}

void describe('deleting an IndexMigration in the middle of a build', () => {
  void it('deletionPolicy Retain: the pod stops, nothing builds on, what was built stays (valid)', async () => {
    server = await FakeApiServer.start();
    runner = new JobRunner(server).start();
    const url = await database();
    await midBuild(url, 'Retain');
    server.delete('indexmigrations', NS, 'mcp');
    await eventually(() => assert.equal(getMigration(server, 'mcp'), undefined), 30_000, 50);
    await eventually(
      () => assert.deepEqual(runner.livePods(NS), [], 'no pod of the migration survives'),
      30_000,
      50,
    );
    assert.ok(runner.runs.every((r) => r.exitCode !== undefined));
    const left = await indexesOfPhase(url);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const later = await indexesOfPhase(url);
    assert.deepEqual(later.built, left.built, 'nothing is built after the deletion');
    assert.ok(
      left.built.length >= 2 && left.built.length < PHASE_INDEXES.length,
      'Retain keeps what was built',
    );
    assert.deepEqual(later.invalid, []);
  });

  void it('deletionPolicy RollBack: waits for the pod to stop, then drops every index of the phases and lets go', async () => {
    server = await FakeApiServer.start();
    runner = new JobRunner(server).start();
    const url = await database();
    await midBuild(url, 'RollBack');
    server.delete('indexmigrations', NS, 'mcp');
    await eventually(() => assert.equal(getMigration(server, 'mcp'), undefined), 60_000, 50);
    assert.deepEqual(runner.livePods(NS), [], 'no pod of the migration survives');
    const build = runner.runsOf('mcp-sessions-g1')[0];
    const cleanup = runner.runsOf('mcp-cleanup')[0];
    assert.equal(build?.endedBy, 'deleted');
    assert.equal(cleanup?.exitCode, 0, cleanup?.stderr());
    assert.deepEqual(await indexesOfPhase(url), { built: [], invalid: [] }, 'RollBack dropped them all');
  });

  void it('deletionPolicy RollBack: a failed cleanup keeps the resource, says why, and is tried again', async () => {
    server = await FakeApiServer.start();
    runner = new JobRunner(server).start();
    const url = await database();
    operator = startOperator(server);
    server.create('indexmigrations', migration('mcp', spec({ deletionPolicy: 'RollBack' })));
    await eventually(() => assert.equal(getMigration(server, 'mcp')?.status?.phase, 'Succeeded'), 60_000, 50);
    runner.failNext('mcp-cleanup', 'down: the runner lock is held');
    runner.hold('mcp-cleanup');
    server.delete('indexmigrations', NS, 'mcp');
    const failed = await eventually(
      () => {
        const m = getMigration(server, 'mcp');
        assert.equal(
          condition(m, 'Degraded')?.reason,
          'CleanupFailed',
          JSON.stringify([
            m?.status,
            server.list('jobs', NS).map((j) => [j.metadata.name, j.metadata.deletionTimestamp, j['status']]),
          ]),
        );
        return m;
      },
      30_000,
      50,
    );
    assert.match(
      condition(failed, 'Degraded')?.message ?? '',
      /down: the runner lock is held.*deletionPolicy to Retain/,
    );
    assert.ok(failed?.metadata.finalizers?.includes('index-operator.io/finalizer'), 'the finalizer stays');
    assert.equal((await indexesOfPhase(url)).built.length, PHASE_INDEXES.length, 'nothing dropped yet');
    // The failed cleanup Job is replaced by a new one, which runs.
    await eventually(() => assert.equal(runner.heldCount, 1), 30_000, 50);
    runner.release();
    await eventually(() => assert.equal(getMigration(server, 'mcp'), undefined), 60_000, 50);
    assert.deepEqual((await indexesOfPhase(url)).built, []);
  });
});

void describe('a spec change that is no new run', () => {
  void it('changing only deletionPolicy starts no Job (no second verify) and keeps the outcome', async () => {
    server = await FakeApiServer.start();
    runner = new JobRunner(server).start();
    await database();
    operator = startOperator(server);
    server.create('indexmigrations', migration('mcp', spec({ verify: true })));
    const settled = await eventually(
      () => {
        const m = getMigration(server, 'mcp');
        assert.ok(
          m?.status?.phase === 'Succeeded' || m?.status?.phase === 'Failed',
          JSON.stringify(m?.status),
        );
        assert.ok(runner.runsOf('mcp-verify-g1')[0]?.exitCode !== undefined, 'the verify Job ended');
        return m;
      },
      90_000,
      50,
    );
    const jobsBefore = server
      .list('jobs', NS)
      .map((j) => j.metadata.name)
      .sort();
    const runsBefore = runner.runs.length;
    server.patch('indexmigrations', NS, 'mcp', { spec: { deletionPolicy: 'RollBack' } });
    await eventually(
      () => assert.equal(getMigration(server, 'mcp')?.status?.observedGeneration, 2),
      30_000,
      50,
    );
    await new Promise((resolve) => setTimeout(resolve, 1000)); // several poll periods of the operator
    const after = getMigration(server, 'mcp');
    assert.deepEqual(
      server
        .list('jobs', NS)
        .map((j) => j.metadata.name)
        .sort(),
      jobsBefore,
      'no new Job',
    );
    assert.equal(runner.runs.length, runsBefore, 'nothing ran again');
    assert.equal(after?.status?.phase, settled?.status?.phase);
    // A change that does touch the run (phases) is a new run, as before.
    server.patch('indexmigrations', NS, 'mcp', { spec: { verify: false } });
    await eventually(
      () => assert.equal(getMigration(server, 'mcp')?.status?.observedGeneration, 3),
      30_000,
      50,
    );
  });
});

void describe('a Job the API server refuses', () => {
  void it('OwnerReferencesPermissionEnforcement without finalizers permission: Degraded with the API message', async () => {
    server = await FakeApiServer.start({ finalizerUpdates: [] });
    runner = new JobRunner(server).start();
    await database();
    operator = startOperator(server);
    server.create('indexmigrations', migration('mcp', spec()));
    const m = await eventually<IndexMigration | undefined>(
      () => {
        const current = getMigration(server, 'mcp');
        assert.equal(
          condition(current, 'Degraded')?.reason,
          'JobCreateFailed',
          JSON.stringify(current?.status),
        );
        return current;
      },
      30_000,
      50,
    );
    assert.match(
      condition(m, 'Degraded')?.message ?? '',
      /cannot create job mcp-sessions-g1: .*jobs\.batch "mcp-sessions-g1" is forbidden: cannot set blockOwnerDeletion if an ownerReference refers to a resource you can't set finalizers on/,
    );
    await eventually(() => {
      const reasons = server.list('events', NS).map((e) => (e as unknown as { reason: string }).reason);
      assert.ok(reasons.includes('JobCreateFailed'), reasons.join(','));
    });
  });

  void it('with the permission the chart grants, the same cluster runs the phase', async () => {
    const granted = OPERATOR_ADMISSION_PERMISSIONS.map((p) => `${p.apiGroup}/${p.resource}`);
    server = await FakeApiServer.start({ finalizerUpdates: granted });
    runner = new JobRunner(server).start();
    await database();
    operator = startOperator(server);
    server.create('indexmigrations', migration('mcp', spec()));
    await eventually(() => assert.equal(getMigration(server, 'mcp')?.status?.phase, 'Succeeded'), 60_000, 50);
  });
});
