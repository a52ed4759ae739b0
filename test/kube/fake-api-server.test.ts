/**
 * The fake API server, driven by the real @kubernetes/client-node 1.x: CRUD, optimistic concurrency,
 * patches, the status subresource, admission against the CRD, watches (bookmarks, cut and resume,
 * 410 Gone and the informer's re-list), finalizers, owner-reference cascade and the test hooks.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as k8s from '@kubernetes/client-node';
import { FakeApiServer } from './fake-api-server.js';
import { eventually } from './eventually.js';
import type { IndexMigration } from '../../src/operator/types.js';

const NS = 'mcp';
const IM = { group: 'index-operator.io', version: 'v1alpha1', plural: 'indexmigrations', namespace: NS };
const MERGE = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);
const JSON_PATCH = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.JsonPatch);

function migration(name: string, labels: Record<string, string> = {}): Record<string, unknown> {
  return {
    apiVersion: 'index-operator.io/v1alpha1',
    kind: 'IndexMigration',
    metadata: { name, labels },
    spec: { database: { dialect: 'sqlite', sqlite: { claimName: 'mcp-data', path: '/data/mcp.db' } } },
  };
}

function job(name: string, owner?: { name: string; uid: string }): k8s.V1Job {
  return {
    metadata: {
      name,
      labels: { 'index-operator.io/migration': owner?.name ?? 'none' },
      ...(owner
        ? {
            ownerReferences: [
              {
                apiVersion: 'index-operator.io/v1alpha1',
                kind: 'IndexMigration',
                name: owner.name,
                uid: owner.uid,
                controller: true,
              },
            ],
          }
        : {}),
    },
    spec: {
      backoffLimit: 0,
      template: { spec: { restartPolicy: 'Never', containers: [{ name: 'up', image: 'index-operator' }] } },
    },
  };
}

/** The HTTP status of a client-node ApiException. */
async function statusOf(
  p: Promise<unknown>,
): Promise<{ code: number; body: { message?: string; reason?: string } }> {
  try {
    await p;
  } catch (e) {
    if (e instanceof k8s.ApiException) {
      const body =
        typeof e.body === 'string' ? (JSON.parse(e.body) as { message?: string; reason?: string }) : {};
      return { code: e.code, body };
    }
    throw e;
  }
  assert.fail('expected the request to fail');
}

let server: FakeApiServer;
let kc: k8s.KubeConfig;
let custom: k8s.CustomObjectsApi;
let batch: k8s.BatchV1Api;
let core: k8s.CoreV1Api;

before(async () => {
  server = await FakeApiServer.start();
  kc = server.kubeConfig(NS);
  custom = kc.makeApiClient(k8s.CustomObjectsApi);
  batch = kc.makeApiClient(k8s.BatchV1Api);
  core = kc.makeApiClient(k8s.CoreV1Api);
});
after(() => server.close());

