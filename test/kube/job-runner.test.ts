/**
 * The in-process Job runner: Jobs created through the real client run the real CLI against real
 * PostgreSQL and SQLite, with env from Secrets and the SQLite claim mapped; their status follows the
 * Job controller's shape; hold/release, forced failures, deletion and deadlines behave as documented.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import * as k8s from '@kubernetes/client-node';
import { FakeApiServer } from './fake-api-server.js';
import { JobRunner, type CliRunner } from './job-runner.js';
import { eventually } from './eventually.js';
import { freshPostgres, PG_HOST, PG_PORT, PG_USER } from '../helpers/databases.js';

const NS = 'jobs';

interface JobStatus {
  readonly startTime?: string;
  readonly completionTime?: string;
  readonly active?: number;
  readonly succeeded?: number;
  readonly failed?: number;
  readonly conditions?: readonly {
    readonly type: string;
    readonly status: string;
    readonly reason?: string;
    readonly message?: string;
  }[];
}

function phaseJob(
  name: string,
  args: string[],
  env: k8s.V1EnvVar[],
  extra: { sqliteClaim?: string; activeDeadlineSeconds?: number } = {},
): k8s.V1Job {
  const claim = extra.sqliteClaim;
  return {
    metadata: { name, labels: { 'index-operator.io/migration': 'runner' } },
    spec: {
      backoffLimit: 0,
      ...(extra.activeDeadlineSeconds ? { activeDeadlineSeconds: extra.activeDeadlineSeconds } : {}),
      template: {
        spec: {
          restartPolicy: 'Never',
          containers: [
            {
              name: 'index-operator',
              image: 'index-operator:test',
              args,
              env,
              ...(claim ? { volumeMounts: [{ name: 'database', mountPath: '/data' }] } : {}),
            },
          ],
          ...(claim ? { volumes: [{ name: 'database', persistentVolumeClaim: { claimName: claim } }] } : {}),
        },
      },
    },
  };
}

let server: FakeApiServer;
let batch: k8s.BatchV1Api;
let core: k8s.CoreV1Api;
let runner: JobRunner;
let claimDir: string;

/** Waits for a Job's final status and returns it. */
async function finished(name: string): Promise<JobStatus> {
  const job = await server.waitFor('jobs', NS, name, (j) => {
    const status = j?.['status'] as JobStatus | undefined;
    return (status?.succeeded ?? 0) > 0 || (status?.failed ?? 0) > 0;
  });
  return job?.['status'] as JobStatus;
}

function statusOf(name: string): JobStatus | undefined {
  return server.get('jobs', NS, name)?.['status'] as JobStatus | undefined;
}

/** A stand-in for the CLI that runs until its signal aborts (for deletion and deadline). */
const untilAborted: CliRunner = (_argv, io) =>
  new Promise((resolve) => {
    io.signal?.addEventListener('abort', () => resolve(143), { once: true });
  });

before(async () => {
  server = await FakeApiServer.start();
  const kc = server.kubeConfig(NS);
  batch = kc.makeApiClient(k8s.BatchV1Api);
  core = kc.makeApiClient(k8s.CoreV1Api);
  claimDir = mkdtempSync(join(tmpdir(), 'ioptest-claim-'));
  // The application's database files on the claim (the CLI refuses a missing SQLite file outside seed).
  for (const file of ['app.db', 'held.db']) writeFileSync(join(claimDir, file), '');
  runner = new JobRunner(server, {
    claims: { 'mcp-data': claimDir },
    baseEnv: { LOG_LEVEL: 'warn' },
  }).start();
});

after(async () => {
  await runner.stop();
  await server.close();
  rmSync(claimDir, { recursive: true, force: true });
});

