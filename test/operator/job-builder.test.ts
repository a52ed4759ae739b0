import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { buildJob, jobName, runSpecHash, DEFAULT_JOB_SETTINGS } from '../../src/operator/job-builder.js';
import { databaseUrlFromSecret, databaseEnv } from '../../src/operator/database-target.js';
import { runGeneration, toOwnedJob, type OwnedJob } from '../../src/operator/owned-job.js';
import { PHASE_NAMES, type IndexMigration, type IndexMigrationSpec } from '../../src/operator/types.js';
import { parseUpConfig } from '../../src/config.js';
import { DEFAULT_RUN_OPTIONS } from '../../src/engine/engine.js';
import { validateKubeObject } from '../chart/kube-schemas.js';
import type { KubeObject } from '../chart/render-chart.js';

const SPEC: IndexMigrationSpec = {
  database: {
    dialect: 'postgresql',
    postgresql: {
      host: 'db',
      port: 5432,
      secretRef: { name: 'pg', userKey: 'U', passwordKey: 'P', databaseKey: 'D' },
    },
  },
  catalogue: 'contextforge',
  phases: ['core', 'teams'],
  concurrency: 2,
  lockTimeout: '5s',
  retries: { limit: 5, backoff: '10s' },
  onFailure: 'RollbackPhase',
  suspend: false,
  verify: true,
  deletionPolicy: 'Retain',
  activeDeadlineSeconds: 600,
};

function migration(spec: IndexMigrationSpec = SPEC, name = 'mcp'): IndexMigration {
  return {
    apiVersion: 'index-operator.io/v1alpha1',
    kind: 'IndexMigration',
    metadata: { name, namespace: 'apps', uid: 'uid-1', generation: 3 },
    spec,
  };
}

const b64 = (s: string): string => Buffer.from(s).toString('base64');