void describe('fake API server: objects', () => {
  void it('creates with defaults, uid, generation and resourceVersion; gets, lists and deletes', async () => {
    const created = (await custom.createNamespacedCustomObject({
      ...IM,
      body: migration('crud', { team: 'a' }),
    })) as IndexMigration;
    assert.equal(created.spec.concurrency, 2);
    assert.equal(created.metadata.generation, 1);
    assert.match(created.metadata.uid ?? '', /^[0-9a-f-]{36}$/);
    assert.match(created.metadata.creationTimestamp ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const got = (await custom.getNamespacedCustomObject({ ...IM, name: 'crud' })) as IndexMigration;
    assert.equal(got.metadata.resourceVersion, created.metadata.resourceVersion);
    await custom.createNamespacedCustomObject({ ...IM, body: migration('crud-other', { team: 'b' }) });
    const list = (await custom.listNamespacedCustomObject({ ...IM, labelSelector: 'team=a' })) as {
      items: IndexMigration[];
      metadata: { resourceVersion: string };
    };
    assert.deepEqual(
      list.items.map((i) => i.metadata.name),
      ['crud'],
    );
    assert.ok(Number(list.metadata.resourceVersion) >= Number(created.metadata.resourceVersion));
    const byName = (await custom.listNamespacedCustomObject({
      ...IM,
      fieldSelector: 'metadata.name=crud-other',
    })) as { items: IndexMigration[] };
    assert.deepEqual(
      byName.items.map((i) => i.metadata.name),
      ['crud-other'],
    );
    await custom.deleteNamespacedCustomObject({ ...IM, name: 'crud' });
    const missing = await statusOf(custom.getNamespacedCustomObject({ ...IM, name: 'crud' }));
    assert.equal(missing.code, 404);
    assert.equal(missing.body.reason, 'NotFound');
  });

  void it('refuses a second object of the same name with 409 AlreadyExists', async () => {
    await custom.createNamespacedCustomObject({ ...IM, body: migration('twice') });
    const again = await statusOf(custom.createNamespacedCustomObject({ ...IM, body: migration('twice') }));
    assert.equal(again.code, 409);
    assert.equal(again.body.reason, 'AlreadyExists');
  });

  void it('rejects an invalid resource with 422 naming the field', async () => {
    const bad = migration('bad');
    bad['spec'] = { database: { dialect: 'postgresql' }, concurrency: 40 };
    const { code, body } = await statusOf(custom.createNamespacedCustomObject({ ...IM, body: bad }));
    assert.equal(code, 422);
    assert.match(
      body.message ?? '',
      /IndexMigration\.index-operator\.io "bad" is invalid: spec\.concurrency: Invalid value: 40/,
    );
    assert.equal(server.get('indexmigrations', NS, 'bad'), undefined);
  });

  void it('answers a stale update with 409 Conflict and takes a current one', async () => {
    const first = (await custom.createNamespacedCustomObject({
      ...IM,
      body: migration('stale'),
    })) as IndexMigration;
    const fresh = { ...first, spec: { ...first.spec, concurrency: 3 } };
    const updated = (await custom.replaceNamespacedCustomObject({
      ...IM,
      name: 'stale',
      body: fresh,
    })) as IndexMigration;
    assert.equal(updated.metadata.generation, 2);
    const stale = { ...first, spec: { ...first.spec, concurrency: 4 } };
    const conflict = await statusOf(
      custom.replaceNamespacedCustomObject({ ...IM, name: 'stale', body: stale }),
    );
    assert.equal(conflict.code, 409);
    assert.match(conflict.body.message ?? '', /the object has been modified/);
    assert.equal(
      (server.get('indexmigrations', NS, 'stale') as unknown as IndexMigration).spec.concurrency,
      3,
    );
  });

  void it('applies merge and JSON patches, checking the result against the CRD', async () => {
    await custom.createNamespacedCustomObject({ ...IM, body: migration('patched') });
    const merged = (await custom.patchNamespacedCustomObject(
      { ...IM, name: 'patched', body: { spec: { suspend: true, retries: { limit: 1 } } } },
      MERGE,
    )) as IndexMigration;
    assert.equal(merged.spec.suspend, true);
    assert.deepEqual(merged.spec.retries, { limit: 1, backoff: '10s' });
    const ops = [
      { op: 'replace', path: '/spec/phases', value: ['core', 'teams'] },
      { op: 'add', path: '/metadata/finalizers', value: ['index-operator.io/cleanup'] },
    ];
    const patched = (await custom.patchNamespacedCustomObject(
      { ...IM, name: 'patched', body: ops },
      JSON_PATCH,
    )) as IndexMigration;
    assert.deepEqual(patched.spec.phases, ['core', 'teams']);
    assert.deepEqual(patched.metadata.finalizers, ['index-operator.io/cleanup']);
    assert.equal(patched.metadata.generation, 3);
    const invalid = await statusOf(
      custom.patchNamespacedCustomObject(
        { ...IM, name: 'patched', body: { spec: { onFailure: 'Retry' } } },
        MERGE,
      ),
    );
    assert.equal(invalid.code, 422);
    assert.match(invalid.body.message ?? '', /spec\.onFailure: Unsupported value: "Retry"/);
    const failedTest = await statusOf(
      custom.patchNamespacedCustomObject(
        { ...IM, name: 'patched', body: [{ op: 'test', path: '/spec/concurrency', value: 9 }] },
        JSON_PATCH,
      ),
    );
    assert.equal(failedTest.code, 422);
  });

  void it('keeps spec and status apart: each endpoint writes only its own part', async () => {
    const created = (await custom.createNamespacedCustomObject({
      ...IM,
      body: { ...migration('split'), status: { phase: 'Succeeded' } },
    })) as IndexMigration;
    assert.equal(created.status, undefined, 'create ignores status');
    const withStatus = (await custom.replaceNamespacedCustomObjectStatus({
      ...IM,
      name: 'split',
      body: {
        ...created,
        spec: { ...created.spec, concurrency: 9 },
        status: { phase: 'Running', observedGeneration: 1 },
      },
    })) as IndexMigration;
    assert.equal(withStatus.status?.phase, 'Running');
    assert.equal(withStatus.spec.concurrency, 2, 'status write ignores spec');
    assert.equal(withStatus.metadata.generation, 1, 'status write keeps generation');
    const withSpec = (await custom.patchNamespacedCustomObject(
      { ...IM, name: 'split', body: { spec: { concurrency: 5 }, status: { phase: 'Failed' } } },
      MERGE,
    )) as IndexMigration;
    assert.equal(withSpec.spec.concurrency, 5);
    assert.equal(withSpec.status?.phase, 'Running', 'spec write ignores status');
    assert.equal(withSpec.metadata.generation, 2);
    const badStatus = await statusOf(
      custom.patchNamespacedCustomObjectStatus(
        { ...IM, name: 'split', body: { status: { phase: 'Done' } } },
        MERGE,
      ),
    );
    assert.equal(badStatus.code, 422);
  });

  void it('does not bump resourceVersion or generation for a write that changes nothing', async () => {
    const created = (await custom.createNamespacedCustomObject({
      ...IM,
      body: migration('noop'),
    })) as IndexMigration;
    const same = (await custom.patchNamespacedCustomObject(
      { ...IM, name: 'noop', body: { spec: { concurrency: 2 } } },
      MERGE,
    )) as IndexMigration;
    assert.equal(same.metadata.resourceVersion, created.metadata.resourceVersion);
  });

  void it('gives Jobs generated names and Secrets their stringData as data', async () => {
    const made = await batch.createNamespacedJob({
      namespace: NS,
      body: { ...job(''), metadata: { generateName: 'crud-core-' } },
    });
    assert.match(made.metadata?.name ?? '', /^crud-core-[a-z0-9]{5}$/);
    await core.createNamespacedSecret({
      namespace: NS,
      body: { metadata: { name: 'db' }, stringData: { DATABASE_URL: 'postgres://u:p@h/d' } },
    });
    const secret = await core.readNamespacedSecret({ namespace: NS, name: 'db' });
    assert.equal(Buffer.from(secret.data?.['DATABASE_URL'] ?? '', 'base64').toString(), 'postgres://u:p@h/d');
  });

  void it('holds deletion while finalizers remain, then removes the object', async () => {
    const body = migration('final');
    body['metadata'] = { name: 'final', finalizers: ['index-operator.io/cleanup'] };
    await custom.createNamespacedCustomObject({ ...IM, body });
    await custom.deleteNamespacedCustomObject({ ...IM, name: 'final' });
    const deleting = server.get('indexmigrations', NS, 'final');
    assert.ok(deleting?.metadata.deletionTimestamp, 'deletionTimestamp set');
    await custom.patchNamespacedCustomObject(
      { ...IM, name: 'final', body: { metadata: { finalizers: null } } },
      MERGE,
    );
    assert.equal(server.get('indexmigrations', NS, 'final'), undefined);
  });

  void it('deletes the Jobs an IndexMigration owns when it goes, unless told to orphan them', async () => {
    const owner = (await custom.createNamespacedCustomObject({
      ...IM,
      body: migration('owner'),
    })) as IndexMigration;
    const ref = { name: 'owner', uid: owner.metadata.uid ?? '' };
    await batch.createNamespacedJob({ namespace: NS, body: job('owner-core', ref) });
    await batch.createNamespacedJob({ namespace: NS, body: job('unowned') });
    await custom.deleteNamespacedCustomObject({ ...IM, name: 'owner', propagationPolicy: 'Background' });
    assert.equal(server.get('jobs', NS, 'owner-core'), undefined);
    assert.ok(server.get('jobs', NS, 'unowned'));
    const orphaner = (await custom.createNamespacedCustomObject({
      ...IM,
      body: migration('orphaner'),
    })) as IndexMigration;
    await batch.createNamespacedJob({
      namespace: NS,
      body: job('orphan-core', { name: 'orphaner', uid: orphaner.metadata.uid ?? '' }),
    });
    await custom.deleteNamespacedCustomObject({ ...IM, name: 'orphaner', propagationPolicy: 'Orphan' });
    assert.ok(server.get('jobs', NS, 'orphan-core'));
  });
});

void describe('fake API server: DELETE bodies are read as a real API server reads them', () => {
  /** A raw DELETE of a Job with DeleteOptions in the body, with or without Content-Length. */
  async function rawDelete(name: string, withLength: boolean): Promise<void> {
    const { request } = await import('node:http');
    const payload = JSON.stringify({
      kind: 'DeleteOptions',
      apiVersion: 'v1',
      propagationPolicy: 'Background',
    });
    await new Promise<void>((resolve, reject) => {
      const req = request(
        `${server.url}/apis/batch/v1/namespaces/${NS}/jobs/${name}`,
        {
          method: 'DELETE',
          agent: false,
          headers: {
            'content-type': 'application/json',
            ...(withLength ? { 'content-length': Buffer.byteLength(payload) } : {}),
          },
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve());
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
  }

  function podOf(jobName: string, uid: string): void {
    server.create('pods', {
      metadata: {
        name: `${jobName}-pod`,
        namespace: NS,
        ownerReferences: [{ apiVersion: 'batch/v1', kind: 'Job', name: jobName, uid, controller: true }],
      },
      spec: { containers: [{ name: 'c', image: 'i' }] },
    });
  }

  void it('without Content-Length the body is not read: the Job orphans its pod (the batch/v1 default)', async () => {
    const created = server.create('jobs', { ...job('bare'), metadata: { name: 'bare', namespace: NS } });
    podOf('bare', created.metadata.uid ?? '');
    await rawDelete('bare', false);
    assert.equal(server.get('jobs', NS, 'bare'), undefined);
    const pod = server.get('pods', NS, 'bare-pod');
    assert.ok(pod, 'the pod survives');
    assert.deepEqual(pod.metadata.ownerReferences, []);
  });

  void it('with Content-Length the body counts: Background deletes the pod', async () => {
    const created = server.create('jobs', { ...job('sized'), metadata: { name: 'sized', namespace: NS } });
    podOf('sized', created.metadata.uid ?? '');
    await rawDelete('sized', true);
    assert.equal(server.get('jobs', NS, 'sized'), undefined);
    assert.ok(server.get('pods', NS, 'sized-pod')?.metadata.deletionTimestamp, 'the pod is terminating');
  });
});

void describe('fake API server: test hooks', () => {
  void it('counts requests by verb and resource', async () => {
    const before = server.countRequests('create', 'jobs');
    await batch.createNamespacedJob({ namespace: NS, body: job('counted') });
    await batch.readNamespacedJobStatus({ namespace: NS, name: 'counted' });
    assert.equal(server.countRequests('create', 'jobs') - before, 1);
    assert.ok(server.countRequests('get', 'jobs/status') >= 1);
    assert.ok(server.countRequests('create', 'jobs.batch') >= 1);
    assert.equal(server.countRequests('create', 'jobs.example.com'), 0);
  });

  void it('injects one-off failures', async () => {
    await batch.createNamespacedJob({ namespace: NS, body: job('flaky') });
    server.failNext({ verb: 'update', resource: 'jobs', name: 'flaky' }, { code: 409 });
    const current = await batch.readNamespacedJob({ namespace: NS, name: 'flaky' });
    const first = await statusOf(batch.replaceNamespacedJob({ namespace: NS, name: 'flaky', body: current }));
    assert.equal(first.code, 409);
    assert.equal(first.body.reason, 'Conflict');
    const labelled = { ...current, metadata: { ...current.metadata, labels: { x: 'y' } } };
    const second = await batch.replaceNamespacedJob({ namespace: NS, name: 'flaky', body: labelled });
    assert.deepEqual(second.metadata?.labels, { x: 'y' });
    server.failNext({ resource: 'leases' }, { code: 500 });
    assert.equal(
      (await statusOf(kc.makeApiClient(k8s.CoordinationV1Api).listNamespacedLease({ namespace: NS }))).code,
      500,
    );
  });

  void it('sets a Job status as the Job controller would', async () => {
    await batch.createNamespacedJob({ namespace: NS, body: job('done') });
    server.setJobStatus(NS, 'done', { succeeded: 1, conditions: [{ type: 'Complete', status: 'True' }] });
    const read = await batch.readNamespacedJobStatus({ namespace: NS, name: 'done' });
    assert.equal(read.status?.succeeded, 1);
    assert.equal(read.status?.conditions?.[0]?.type, 'Complete');
  });

  void it('answers paths it does not serve with 404 and a Status', async () => {
    for (const path of [
      '/healthz',
      '/apis/batch/v1/namespaces/mcp/jobs/x/log',
      '/apis/example.com/v1/widgets',
      '/foo/batch/v1/jobs',
    ]) {
      const response = await fetch(`${server.url}${path}`);
      assert.equal(response.status, 404, path);
      assert.equal(((await response.json()) as { kind: string }).kind, 'Status');
    }
    const unsupported = await fetch(`${server.url}/apis/batch/v1/namespaces/mcp/jobs/x`, {
      method: 'POST',
      body: '{}',
    });
    assert.equal(unsupported.status, 405);
  });

  void it('serves API discovery to KubernetesObjectApi', async () => {
    const objects = k8s.KubernetesObjectApi.makeApiClient(kc);
    await custom.createNamespacedCustomObject({ ...IM, body: migration('generic') });
    const read = (await objects.read({
      apiVersion: 'index-operator.io/v1alpha1',
      kind: 'IndexMigration',
      metadata: { name: 'generic', namespace: NS },
    })) as unknown as IndexMigration;
    assert.equal(read.spec.catalogue, 'contextforge');
  });
});

void describe('fake API server: watches', () => {
  interface Seen {
    readonly type: string;
    readonly name: string;
    readonly rv: string;
  }

  async function watchJobs(
    params: Record<string, string | boolean | number>,
    ns = 'watch',
  ): Promise<{ seen: Seen[]; done: unknown[] }> {
    const seen: Seen[] = [];
    const done: unknown[] = [];
    await new k8s.Watch(kc).watch(
      `/apis/batch/v1/namespaces/${ns}/jobs`,
      params,
      (type: string, obj: { metadata?: { name?: string; resourceVersion?: string } }) =>
        seen.push({ type, name: obj.metadata?.name ?? '', rv: obj.metadata?.resourceVersion ?? '' }),
      (err: unknown) => done.push(err ?? null),
    );
    return { seen, done };
  }

  void it('streams ADDED, MODIFIED, DELETED and bookmarks, from resourceVersion 0 and from a given one', async () => {
    await batch.createNamespacedJob({ namespace: 'watch', body: job('w1') });
    const rv = server.store.resourceVersion;
    const fromZero = await watchJobs({ resourceVersion: '0', allowWatchBookmarks: true });
    const fromRv = await watchJobs({ resourceVersion: rv });
    await batch.createNamespacedJob({ namespace: 'watch', body: job('w2') });
    server.setJobStatus('watch', 'w2', { active: 1 });
    await batch.deleteNamespacedJob({ namespace: 'watch', name: 'w2' });
    await batch.createNamespacedJob({ namespace: 'elsewhere', body: job('w3') });
    server.sendBookmarks();
    const expected = ['ADDED w2', 'MODIFIED w2', 'DELETED w2'];
    await eventually(() =>
      assert.deepEqual(
        fromZero.seen.filter((s) => s.type !== 'BOOKMARK').map((s) => `${s.type} ${s.name}`),
        ['ADDED w1', ...expected],
      ),
    );
    await eventually(() => assert.equal(fromZero.seen.filter((s) => s.type === 'BOOKMARK').length, 2));
    await eventually(() =>
      assert.deepEqual(
        fromRv.seen.map((s) => `${s.type} ${s.name}`),
        expected,
      ),
    );
    const rvs = fromZero.seen.map((s) => Number(s.rv));
    assert.deepEqual(
      rvs,
      [...rvs].sort((a, b) => a - b),
      'resourceVersions increase',
    );
    assert.equal(server.cutWatches(), 2);
    await eventually(() => assert.equal(fromZero.done.length + fromRv.done.length, 2));
  });

  void it('filters a watch by label selector', async () => {
    const { seen } = await watchJobs({ labelSelector: 'index-operator.io/migration=picked' }, 'labels');
    await batch.createNamespacedJob({ namespace: 'labels', body: job('other') });
    await batch.createNamespacedJob({
      namespace: 'labels',
      body: job('mine', { name: 'picked', uid: 'u1' }),
    });
    await eventually(() =>
      assert.deepEqual(
        seen.map((s) => `${s.type} ${s.name}`),
        ['ADDED mine'],
      ),
    );
    server.cutWatches();
  });

  void it('ends a watch after timeoutSeconds', async () => {
    const { done } = await watchJobs({ timeoutSeconds: 1 }, 'timeout');
    await eventually(() => assert.deepEqual(done, [null]), 5000);
  });

  void it('answers a watch from a compacted resourceVersion with an ERROR 410 event', async () => {
    const rv = server.store.resourceVersion;
    await batch.createNamespacedJob({ namespace: 'gone', body: job('g1') });
    server.compactHistory();
    const seen: { type: string; code?: number }[] = [];
    const done: unknown[] = [];
    await new k8s.Watch(kc).watch(
      '/apis/batch/v1/namespaces/gone/jobs',
      { resourceVersion: rv },
      (type: string, obj: { code?: number }) => seen.push({ type, ...(obj.code ? { code: obj.code } : {}) }),
      (err: unknown) => done.push(err ?? null),
    );
    await eventually(() => assert.deepEqual(seen, [{ type: 'ERROR', code: 410 }]));
    await eventually(() => assert.equal(done.length, 1));
  });
});

void describe('fake API server: informers', () => {
  async function informerOn(fake: FakeApiServer, ns: string) {
    const kubeConfig = fake.kubeConfig(ns);
    const api = kubeConfig.makeApiClient(k8s.CustomObjectsApi);
    const informer = k8s.makeInformer<k8s.KubernetesObject>(
      kubeConfig,
      `/apis/index-operator.io/v1alpha1/namespaces/${ns}/indexmigrations`,
      () =>
        api.listNamespacedCustomObject({ ...IM, namespace: ns }) as Promise<
          k8s.KubernetesListObject<k8s.KubernetesObject>
        >,
    );
    const errors: unknown[] = [];
    informer.on('error', (e) => errors.push(e));
    await informer.start();
    const names = () =>
      informer
        .list(ns)
        .map((o) => o.metadata?.name)
        .sort();
    return { informer, api, names, errors };
  }

  void it('resumes from its resourceVersion after a cut, without re-listing', async () => {
    const ns = 'resume';
    const { informer, names, errors } = await informerOn(server, ns);
    server.create('indexmigrations', { ...migration('r1'), metadata: { name: 'r1', namespace: ns } });
    await eventually(() => assert.deepEqual(names(), ['r1']));
    const lists = server.countRequests('list', 'indexmigrations');
    server.pauseWatches();
    server.cutWatches();
    await eventually(() => assert.equal(server.heldWatchCount, 1));
    server.create('indexmigrations', { ...migration('r2'), metadata: { name: 'r2', namespace: ns } });
    server.resumeWatches();
    await eventually(() => assert.deepEqual(names(), ['r1', 'r2']));
    assert.equal(server.countRequests('list', 'indexmigrations'), lists, 'no re-list');
    assert.deepEqual(errors, []);
    await informer.stop();
  });

  for (const goneAs of ['event', 'http'] as const) {
    void it(`re-lists after 410 Gone (${goneAs}) and sees what changed while it was away`, async () => {
      const fake = await FakeApiServer.start({ goneAs });
      try {
        const ns = 'gone';
        const { informer, names, errors } = await informerOn(fake, ns);
        fake.create('indexmigrations', { ...migration('kept'), metadata: { name: 'kept', namespace: ns } });
        fake.create('indexmigrations', {
          ...migration('dropped'),
          metadata: { name: 'dropped', namespace: ns },
        });
        await eventually(() => assert.deepEqual(names(), ['dropped', 'kept']));
        fake.pauseWatches();
        fake.cutWatches();
        await eventually(() => assert.equal(fake.heldWatchCount, 1));
        fake.delete('indexmigrations', ns, 'dropped');
        fake.create('indexmigrations', { ...migration('added'), metadata: { name: 'added', namespace: ns } });
        fake.compactHistory();
        fake.resumeWatches();
        await eventually(() => assert.deepEqual(names(), ['added', 'kept']));
        assert.equal(fake.countRequests('list', 'indexmigrations'), 2, 'listed again after 410');
        assert.deepEqual(errors, []);
        await informer.stop();
      } finally {
        await fake.close();
      }
    });
  }
});
