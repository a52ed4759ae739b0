/**
 * src/kube/kube-rest.ts on the wire: every request carries a Content-Length that matches its body (an API
 * server does not read a body sent without one: a DELETE's propagationPolicy would be lost), and
 * deleting a Job through the operator's client stops its pod on the fake API server, which, like a real
 * one, orphans the pods of a Job deleted without a policy.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeRest } from '../../src/kube/kube-rest.js';
import { ClientNodeKubeClient, kubeConfigForServer } from '../../src/kube/client-node-kube-client.js';
import { FakeApiServer } from './fake-api-server.js';
import { JobRunner } from './job-runner.js';
import { eventually } from './eventually.js';

interface Seen {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

void describe('KubeRest requests', () => {
  let server: Server;
  const seen: Seen[] = [];
  before(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        seen.push({
          method: req.method ?? '',
          url: req.url ?? '',
          headers: req.headers,
          body: Buffer.concat(chunks).toString(),
        });
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  void it('sends a Content-Length equal to the body with every method, and the body arrives whole', async () => {
    const port = (server.address() as AddressInfo).port;
    const rest = new KubeRest(kubeConfigForServer(`http://127.0.0.1:${port}`));
    const body = {
      apiVersion: 'v1',
      kind: 'DeleteOptions',
      propagationPolicy: 'Background',
      note: 'ünïcödé',
    };
    for (const method of ['DELETE', 'PUT', 'POST', 'PATCH'])
      await rest.request(method, '/apis/batch/v1/namespaces/a/jobs/j', body);
    await rest.request('GET', '/api/v1/namespaces/a/secrets/s');
    await rest.request('DELETE', '/apis/batch/v1/namespaces/a/jobs/k');
    const expected = JSON.stringify(body);
    for (const s of seen.slice(0, 4)) {
      assert.equal(s.headers['content-length'], String(Buffer.byteLength(expected)), s.method);
      assert.equal(s.body, expected, `${s.method}: the server read the body`);
    }
    for (const s of seen.slice(4))
      assert.equal(s.headers['content-length'], '0', `${s.method} without a body`);
  });
});

void describe('deleting a Job through the operator client', () => {
  let fake: FakeApiServer;
  let runner: JobRunner;
  before(async () => {
    fake = await FakeApiServer.start();
    const untilAborted = (_args: readonly string[], io: { signal?: AbortSignal }): Promise<number> =>
      new Promise((resolve) => io.signal?.addEventListener('abort', () => resolve(143)));
    runner = new JobRunner(fake, { run: untilAborted }).start();
  });
  after(async () => {
    await runner.stop();
    await fake.close();
  });

  void it('stops the pod: the propagation policy reaches the API server', async () => {
    fake.create('jobs', {
      metadata: { name: 'build', namespace: 'apps' },
      spec: { template: { spec: { containers: [{ name: 'c', image: 'i', args: ['up'] }] } } },
    });
    await eventually(() => assert.equal(runner.runsOf('build').length, 1));
    const run = runner.runsOf('build')[0];
    const client = new ClientNodeKubeClient(fake.kubeConfig('apps'));
    await client.deleteJob('apps', 'build');
    await run?.finished;
    assert.equal(run?.endedBy, 'deleted', 'the pod was deleted, not orphaned');
    await eventually(() => assert.deepEqual(runner.livePods('apps'), []));
    await eventually(() => assert.equal(fake.get('jobs', 'apps', 'build'), undefined));
  });
});
