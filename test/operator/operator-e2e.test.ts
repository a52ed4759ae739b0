/**
 * End to end: the operator (real client-node, leader election, informers) against the fake API server,
 * with E5's job runner running each Job's command in process against real PostgreSQL and SQLite, on the
 * ContextForge schema. Asserts the resource's final status and the database, not call sequences.
 */
import { after, afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { FakeApiServer } from '../kube/fake-api-server.js';
import { JobRunner } from '../kube/job-runner.js';
import { eventually } from '../kube/eventually.js';
import { freshPostgres, type DialectUnderTest } from '../helpers/databases.js';
import { createPreEpicSchema, withDialect } from '../helpers/dialects.js';
import { openDialect } from '../../src/dialects/open-dialect.js';
import { loadBuiltInCatalogue } from '../../src/catalogue/registry.js';
import { planRun } from '../../src/engine/engine.js';
import { createLogger } from '../../src/log.js';
import { runCli } from '../../src/cli/run-cli.js';
import type { IndexMigration, IndexMigrationSpec, PhaseName } from '../../src/operator/types.js';
import {
  NS,
  apiCallsMade,
  assertEveryListedApiCallUsed,
  assertOnlyListedApiCalls,
  condition,
  getMigration,
  logLines,
  migration,
  pgDatabase,
  startOperator,
  urlSecret,
  type RunningOperator,
} from './operator-harness.js';

const PHASES: readonly PhaseName[] = ['sessions', 'associations'];
const CATALOGUE = loadBuiltInCatalogue('contextforge');
const silent = createLogger({ level: 'silent' });

let server: FakeApiServer;
let runner: JobRunner;
const running: RunningOperator[] = [];
const cleanups: (() => void | Promise<void>)[] = [];

/** API calls seen over the file's tests, and how many tests ran (all of them, unless filtered). */
const callsMade = new Set<string>();
let declared = 0;
let finished = 0;

afterEach(async () => {
  await Promise.all(running.splice(0).map((op) => op.stop()));
  await runner.stop();
  assertOnlyListedApiCalls(server);
  for (const call of apiCallsMade(server)) callsMade.add(call);
  finished += 1;
  await server.close();
  for (const c of cleanups.splice(0)) await c();
});

after(() => {
  // Together the scenarios exercise every call the chart's RBAC grants (a filtered run cannot say).
  if (finished === declared) assertEveryListedApiCallUsed(callsMade);
});

/** `it`, counted for the coverage check above. */
function scenario(name: string, fn: () => Promise<void>): void {
  declared += 1;
  void it(name, fn);
}

interface Target {
  /** Where the test reads the database. */
  readonly url: string;
  readonly database: IndexMigrationSpec['database'];
}

/** A database holding the ContextForge schema, and the fake cluster objects that point at it. */
async function target(dialect: DialectUnderTest): Promise<Target> {
  if (dialect === 'postgresql') {
    const db = await freshPostgres('iope2e');
    await createPreEpicSchema(db.url);
    server.create('secrets', urlSecret('pg', db.url));
    return { url: db.url, database: pgDatabase('pg') };
  }
  const dir = mkdtempSync(join(tmpdir(), 'iope2e-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const url = `sqlite:${join(dir, 'mcp.db')}`;
  await createPreEpicSchema(url);
  runner = new JobRunner(server, { claims: { 'mcp-data': dir } }).start();
  return { url, database: { dialect: 'sqlite', sqlite: { claimName: 'mcp-data', path: '/data/mcp.db' } } };
}

/** What `plan` says is left to build for the phases (nothing, once applied). */
async function leftToBuild(url: string, phases: readonly string[]): Promise<string[]> {
  return withDialect(url, async (dialect) => {
    const plan = await planRun({ dialect, log: silent }, CATALOGUE, { phases });
    return plan.phases.flatMap((p) =>
      p.indexes.filter((i) => i.action === 'create' || i.action === 'rebuild').map((i) => i.index.name),
    );
  });
}

async function invalidIndexes(url: string): Promise<string[]> {
  return withDialect(url, async (db) =>
    (await db.introspect()).indexes.filter((i) => !i.valid).map((i) => i.name),
  );
}

function start(identity = 'op-1', resyncMs?: number): RunningOperator {
  const op = startOperator(server, identity, [NS], resyncMs);
  running.push(op);
  return op;
}

function spec(
  t: Target,
  over: Partial<IndexMigrationSpec> = {},
): Partial<IndexMigrationSpec> & Pick<IndexMigrationSpec, 'database'> {
  return {
    database: t.database,
    phases: [...PHASES],
    verify: false,
    lockTimeout: '2s',
    retries: { limit: 0, backoff: '100ms' },
    ...over,
  };
}

async function finalStatus(name: string, phase: string, timeoutMs = 30_000): Promise<IndexMigration> {
  return eventually<IndexMigration>(
    () => {
      const m = getMigration(server, name);
      assert.equal(m?.status?.phase, phase, JSON.stringify(m?.status));
      return m;
    },
    timeoutMs,
    50,
  );
}

/** Runs the CLI in process as a user at a terminal would, output discarded; the exit code. */
async function runCliQuietly(args: readonly string[]): Promise<number> {
  const sink = (): Writable => new Writable({ write: (_c, _e, done) => done() });
  return runCli(args, { stdout: sink(), stderr: sink(), env: {} });
}

function jobNames(): string[] {
  return server
    .list('jobs', NS)
    .map((j) => (j as { metadata: { name: string } }).metadata.name)
    .sort();
}

void describe('operator end to end', () => {
  for (const dialect of ['postgresql', 'sqlite'] as const) {
    scenario(
      `${dialect}: runs the phases as Jobs one by one and ends Succeeded with per-phase timings`,
      async () => {
        server = await FakeApiServer.start();
        runner = new JobRunner(server);
        const t = await target(dialect);
        if (dialect === 'postgresql') runner.start();
        const remaining: number[] = [];
        cleanups.push(
          server.onChange('indexmigrations', (c) => {
            const left = (c.object as unknown as IndexMigration).status?.progress?.estimatedRemainingSeconds;
            if (left !== undefined && remaining.at(-1) !== left) remaining.push(left);
          }),
        );
        start();
        server.create('indexmigrations', migration('mcp', spec(t)));
        const m = await finalStatus('mcp', 'Succeeded');
        assert.deepEqual(jobNames(), ['mcp-associations-g1', 'mcp-sessions-g1']);
        assert.deepEqual(
          runner.runs.map((r) => r.name),
          ['mcp-sessions-g1', 'mcp-associations-g1'],
          'one phase at a time, catalogue order',
        );
        assert.deepEqual(
          await leftToBuild(t.url, PHASES),
          [],
          'every index of the phases is in the database',
        );
        const phases = m.status?.phases ?? [];
        assert.deepEqual(
          phases.map((p) => [p.name, p.state]),
          [
            ['sessions', 'Succeeded'],
            ['associations', 'Succeeded'],
          ],
        );
        for (const p of phases) {
          assert.ok(
            p.startedAt && p.completedAt && typeof p.durationSeconds === 'number' && p.durationSeconds >= 0,
            JSON.stringify(p),
          );
        }
        if (dialect === 'postgresql')
          assert.ok(
            phases.every((p) => (p.indexesCreated ?? 0) > 0),
            'timings from the bookkeeping tables',
          );
        const total = CATALOGUE.phases
          .filter((p) => PHASES.includes(p.name as PhaseName))
          .reduce((n, p) => n + p.indexes.length, 0);
        assert.deepEqual(m.status?.progress, {
          indexesDone: total,
          indexesTotal: total,
          current: '',
          summary: `${total}/${total}`,
          // The operator reads PostgreSQL; the SQLite file is only mounted in the Jobs' pods.
          ...(dialect === 'postgresql' ? { estimatedRemainingSeconds: 0 } : {}),
        });
        if (dialect === 'postgresql') {
          // The estimate was written before the builds (the phases' build time) and counted down to 0.
          assert.ok((remaining[0] ?? 0) > 0, `estimates written: ${remaining.join(', ')}`);
          assert.equal(remaining.at(-1), 0);
        } else assert.deepEqual(remaining, [], 'no estimate without the database');
        assert.equal(condition(m, 'Ready')?.status, 'True');
        assert.equal(condition(m, 'Degraded')?.status, 'False');
        assert.equal(m.status?.observedGeneration, m.metadata.generation);
        await eventually(() => {
          const reasons = server.list('events', NS).map((e) => (e as unknown as { reason: string }).reason);
          for (const r of ['PhaseStarted', 'PhaseSucceeded', 'Succeeded'])
            assert.ok(reasons.includes(r), reasons.join(','));
        });
      },
    );
  }

  scenario(
    'postgresql: with verify, runs the hot-query suite as a last Job and reports its outcome',
    async () => {
      server = await FakeApiServer.start();
      runner = new JobRunner(server).start();
      const t = await target('postgresql');
      start();
      server.create('indexmigrations', migration('mcp', spec(t, { verify: true })));
      await eventually(() => runner.runsOf('mcp-verify-g1')[0]?.exitCode !== undefined, 60_000, 50);
      const verify = runner.runsOf('mcp-verify-g1')[0];
      assert.deepEqual(verify?.args.slice(0, 1), ['verify']);
      const expected = verify?.exitCode === 0 ? 'Succeeded' : 'Failed';
      const m = await finalStatus('mcp', expected);
      if (expected === 'Failed') assert.equal(condition(m, 'Degraded')?.reason, 'VerifyFailed');
      else assert.equal(condition(m, 'Ready')?.status, 'True');
      assert.deepEqual(jobNames(), ['mcp-associations-g1', 'mcp-sessions-g1', 'mcp-verify-g1']);
    },
  );

  scenario(
    'postgresql: a failing phase is rolled back: RolledBack and Degraded with the reason, nothing INVALID',
    async () => {
      server = await FakeApiServer.start();
      runner = new JobRunner(server).start();
      const t = await target('postgresql');
      const blocker = await openDialect(t.url);
      cleanups.push(() => blocker.close());
      // Another session holds a table of the second phase: its builds hit lock_timeout and it fails.
      const held = blocker.transaction(async (tx) => {
        await tx.execute('LOCK TABLE server_tool_association IN SHARE UPDATE EXCLUSIVE MODE');
        // A boolean, not assert.ok: a failing assert.ok re-reads the source for its message on every poll.
        await eventually(() => runner.runsOf('mcp-associations-g1')[0]?.exitCode === 1, 30_000, 50);
      });
      start();
      server.create('indexmigrations', migration('mcp', spec(t, { lockTimeout: '200ms' })));
      await held;
      const m = await finalStatus('mcp', 'RolledBack');
      const degraded = condition(m, 'Degraded');
      assert.equal(degraded?.status, 'True');
      assert.equal(degraded?.reason, 'PhaseFailed');
      assert.match(degraded?.message ?? '', /phase associations failed and was rolled back/);
      assert.deepEqual(
        m.status?.phases?.map((p) => [p.name, p.state]),
        [
          ['sessions', 'Succeeded'],
          ['associations', 'RolledBack'],
        ],
      );
      assert.ok(jobNames().includes('mcp-rollback-g1'));
      assert.deepEqual(await invalidIndexes(t.url), []);
      assert.deepEqual(
        await leftToBuild(t.url, ['sessions']),
        [],
        'RollbackPhase keeps the phase that succeeded',
      );
      const associations =
        CATALOGUE.phases.find((p) => p.name === 'associations')?.indexes.map((i) => i.name) ?? [];
      assert.deepEqual(
        (await leftToBuild(t.url, ['associations'])).sort(),
        [...associations].sort(),
        'the failed phase left nothing behind',
      );
      await eventually(() => {
        const reasons = server.list('events', NS).map((e) => (e as unknown as { reason: string }).reason);
        assert.ok(reasons.includes('PhaseFailed') && reasons.includes('RollingBack'), reasons.join(','));
      });
    },
  );

  scenario(
    'postgresql: an operator restarted in the middle of a phase converges with no duplicate Job or work',
    async () => {
      server = await FakeApiServer.start();
      runner = new JobRunner(server).start();
      runner.hold('mcp-sessions-g1');
      const t = await target('postgresql');
      const logFrom = logLines.length;
      const first = start('op-1');
      server.create('indexmigrations', migration('mcp', spec(t)));
      await eventually(() => assert.equal(runner.heldCount, 1), 10_000);
      await first.stop();
      running.splice(running.indexOf(first), 1);
      start('op-2');
      await eventually(
        () => assert.equal(getMigration(server, 'mcp')?.status?.phases?.[0]?.state, 'Running'),
        10_000,
      );
      runner.release();
      const m = await finalStatus('mcp', 'Succeeded');
      // What each operator asked for and got ('created', or 'exists' for a name already there: a
      // create that races the Job watch is answered 409 and makes nothing, so requests are not counted).
      const creates = logLines.slice(logFrom).filter((l) => l.includes('"msg":"job apply"'));
      const why = `${jobNames().join(', ')}\n${creates.join('')}`;
      assert.deepEqual(jobNames(), ['mcp-associations-g1', 'mcp-sessions-g1'], `one Job per phase: ${why}`);
      assert.equal(
        creates.filter((l) => l.includes('"result":"created"')).length,
        2,
        `none created twice: ${why}`,
      );
      assert.equal(runner.runs.length, 2, 'each phase ran once');
      assert.equal(condition(m, 'Ready')?.status, 'True');
    },
  );

  scenario(
    'postgresql: a phase rolled back by hand, between steps or once Succeeded, is applied again by a new Job',
    async () => {
      server = await FakeApiServer.start();
      runner = new JobRunner(server).start();
      runner.hold('mcp-associations-g1');
      const t = await target('postgresql');
      start('op-1', 300);
      server.create('indexmigrations', migration('mcp', spec(t)));
      await eventually(() => runner.heldCount === 1, 20_000);
      // Someone runs `down` by hand after the sessions Job succeeded, before the next phase runs.
      const down = await runCliQuietly(['down', '--phases', 'sessions', '--database', t.url]);
      assert.equal(down, 0);
      assert.notDeepEqual(await leftToBuild(t.url, ['sessions']), [], 'the manual down dropped sessions');
      runner.release();
      const m = await finalStatus('mcp', 'Succeeded');
      assert.deepEqual(jobNames(), ['mcp-associations-g1', 'mcp-sessions-g1', 'mcp-sessions-g1-r1']);
      assert.deepEqual(await leftToBuild(t.url, PHASES), [], 'both phases are applied again');
      assert.equal(condition(m, 'Ready')?.status, 'True');
      // Once Succeeded, nothing changes in the cluster: the periodic resync notices the drift.
      assert.equal(await runCliQuietly(['down', '--phases', 'associations', '--database', t.url]), 0);
      await eventually(() => runner.runsOf('mcp-associations-g1-r1')[0]?.exitCode === 0, 30_000, 50);
      await finalStatus('mcp', 'Succeeded');
      assert.deepEqual(await leftToBuild(t.url, PHASES), [], 'associations is applied again');
    },
  );

  scenario(
    'postgresql: suspend mid-run lets the running phase finish, starts nothing new, and resumes',
    async () => {
      server = await FakeApiServer.start();
      runner = new JobRunner(server).start();
      runner.hold('mcp-sessions-g1');
      const t = await target('postgresql');
      start();
      server.create('indexmigrations', migration('mcp', spec(t)));
      await eventually(() => runner.heldCount === 1, 10_000);
      server.patch('indexmigrations', NS, 'mcp', { spec: { suspend: true } });
      runner.release();
      const suspended = await finalStatus('mcp', 'Suspended');
      assert.deepEqual(
        suspended.status?.phases?.map((p) => [p.name, p.state]),
        [
          ['sessions', 'Succeeded'],
          ['associations', 'Pending'],
        ],
      );
      assert.deepEqual(jobNames(), ['mcp-sessions-g1'], 'nothing new while suspended');
      server.patch('indexmigrations', NS, 'mcp', { spec: { suspend: false } });
      await finalStatus('mcp', 'Succeeded');
      // Resumed with the spec of generation 1: the same run goes on (its Jobs keep generation 1).
      assert.deepEqual(jobNames(), ['mcp-associations-g1', 'mcp-sessions-g1']);
    },
  );

  scenario(
    'postgresql: deleting during a phase stops its Job and lets the resource go (Retain)',
    async () => {
      server = await FakeApiServer.start();
      runner = new JobRunner(server).start();
      runner.hold('mcp-sessions-g1');
      const t = await target('postgresql');
      start();
      server.create('indexmigrations', migration('mcp', spec(t)));
      await eventually(() => runner.heldCount === 1, 10_000);
      server.delete('indexmigrations', NS, 'mcp');
      await eventually(() => getMigration(server, 'mcp') === undefined, 15_000, 50);
      assert.equal(server.countRequests('delete', 'jobs'), 1, 'the running Job was deleted');
      assert.ok(!jobNames().includes('mcp-cleanup'), 'Retain runs no rollback');
    },
  );

  scenario(
    'postgresql: deleting with deletionPolicy RollBack stops, rolls back what it built, then lets go',
    async () => {
      server = await FakeApiServer.start();
      runner = new JobRunner(server).start();
      const t = await target('postgresql');
      start();
      server.create('indexmigrations', migration('mcp', spec(t, { deletionPolicy: 'RollBack' })));
      await finalStatus('mcp', 'Succeeded');
      server.delete('indexmigrations', NS, 'mcp');
      await eventually(() => assert.equal(getMigration(server, 'mcp'), undefined), 30_000, 50);
      assert.ok(runner.runs.some((r) => r.name === 'mcp-cleanup' && r.exitCode === 0));
      const all = CATALOGUE.phases
        .filter((p) => PHASES.includes(p.name as PhaseName))
        .flatMap((p) => p.indexes.map((i) => i.name));
      assert.deepEqual(
        (await leftToBuild(t.url, PHASES)).sort(),
        [...all].sort(),
        'its indexes were dropped',
      );
    },
  );
});