void describe('job runner', () => {
  void it('runs `up` against PostgreSQL with credentials from the Secret and marks the Job Complete', async () => {
    const db = await freshPostgres('ioptest_jobrunner');
    await core.createNamespacedSecret({
      namespace: NS,
      body: { metadata: { name: 'pg' }, stringData: { POSTGRES_USER: PG_USER, POSTGRES_DB: db.name } },
    });
    const env: k8s.V1EnvVar[] = [
      { name: 'PGHOST', value: PG_HOST },
      { name: 'PGPORT', value: String(PG_PORT) },
      { name: 'PGUSER', valueFrom: { secretKeyRef: { name: 'pg', key: 'POSTGRES_USER' } } },
      { name: 'PGDATABASE', valueFrom: { secretKeyRef: { name: 'pg', key: 'POSTGRES_DB' } } },
    ];
    await batch.createNamespacedJob({
      namespace: NS,
      body: phaseJob('pg-core', ['up', '--phases', 'core'], env),
    });
    const status = await finished('pg-core');
    const run = runner.runsOf('pg-core')[0];
    assert.equal(run?.exitCode, 0, run?.stderr());
    assert.equal(status.succeeded, 1);
    assert.ok(status.startTime && status.completionTime);
    assert.deepEqual(
      status.conditions?.map((c) => `${c.type}=${c.status}`),
      ['Complete=True'],
    );
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      const rows = await client.query<{ n: string }>(
        "SELECT count(*) AS n FROM information_schema.tables WHERE table_name LIKE 'index_operator_%'",
      );
      assert.ok(Number(rows.rows[0]?.n) > 0, 'the run wrote its bookkeeping tables');
    } finally {
      await client.end();
    }
  });

  void it('maps the SQLite claim mount to its local directory', async () => {
    const env = [{ name: 'DATABASE_URL', value: 'sqlite:/data/app.db' }];
    await batch.createNamespacedJob({
      namespace: NS,
      body: phaseJob('sqlite-core', ['up', '--phases', 'core'], env, { sqliteClaim: 'mcp-data' }),
    });
    const status = await finished('sqlite-core');
    assert.equal(status.succeeded, 1, runner.runsOf('sqlite-core')[0]?.stderr());
    assert.ok(statSync(join(claimDir, 'app.db')).size > 0, 'the run wrote to the file on the claim');
  });

  void it('marks a Job whose command fails Failed, with the last line of its output', async () => {
    const env = [{ name: 'DATABASE_URL', value: 'sqlite:/data/bad.db' }];
    await batch.createNamespacedJob({
      namespace: NS,
      body: phaseJob('bad-phase', ['up', '--phases', 'nonsense'], env, { sqliteClaim: 'mcp-data' }),
    });
    const status = await finished('bad-phase');
    assert.equal(status.failed, 1);
    assert.equal(status.completionTime, undefined);
    const failed = status.conditions?.find((c) => c.type === 'Failed');
    assert.equal(failed?.reason, 'BackoffLimitExceeded');
    assert.match(failed?.message ?? '', /nonsense/);
    assert.equal(runner.runsOf('bad-phase')[0]?.exitCode, 2);
  });

  void it('holds a Job active until released', async () => {
    runner.hold('held');
    const env = [{ name: 'DATABASE_URL', value: 'sqlite:/data/held.db' }];
    await batch.createNamespacedJob({
      namespace: NS,
      body: phaseJob('held', ['status'], env, { sqliteClaim: 'mcp-data' }),
    });
    await eventually(() => assert.equal(statusOf('held')?.active, 1));
    assert.equal(runner.runsOf('held').length, 0);
    assert.equal(statusOf('held')?.conditions, undefined);
    runner.release('held');
    assert.equal((await finished('held')).succeeded, 1);
  });

  void it('fails the next matching Job on request, without running it', async () => {
    runner.failNext('forced', 'simulated crash');
    await batch.createNamespacedJob({ namespace: NS, body: phaseJob('forced', ['status'], []) });
    const status = await finished('forced');
    assert.equal(status.conditions?.find((c) => c.type === 'Failed')?.message, 'simulated crash');
    assert.equal(runner.runsOf('forced').length, 0);
  });

  void it('waits for a missing Secret like kubelet, then runs once it exists', async () => {
    const env = [
      { name: 'DATABASE_URL', valueFrom: { secretKeyRef: { name: 'later', key: 'DATABASE_URL' } } },
    ];
    await batch.createNamespacedJob({ namespace: NS, body: phaseJob('waits', ['status'], env) });
    await eventually(() => assert.match(runner.waiting.get(`${NS}/waits`) ?? '', /secret "later" not found/));
    assert.equal(statusOf('waits')?.active, 1);
    const file = join(claimDir, 'later.db');
    writeFileSync(file, '');
    await core.createNamespacedSecret({
      namespace: NS,
      body: { metadata: { name: 'later' }, stringData: { DATABASE_URL: `sqlite:${file}` } },
    });
    assert.equal((await finished('waits')).succeeded, 1, runner.runsOf('waits')[0]?.stderr());
  });
});