void describe('buildJob', () => {
  const job = buildJob(migration(), { kind: 'apply', phase: 'core', phases: ['core'] }, DEFAULT_JOB_SETTINGS);
  const pod = job.spec?.template.spec;
  const container = pod?.containers[0];

  void it('names the Job deterministically and labels and owns it', () => {
    assert.equal(job.metadata.name, 'mcp-core-g3');
    assert.equal(jobName('mcp', { kind: 'apply', phase: 'core', attempt: 2 }, 3), 'mcp-core-g3-r2');
    const rerun = buildJob(
      migration(),
      { kind: 'apply', phase: 'core', phases: ['core'], attempt: 2 },
      DEFAULT_JOB_SETTINGS,
    );
    assert.equal(rerun.metadata.labels?.['index-operator.io/attempt'], '2');
    assert.equal(toOwnedJob(rerun)?.attempt, 2);
    assert.equal(job.metadata.labels?.['index-operator.io/migration'], 'mcp');
    assert.equal(job.metadata.labels?.['index-operator.io/phase'], 'core');
    assert.deepEqual(job.metadata.ownerReferences?.[0], {
      apiVersion: 'index-operator.io/v1alpha1',
      kind: 'IndexMigration',
      name: 'mcp',
      uid: 'uid-1',
      controller: true,
      blockOwnerDeletion: true,
    });
  });

  void it('runs one phase with the spec as CLI flags, no retries by Kubernetes, no rollback of its own', () => {
    assert.deepEqual(container?.args, [
      'up',
      '--phases',
      'core',
      '--catalogue',
      'contextforge',
      '--log-level',
      'info',
      '--concurrency',
      '2',
      '--lock-timeout',
      '5s',
      '--retries',
      '5',
      '--retry-backoff',
      '10s',
      '--on-failure',
      'halt',
    ]);
    assert.equal(job.spec?.backoffLimit, 0);
    assert.equal(job.spec?.activeDeadlineSeconds, 600);
    assert.equal(job.spec?.ttlSecondsAfterFinished, DEFAULT_JOB_SETTINGS.ttlSecondsAfterFinished);
  });

  void it('passes the throttle settings to up only when the spec sets them, as flags up accepts', () => {
    const throttled = buildJob(
      migration({ ...SPEC, pauseBetweenBuilds: '30s', maxParallelMaintenanceWorkers: 0 }),
      { kind: 'apply', phase: 'core', phases: ['core'] },
      DEFAULT_JOB_SETTINGS,
    );
    const args = throttled.spec?.template.spec?.containers[0]?.args ?? [];
    assert.deepEqual(args.slice(-4), [
      '--pause-between-builds',
      '30s',
      '--max-parallel-maintenance-workers',
      '0',
    ]);
    // Every flag after `up` is `--name value`: read them as up's own parser does.
    const values: Record<string, string> = {};
    for (let i = 1; i < args.length; i += 2) values[(args[i] ?? '').replace(/^--/, '')] = args[i + 1] ?? '';
    const config = parseUpConfig(values, PHASE_NAMES, DEFAULT_RUN_OPTIONS);
    assert.equal(config.pauseBetweenBuildsMs, 30_000);
    assert.equal(config.maxParallelMaintenanceWorkers, 0);
    assert.ok(!(container?.args ?? []).includes('--pause-between-builds'));
    assert.ok(!(container?.args ?? []).includes('--max-parallel-maintenance-workers'));
    const rollback = buildJob(
      migration({ ...SPEC, pauseBetweenBuilds: '30s', maxParallelMaintenanceWorkers: 2 }),
      { kind: 'rollback', phases: ['core'] },
      DEFAULT_JOB_SETTINGS,
    );
    const downArgs = rollback.spec?.template.spec?.containers[0]?.args ?? [];
    assert.equal(downArgs[0], 'down');
    assert.ok(!downArgs.includes('--pause-between-builds'), 'down has no throttle flags');
  });

  void it('is locked down: non-root numeric user, read-only root, no capabilities, RuntimeDefault seccomp', () => {
    assert.equal(pod?.securityContext?.['runAsNonRoot'], true);
    assert.equal(typeof pod?.securityContext?.['runAsUser'], 'number');
    assert.deepEqual(pod?.securityContext?.['seccompProfile'], { type: 'RuntimeDefault' });
    assert.equal(container?.securityContext?.['readOnlyRootFilesystem'], true);
    assert.deepEqual(container?.securityContext?.['capabilities'], { drop: ['ALL'] });
    assert.deepEqual(container?.resources, DEFAULT_JOB_SETTINGS.resources);
  });

  void it('gives the read-only root a writable /tmp (the image sets HOME and TMPDIR to /tmp)', () => {
    assert.deepEqual(pod?.volumes, [{ name: 'tmp', emptyDir: { sizeLimit: '64Mi' } }]);
    assert.deepEqual(container?.volumeMounts, [{ name: 'tmp', mountPath: '/tmp' }]);
  });

  void it('builds Jobs valid against the Kubernetes Job schema, with no field the API would drop', () => {
    const sqlite: IndexMigrationSpec = {
      ...SPEC,
      database: { dialect: 'sqlite', sqlite: { claimName: 'mcp-data', path: '/data/mcp.db' } },
    };
    const settings = { ...DEFAULT_JOB_SETTINGS, imagePullPolicy: 'Always', serviceAccountName: 'jobs' };
    for (const built of [
      job,
      buildJob(migration(sqlite), { kind: 'apply', phase: 'core', phases: ['core'], attempt: 1 }, settings),
      buildJob(migration(), { kind: 'rollback', phase: 'teams', phases: ['teams', 'core'] }, settings),
      buildJob(migration(), { kind: 'verify', phases: [] }, settings),
    ]) {
      assert.equal(validateKubeObject(built as unknown as KubeObject), undefined, built.metadata.name);
    }
    assert.match(
      validateKubeObject({ ...job, spec: { ...job.spec, backoffLimit: 'none' } } as unknown as KubeObject) ??
        '',
      /backoffLimit/,
      'the check can fail',
    );
  });

  void it('takes credentials from the Secret by reference, never by value', () => {
    const env = container?.env ?? [];
    assert.deepEqual(
      env.find((e) => e.name === 'PGPASSWORD'),
      { name: 'PGPASSWORD', valueFrom: { secretKeyRef: { name: 'pg', key: 'P' } } },
    );
    assert.equal(env.find((e) => e.name === 'PGHOST')?.value, 'db');
    assert.ok(!JSON.stringify(job).includes('hunter2'));
  });

  void it("mounts the SQLite claim at the file's directory", () => {
    const spec: IndexMigrationSpec = {
      ...SPEC,
      database: { dialect: 'sqlite', sqlite: { claimName: 'mcp-data', path: '/data/mcp.db' } },
    };
    const j = buildJob(
      migration(spec),
      { kind: 'apply', phase: 'core', phases: ['core'] },
      DEFAULT_JOB_SETTINGS,
    );
    assert.deepEqual(j.spec?.template.spec?.volumes, [
      { name: 'tmp', emptyDir: { sizeLimit: '64Mi' } },
      { name: 'database', persistentVolumeClaim: { claimName: 'mcp-data' } },
    ]);
    assert.deepEqual(j.spec?.template.spec?.containers[0]?.volumeMounts, [
      { name: 'tmp', mountPath: '/tmp' },
      { name: 'database', mountPath: '/data' },
    ]);
    assert.deepEqual(databaseEnv(spec.database), [{ name: 'DATABASE_URL', value: 'sqlite:/data/mcp.db' }]);
  });

  void it('rollback and verify Jobs run down and verify', () => {
    const rb = buildJob(
      migration(),
      { kind: 'rollback', phase: 'teams', phases: ['teams', 'core'] },
      DEFAULT_JOB_SETTINGS,
    );
    assert.equal(rb.metadata.name, 'mcp-rollback-g3');
    assert.deepEqual(rb.spec?.template.spec?.containers[0]?.args?.slice(0, 3), [
      'down',
      '--phases',
      'teams,core',
    ]);
    const v = buildJob(migration(), { kind: 'verify', phases: [] }, DEFAULT_JOB_SETTINGS);
    assert.equal(v.spec?.template.spec?.containers[0]?.args?.[0], 'verify');
    // The verify Job checks the hot queries of the selected phases only (issue 12, item 3).
    assert.deepEqual(v.spec?.template.spec?.containers[0]?.args?.slice(1, 3), [
      '--phases',
      migration().spec.phases.join(','),
    ]);
  });

  void it('reads back what it built', () => {
    const owned = toOwnedJob(job);
    assert.equal(owned?.kind, 'apply');
    assert.equal(owned?.generation, 3);
    assert.deepEqual(owned?.phases, ['core']);
    assert.equal(owned?.state, 'active');
  });

  void it('reads the outcome from the Kubernetes 1.31+ interim conditions SuccessCriteriaMet and FailureTarget', () => {
    const at = '2026-12-02T08:00:00Z';
    const withCondition = (type: string, extra: Record<string, string> = {}): typeof job => ({
      ...job,
      status: { active: 1, conditions: [{ type, status: 'True', lastTransitionTime: at, ...extra }] },
    });
    const succeeded = toOwnedJob(withCondition('SuccessCriteriaMet'));
    assert.equal(succeeded?.state, 'succeeded');
    assert.equal(succeeded?.completedAt, at);
    const failed = toOwnedJob(
      withCondition('FailureTarget', {
        reason: 'DeadlineExceeded',
        message: 'Job was active longer than specified deadline',
      }),
    );
    assert.equal(failed?.state, 'failed');
    assert.equal(failed?.message, 'Job was active longer than specified deadline');
    assert.equal(failed?.completedAt, at);
    assert.equal(toOwnedJob(withCondition('FailureTarget', { status: 'False' }))?.state, 'active');
  });

  void it('keeps long names within 63 characters and distinct', () => {
    const long = 'a'.repeat(70);
    const a = jobName(long, { kind: 'apply', phase: 'associations' }, 12);
    const b = jobName(`${long}b`, { kind: 'apply', phase: 'associations' }, 12);
    assert.ok(a.length <= 63 && b.length <= 63, `${a} / ${b}`);
    assert.notEqual(a, b);
    assert.ok(a.endsWith('-associations-g12'));
  });
});

