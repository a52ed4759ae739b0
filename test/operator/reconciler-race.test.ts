/**
 * The reconciler's read order against a Job that completes while the bookkeeping is being read (a slow
 * database under load): the Jobs are taken before the bookkeeping, so the Job still counts as running
 * and no second Job of the phase is created. Kubernetes and the database are stubs here: the point is
 * the order of the two reads, which only a reader that finishes the Job in the middle shows for sure.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import type { KubeClient, KubeJob } from '../../src/kube/kube-client.js';
import { builtInCatalogues } from '../../src/cli/commands/operator.js';
import { createLogger } from '../../src/log.js';
import type { AppliedPhase } from '../../src/operator/decide-run.js';
import type { EventRecorder } from '../../src/operator/event-recorder.js';
import { DEFAULT_JOB_SETTINGS, buildJob } from '../../src/operator/job-builder.js';
import { FINALIZER, Reconciler } from '../../src/operator/reconciler.js';
import { SPEC_DEFAULTS, type IndexMigration } from '../../src/operator/types.js';

const silent = createLogger({
  level: 'silent',
  destination: new Writable({ write: (_c, _e, done) => done() }),
});

const MIGRATION: IndexMigration = {
  apiVersion: 'index-operator.io/v1alpha1',
  kind: 'IndexMigration',
  metadata: { name: 'mcp', namespace: 'apps', uid: 'uid-1', generation: 1, finalizers: [FINALIZER] },
  spec: {
    database: { dialect: 'sqlite', sqlite: { claimName: 'data', path: '/data/mcp.db' } },
    catalogue: SPEC_DEFAULTS.catalogue,
    phases: ['sessions', 'associations'],
    concurrency: 1,
    lockTimeout: '2s',
    retries: { limit: 0, backoff: '1s' },
    onFailure: 'RollbackPhase',
    suspend: false,
    verify: false,
    deletionPolicy: 'Retain',
  },
};

function complete(job: KubeJob): KubeJob {
  const at = '2026-01-01T00:00:05Z';
  return {
    ...job,
    status: {
      startTime: '2026-01-01T00:00:00Z',
      succeeded: 1,
      completionTime: at,
      conditions: [{ type: 'Complete', status: 'True', lastTransitionTime: at }],
    },
  };
}

void describe('reconciler read order', () => {
  void it('a Job that completes during the bookkeeping read is still seen running: no second Job', async () => {
    const first = buildJob(
      MIGRATION,
      { kind: 'apply', phase: 'sessions', phases: ['sessions'] },
      {
        ...DEFAULT_JOB_SETTINGS,
        image: 'index-operator:test',
      },
    );
    const active: KubeJob = {
      ...first,
      metadata: { ...first.metadata, namespace: 'apps' },
      status: { startTime: '2026-01-01T00:00:00Z', active: 1 },
    };
    let cache: KubeJob[] = [active];
    const created: string[] = [];
    const statuses: IndexMigration[] = [];
    const kube = {
      getMigration: () => Promise.resolve(MIGRATION),
      createJob: (_ns: string, job: KubeJob) => {
        created.push(job.metadata.name ?? '');
        return Promise.resolve('created' as const);
      },
      replaceMigrationStatus: (m: IndexMigration) => {
        statuses.push(m);
        return Promise.resolve(m);
      },
    } as unknown as KubeClient;
    let reads = 0;
    // The bookkeeping as read while the Job's command runs; the Job completes before the read returns.
    const readBookkeeping = (): Promise<ReadonlyMap<string, AppliedPhase>> => {
      reads += 1;
      cache = [complete(active)];
      const running: AppliedPhase = {
        applied: false,
        status: 'running',
        indexesCreated: 0,
        indexesSkipped: 0,
        indexesDone: 1,
      };
      return Promise.resolve(new Map([['sessions', running]]));
    };
    const reconciler = new Reconciler({
      kube,
      jobs: () => cache,
      catalogues: builtInCatalogues(),
      readBookkeeping,
      jobSettings: { ...DEFAULT_JOB_SETTINGS, image: 'index-operator:test' },
      events: { record: () => Promise.resolve() } as unknown as EventRecorder,
      log: silent,
      now: () => new Date('2026-01-01T00:00:06Z'),
      pollMs: 100,
    });
    const result = await reconciler.reconcile('apps', 'mcp', new AbortController().signal);
    assert.equal(reads, 1, 'the bookkeeping was read');
    assert.deepEqual(created, [], 'no Job created while the phase was running at the bookkeeping read');
    assert.equal(result.requeueAfterMs, 100, 'looks again soon');
    const progressing = statuses.at(-1)?.status?.conditions?.find((c) => c.type === 'Progressing');
    assert.equal(progressing?.reason, 'PhaseRunning');
    assert.match(progressing?.message ?? '', new RegExp(`job ${first.metadata.name ?? '?'}`));
  });
});