void describe('job runner: aborting runs', () => {
  let slow: JobRunner;
  let slowServer: FakeApiServer;
  before(async () => {
    slowServer = await FakeApiServer.start();
    slow = new JobRunner(slowServer, { run: untilAborted }).start();
  });
  after(async () => {
    await slow.stop();
    await slowServer.close();
  });

  void it('runs each Job in a Pod it owns; deleting the Job in the background stops the run and the Pod goes', async () => {
    slowServer.create('jobs', {
      ...phaseJob('doomed', ['up'], []),
      metadata: { name: 'doomed', namespace: NS },
    });
    await eventually(() => assert.equal(slow.runsOf('doomed').length, 1));
    const run = slow.runsOf('doomed')[0];
    const pod = slowServer.get('pods', NS, run?.pod ?? '');
    assert.equal(pod?.metadata.ownerReferences?.[0]?.name, 'doomed');
    assert.equal((pod?.['status'] as { phase?: string } | undefined)?.phase, 'Running');
    slowServer.delete('jobs', NS, 'doomed', { propagationPolicy: 'Background' });
    await run?.finished;
    assert.equal(run?.endedBy, 'deleted');
    assert.equal(run?.exitCode, 143);
    await eventually(() => assert.equal(slowServer.get('pods', NS, run?.pod ?? ''), undefined));
  });

  void it('a Job deleted in the foreground stays until its Pod has stopped', async () => {
    slowServer.create('jobs', { ...phaseJob('fg', ['up'], []), metadata: { name: 'fg', namespace: NS } });
    await eventually(() => assert.equal(slow.runsOf('fg').length, 1));
    const run = slow.runsOf('fg')[0];
    const marked = slowServer.delete('jobs', NS, 'fg', { propagationPolicy: 'Foreground' });
    assert.ok(marked.metadata.deletionTimestamp, 'marked, not gone');
    await run?.finished;
    await eventually(() => assert.equal(slowServer.get('jobs', NS, 'fg'), undefined));
    assert.equal(slowServer.get('pods', NS, run?.pod ?? ''), undefined);
  });

  void it('a Job deleted without propagationPolicy orphans its Pod, which runs on, as batch/v1 does', async () => {
    slowServer.create('jobs', {
      ...phaseJob('orphan', ['up'], []),
      metadata: { name: 'orphan', namespace: NS },
    });
    await eventually(() => assert.equal(slow.runsOf('orphan').length, 1));
    const run = slow.runsOf('orphan')[0];
    slowServer.delete('jobs', NS, 'orphan');
    assert.equal(slowServer.get('jobs', NS, 'orphan'), undefined);
    const pod = slowServer.get('pods', NS, run?.pod ?? '');
    assert.deepEqual(pod?.metadata.ownerReferences, [], 'the ownerReference is removed');
    assert.equal(run?.exitCode, undefined, 'still running');
    slowServer.delete('pods', NS, run?.pod ?? '');
    await run?.finished;
    assert.equal(run?.endedBy, 'deleted');
  });

  void it('ends a run past activeDeadlineSeconds with DeadlineExceeded', async () => {
    slowServer.create('jobs', {
      ...phaseJob('late', ['up'], [], { activeDeadlineSeconds: 1 }),
      metadata: { name: 'late', namespace: NS },
    });
    const job = await slowServer.waitFor(
      'jobs',
      NS,
      'late',
      (j) => (j?.['status'] as JobStatus | undefined)?.failed === 1,
    );
    const failed = (job?.['status'] as JobStatus).conditions?.find((c) => c.type === 'Failed');
    assert.equal(failed?.reason, 'DeadlineExceeded');
    assert.equal(slow.runsOf('late')[0]?.endedBy, 'deadline');
  });
});