void describe('databaseUrlFromSecret', () => {
  const db = SPEC.database;
  void it('names the Secret and the keys when the Secret is missing', () => {
    const r = databaseUrlFromSecret(db, 'apps', undefined);
    assert.equal(r.ok, false);
    if (!r.ok) {
      assert.equal(r.problem.reason, 'SecretNotFound');
      assert.match(r.problem.message, /Secret apps\/pg not found.*U, P, D/);
    }
  });

  void it('names the missing key', () => {
    const r = databaseUrlFromSecret(db, 'apps', { metadata: {}, data: { U: b64('app'), D: b64('mcp') } });
    assert.ok(!r.ok && r.problem.reason === 'SecretKeyMissing' && /no key P/.test(r.problem.message));
  });

  void it('composes a URL with encoded credentials', () => {
    const r = databaseUrlFromSecret(db, 'apps', {
      metadata: {},
      data: { U: b64('app'), P: b64('p@ss/w:rd'), D: b64('mcp') },
    });
    assert.ok(r.ok);
    if (r.ok) assert.equal(r.url, 'postgres://app:p%40ss%2Fw%3Ard@db:5432/mcp');
  });
});

void describe('runGeneration', () => {
  const spec = SPEC;
  const hash = runSpecHash(spec);
  const owned = (generation: number, state: 'active' | 'succeeded' | 'failed', runSpec = hash): OwnedJob => ({
    name: `j${generation}`,
    kind: 'verify',
    phase: undefined,
    phases: [],
    generation,
    attempt: 0,
    state,
    startedAt: undefined,
    completedAt: undefined,
    message: undefined,
    reason: undefined,
    deleting: false,
    runSpec,
  });

  void it('deletionPolicy is not part of the run spec; everything else is', () => {
    assert.equal(runSpecHash({ ...spec, deletionPolicy: 'RollBack' }), hash);
    assert.notEqual(runSpecHash({ ...spec, lockTimeout: '9s' }), hash);
    assert.notEqual(runSpecHash({ ...spec, phases: ['core'] }), hash);
  });

  void it('keeps the generation of the newest Jobs built from the same run spec, unless one failed', () => {
    assert.equal(runGeneration([owned(1, 'succeeded')], 2, hash), 1, 'only deletionPolicy changed');
    assert.equal(runGeneration([owned(1, 'succeeded', 'other')], 2, hash), 2, 'the run spec changed');
    assert.equal(runGeneration([owned(1, 'failed')], 2, hash), 2, 'a failed run is tried again');
    assert.equal(runGeneration([], 3, hash), 3);
    assert.equal(runGeneration([owned(3, 'active')], 3, hash), 3);
    const built = buildJob(migration(), { kind: 'verify', phases: [] }, DEFAULT_JOB_SETTINGS, 1);
    assert.equal(built.metadata.name, 'mcp-verify-g1');
    assert.equal(toOwnedJob(built)?.runSpec, runSpecHash(migration().spec));
  });
});
