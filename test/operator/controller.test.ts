/**
 * The controller against the fake API server with real PostgreSQL: what it does with Jobs' outcomes set
 * by hand (finishJob), so each behaviour is checked on its own: invalid specs, a missing Secret, leader
 * election between two replicas, and watches that are cut and compacted (410 Gone).
 */
import { afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FakeApiServer } from '../kube/fake-api-server.js';
import { eventually } from '../kube/eventually.js';
import { freshPostgres, PG_HOST, PG_PORT, PG_USER, type FreshDatabase } from '../helpers/databases.js';
import type { KubeLease } from '../../src/kube/kube-client.js';
import {
  NS,
  assertOnlyListedApiCalls,
  condition,
  finishJob,
  getMigration,
  logLines,
  migration,
  pgDatabase,
  startOperator,
  urlSecret,
  type RunningOperator,
} from './operator-harness.js';

const db: FreshDatabase = await freshPostgres('iopctl');
let server: FakeApiServer;
const running: RunningOperator[] = [];

function operator(identity: string): RunningOperator {
  const op = startOperator(server, identity);
  running.push(op);
  return op;
}

function holder(): string | undefined {
  return (server.get('leases', NS, 'index-operator-leader') as KubeLease | undefined)?.spec?.holderIdentity;
}

function jobNames(): string[] {
  return server
    .list('jobs', NS)
    .map((j) => (j as { metadata: { name: string } }).metadata.name)
    .sort();
}

afterEach(async () => {
  await Promise.all(running.splice(0).map((op) => op.stop()));
  assertOnlyListedApiCalls(server);
  await server.close();
});

