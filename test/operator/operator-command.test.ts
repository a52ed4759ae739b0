/**
 * `index-operator operator` as a real child process against the fake API server: probes, metrics,
 * leadership, and a graceful SIGTERM (lease released, exit 0).
 */
import { after, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeApiServer } from '../kube/fake-api-server.js';
import { eventually } from '../kube/eventually.js';
import type { KubeLease } from '../../src/kube/kube-client.js';
import { freePort } from '../helpers/free-port.js';

async function get(url: string): Promise<{ status: number; body: string }> {
  const res = await fetch(url);
  return { status: res.status, body: await res.text() };
}

void it('operator command: probes, metrics, leadership, and a graceful SIGTERM', async () => {
  const server = await FakeApiServer.start();
  const dir = mkdtempSync(join(tmpdir(), 'iopcmd-'));
  after(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const kubeconfig = join(dir, 'kubeconfig.yaml');
  writeFileSync(
    kubeconfig,
    [
      'apiVersion: v1',
      'kind: Config',
      `clusters: [{name: fake, cluster: {server: "${server.url}", insecure-skip-tls-verify: true}}]`,
      'users: [{name: fake, user: {token: fake-token}}]',
      'contexts: [{name: fake, context: {cluster: fake, user: fake, namespace: apps}}]',
      'current-context: fake',
    ].join('\n'),
  );
  const [health, metrics] = [await freePort(), await freePort()];
  const args = [
    '--import',
    'tsx',
    'src/cli/main.ts',
    'operator',
    '--kubeconfig',
    kubeconfig,
    '--job-image',
    'index-operator:test',
  ];
  args.push(
    '--watch-namespace',
    'apps',
    '--lease-namespace',
    'apps',
    '--identity',
    'cmd-op',
    '--bind-address',
    '127.0.0.1',
  );
  args.push('--health-port', String(health), '--metrics-port', String(metrics), '--log-level', 'info');
  const child = spawn(process.execPath, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    // No npm_package_version: the image runs node directly, so the version must come from package.json.
    env: { ...process.env, WATCH_NAMESPACE: '', npm_package_version: '' },
  });
  const stderr: string[] = [];
  child.stderr.on('data', (c: Buffer) => stderr.push(c.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  // Starting means compiling the operator with tsx: on a loaded machine that alone can take tens of
  // seconds, so the wait is long, and ends at once when the process exits instead.
  const exitedEarly = exited.then((code) => {
    throw new Error(`operator exited (${code}) before serving /healthz:\n${stderr.join('')}`);
  });
  exitedEarly.catch(() => undefined);
  try {
    await Promise.race([
      eventually(
        async () => assert.equal((await get(`http://127.0.0.1:${health}/healthz`)).status, 200),
        180_000,
        200,
      ),
      exitedEarly,
    ]);
    await eventually(
      async () =>
        assert.deepEqual(await get(`http://127.0.0.1:${health}/readyz`), {
          status: 200,
          body: 'leader, informers synced\n',
        }),
      15_000,
      100,
    );
    const lease = (): KubeLease | undefined =>
      server.get('leases', 'apps', 'index-operator-leader') as KubeLease | undefined;
    assert.equal(lease()?.spec?.holderIdentity, 'cmd-op');
    const scrape = await get(`http://127.0.0.1:${metrics}/metrics`);
    assert.match(scrape.body, /^index_operator_leader 1$/m);
    const { version } = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
    assert.match(scrape.body, new RegExp(`^index_operator_build_info\\{version="${version}",`, 'm'));
    child.kill('SIGTERM');
    assert.equal(await exited, 0, stderr.join(''));
    assert.equal(lease()?.spec?.holderIdentity, '', 'lease released on SIGTERM');
    assert.match(stderr.join(''), /released leadership/);
  } finally {
    child.kill('SIGKILL');
  }
});