void describe('operator controller', () => {
  void it('marks a spec the schema cannot check Failed and Degraded, saying what to fix', async () => {
    server = await FakeApiServer.start();
    server.create('secrets', urlSecret('pg', db.url));
    operator('op-1');
    server.create('indexmigrations', migration('bad', { database: pgDatabase('pg'), catalogue: 'nope' }));
    const m = await eventually(() => {
      const got = getMigration(server, 'bad');
      assert.equal(got?.status?.phase, 'Failed');
      return got;
    });
    const degraded = condition(m, 'Degraded');
    assert.equal(degraded?.status, 'True');
    assert.equal(degraded?.reason, 'InvalidSpec');
    assert.match(
      degraded?.message ?? '',
      /spec\.catalogue 'nope' is not a built-in catalogue; use one of: .*contextforge/,
    );
    assert.equal(m?.status?.observedGeneration, m?.metadata.generation);
    assert.deepEqual(jobNames(), []);
    assert.ok(m?.metadata.finalizers?.includes('index-operator.io/finalizer'));
  });

  void it('waits for a missing Secret (naming it and its keys) and proceeds once it exists', async () => {
    server = await FakeApiServer.start();
    operator('op-1');
    const database = {
      dialect: 'postgresql' as const,
      postgresql: {
        host: PG_HOST,
        port: PG_PORT,
        secretRef: { name: 'pg-app', userKey: 'USER', passwordKey: 'PASSWORD', databaseKey: 'DB' },
      },
    };
    server.create('indexmigrations', migration('mcp', { database, phases: ['core'] }));
    await eventually(() => {
      const d = condition(getMigration(server, 'mcp'), 'Degraded');
      assert.equal(d?.reason, 'SecretNotFound');
      assert.match(d.message, /Secret apps\/pg-app not found: create it with keys USER, PASSWORD, DB/);
    });
    const b64 = (s: string): string => Buffer.from(s).toString('base64');
    server.create('secrets', {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'pg-app', namespace: NS },
      data: { USER: b64(PG_USER), DB: b64(db.name) },
    });
    await eventually(() => {
      const d = condition(getMigration(server, 'mcp'), 'Degraded');
      assert.equal(d?.reason, 'SecretKeyMissing');
      assert.match(d.message, /Secret apps\/pg-app has no key PASSWORD/);
    }, 8000);
    server.patch('secrets', NS, 'pg-app', { data: { PASSWORD: b64('') } });
    await eventually(() => assert.deepEqual(jobNames(), ['mcp-core-g1']), 8000);
    const m = await eventually(() => {
      const got = getMigration(server, 'mcp');
      assert.equal(condition(got, 'Degraded')?.status, 'False');
      assert.equal(got?.status?.phase, 'Running');
      return got;
    });
    assert.equal(m?.metadata.generation, 1, 'the resource itself was never touched');
    const events = server.list('events', NS).map((e) => (e as unknown as { reason: string }).reason);
    assert.ok(events.includes('SecretNotFound') && events.includes('PhaseStarted'), events.join(','));
    assert.equal(events.filter((r) => r === 'SecretNotFound').length, 1, 'identical events are not repeated');
  });

  void it('reports a database it cannot reach as Degraded, without the password, and keeps retrying', async () => {
    server = await FakeApiServer.start();
    const url = `postgres://${PG_USER}:s3cret@${PG_HOST}:${PG_PORT}/no_such_database_iop`;
    server.create('secrets', urlSecret('pg', url));
    operator('op-1');
    server.create('indexmigrations', migration('mcp', { database: pgDatabase('pg'), phases: ['core'] }));
    const m = await eventually(() => {
      const got = getMigration(server, 'mcp');
      assert.equal(condition(got, 'Degraded')?.reason, 'DatabaseUnreachable');
      return got;
    });
    assert.match(condition(m, 'Degraded')?.message ?? '', /no_such_database_iop/);
    const reads = server.countRequests('get', 'secrets');
    await eventually(() => server.countRequests('get', 'secrets') > reads, 5000);
    const everything = JSON.stringify([m, server.list('events', NS), logLines]);
    assert.ok(!everything.includes('s3cret'), 'the password appears nowhere');
    assert.deepEqual(jobNames(), []);
  });

  void it('keeps a rolled-back run the record through a database outage: nothing starts again once it clears', async () => {
    server = await FakeApiServer.start();
    server.create('secrets', urlSecret('pg', db.url));
    operator('op-1');
    server.create('indexmigrations', migration('mcp', { database: pgDatabase('pg'), phases: ['core'] }));
    await eventually(() => assert.deepEqual(jobNames(), ['mcp-core-g1']));
    finishJob(server, 'mcp-core-g1', false, 'lock timeout');
    await eventually(() => assert.deepEqual(jobNames(), ['mcp-core-g1', 'mcp-rollback-g1']));
    finishJob(server, 'mcp-rollback-g1', true);
    await eventually(() => assert.equal(getMigration(server, 'mcp')?.status?.phase, 'RolledBack'));
    // The database goes away, then the Jobs' TTL removes them (which wakes the operator up).
    const bad = `postgres://${PG_USER}@${PG_HOST}:${PG_PORT}/no_such_database_iop`;
    server.patch('secrets', NS, 'pg', { data: { DATABASE_URL: Buffer.from(bad).toString('base64') } });
    for (const name of jobNames()) server.delete('jobs', NS, name);
    await eventually(() => {
      const events = server.list('events', NS).map((e) => (e as unknown as { reason: string }).reason);
      assert.ok(events.includes('DatabaseUnreachable'), events.join(','));
    });
    const during = getMigration(server, 'mcp');
    assert.equal(during?.status?.phase, 'RolledBack');
    assert.equal(condition(during, 'Degraded')?.reason, 'PhaseFailed', 'the failure is not forgotten');
    server.patch('secrets', NS, 'pg', { data: { DATABASE_URL: Buffer.from(db.url).toString('base64') } });
    // Two more reconciles after the fix (the annotation queues the second behind the first): the first
    // one, which saw the database again, has finished whatever it decided.
    const reads = server.countRequests('get', 'secrets');
    server.patch('indexmigrations', NS, 'mcp', { metadata: { annotations: { nudge: '1' } } });
    await eventually(() => server.countRequests('get', 'secrets') >= reads + 2, 8000);
    const after = getMigration(server, 'mcp');
    assert.equal(after?.status?.phase, 'RolledBack');
    assert.equal(after?.metadata.generation, 1);
    assert.deepEqual(jobNames(), [], 'the failed phase is not run again without a spec change');
  });

  void it('watches only the namespaces it is told to (WATCH_NAMESPACE=apps,team-b)', async () => {
    server = await FakeApiServer.start();
    for (const ns of ['team-b', 'elsewhere']) {
      server.create('secrets', {
        ...(urlSecret('pg', db.url) as object),
        metadata: { name: 'pg', namespace: ns },
      });
      const m = migration('mcp', { database: pgDatabase('pg'), phases: ['core'] }) as { metadata: object };
      server.create('indexmigrations', { ...m, metadata: { name: 'mcp', namespace: ns } });
    }
    running.push(startOperator(server, 'op-1', [NS, 'team-b']));
    await eventually(() => server.list('jobs', 'team-b').length === 1, 5000);
    const ignored = server.get('indexmigrations', 'elsewhere', 'mcp') as {
      status?: unknown;
      metadata: { finalizers?: string[] };
    };
    assert.equal(ignored.status, undefined);
    assert.equal(ignored.metadata.finalizers, undefined);
    assert.deepEqual(server.list('jobs', 'elsewhere'), []);
    assert.ok(
      server.requests.every((r) => r.namespace !== 'elsewhere'),
      'never even looked there',
    );
  });

  void it('lets only the lease holder create Jobs; when it stops, the other replica takes over', async () => {
    server = await FakeApiServer.start();
    server.create('secrets', urlSecret('pg', db.url));
    const first = operator('op-1');
    await eventually(() => assert.equal(holder(), 'op-1'));
    operator('op-2');
    server.create('indexmigrations', migration('one', { database: pgDatabase('pg'), phases: ['core'] }));
    await eventually(() => assert.deepEqual(jobNames(), ['one-core-g1']));
    assert.equal(holder(), 'op-1');
    assert.ok(
      !logLines.some((l) => l.includes('"identity":"op-2"') && l.includes('"msg":"job apply"')),
      'standby created nothing',
    );
    await first.stop();
    running.splice(running.indexOf(first), 1);
    await eventually(() => assert.equal(holder(), 'op-2'), 3000);
    server.create('indexmigrations', migration('two', { database: pgDatabase('pg'), phases: ['core'] }));
    await eventually(() => assert.deepEqual(jobNames(), ['one-core-g1', 'two-core-g1']), 5000);
    assert.equal(server.countRequests('create', 'jobs'), 2, 'no duplicate Job');
  });

  void it('stops working at once when it cannot renew its lease, and leads again once it can', async () => {
    server = await FakeApiServer.start();
    server.create('secrets', urlSecret('pg', db.url));
    const op = operator('op-1');
    await eventually(() => op.operator.isLeader && op.operator.ready().detail === 'leader, informers synced');
    server.failNext({ resource: 'leases' }, { code: 500, message: 'etcd is down' }, 12);
    await eventually(() => assert.equal(op.operator.isLeader, false), 4000);
    assert.equal(op.operator.ready().detail, 'standby');
    assert.ok(logLines.some((l) => l.includes('lost leadership')));
    server.create('indexmigrations', migration('late', { database: pgDatabase('pg'), phases: ['core'] }));
    await eventually(() => assert.deepEqual(jobNames(), ['late-core-g1']), 8000);
    assert.ok(op.operator.isLeader);
  });

  for (const goneAs of ['event', 'http'] as const) {
    void it(`re-lists and carries on after its watches are cut and the history compacted (410 Gone as ${goneAs})`, async () => {
      server = await FakeApiServer.start({ goneAs });
      server.create('secrets', urlSecret('pg', db.url));
      const op = operator('op-1');
      server.create('indexmigrations', migration('a', { database: pgDatabase('pg'), phases: ['core'] }));
      await eventually(() => assert.deepEqual(jobNames(), ['a-core-g1']));
      const lists = server.countRequests('list', 'indexmigrations');
      server.pauseWatches();
      assert.ok(server.cutWatches() >= 2);
      await eventually(() => assert.equal(server.heldWatchCount, 2));
      finishJob(server, 'a-core-g1', false, 'simulated failure');
      server.create('indexmigrations', migration('b', { database: pgDatabase('pg'), phases: ['core'] }));
      server.compactHistory();
      server.resumeWatches();
      await eventually(() => assert.deepEqual(jobNames(), ['a-core-g1', 'a-rollback-g1', 'b-core-g1']), 8000);
      assert.ok(server.countRequests('list', 'indexmigrations') > lists, 're-listed after 410');
      assert.equal(op.operator.ready().ok, true);
    });
  }
});
