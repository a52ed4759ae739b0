/**
 * The Deployment's command line and environment are the operator's real interface: run the rendered
 * arguments through the CLI's own flag parsing (`runCli`) and the operator's config parser, so a flag
 * renamed on either side fails here instead of in a crash-looping pod.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { parseArgs } from 'node:util';
import { runCli } from '../../src/cli/run-cli.js';
import { operatorCommand } from '../../src/cli/commands/operator.js';
import { parseOperatorConfig } from '../../src/operator/operator-config.js';
import { only, RELEASE, RELEASE_NAMESPACE, render } from './render-chart.js';

interface Container {
  readonly args: string[];
  readonly env: { name: string; value?: string; valueFrom?: unknown }[];
  readonly ports: { name: string; containerPort: number }[];
}

function operatorContainer(values: Record<string, unknown>): Container {
  const deployment = only(render(values), 'Deployment');
  const spec = deployment['spec'] as { template: { spec: { containers: Container[] } } };
  const container = spec.template.spec.containers[0];
  assert.ok(container);
  return container;
}

/** The pod's environment as the kubelet would give it (downward API fields filled in). */
function podEnv(container: Container): Record<string, string> {
  const downward: Record<string, string> = {
    POD_NAME: 'idx-index-operator-abc12',
    POD_NAMESPACE: RELEASE_NAMESPACE,
  };
  return Object.fromEntries(container.env.map((e) => [e.name, e.value ?? downward[e.name] ?? '']));
}

/** The operator command's flags, parsed strictly (an unknown flag throws). */
function operatorFlags(container: Container): Record<string, unknown> {
  const options = Object.fromEntries(
    Object.entries(operatorCommand.options).map(([k, o]) => [k, { type: o.type }]),
  );
  return parseArgs({ args: container.args.slice(1), options, strict: true }).values;
}

async function cliAccepts(
  args: readonly string[],
  env: Record<string, string>,
): Promise<{ code: number; err: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let err = '';
  stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const code = await runCli([...args, '--help'], { stdout, stderr, env });
  return { code, err };
}

void test('the CLI knows every flag the chart passes to the operator command', async () => {
  for (const values of [{}, { watchNamespaces: ['mcp', 'staging'], jobs: { serviceAccountName: 'jobs' } }]) {
    const container = operatorContainer(values);
    assert.equal(container.args[0], 'operator');
    const { code, err } = await cliAccepts(container.args, podEnv(container));
    assert.equal(code, 0, `index-operator ${container.args.join(' ')}: ${err}`);
  }
});

void test("the operator's config parser reads the chart's flags and environment as meant", () => {
  const container = operatorContainer({
    watchNamespaces: ['mcp', 'staging'],
    jobImage: 'registry.example/jobs:2',
    leaderElection: { leaseDuration: '20s', renewDeadline: '12s', retryPeriod: '3s' },
  });
  const config = parseOperatorConfig(operatorFlags(container), podEnv(container), 'node-1', 'info');
  assert.deepEqual(config.namespaces, ['mcp', 'staging']);
  assert.equal(config.lease.name, `${RELEASE}-index-operator`);
  assert.equal(config.lease.namespace, RELEASE_NAMESPACE);
  assert.equal(config.lease.identity, 'idx-index-operator-abc12');
  assert.deepEqual(
    [config.lease.leaseDurationMs, config.lease.renewDeadlineMs, config.lease.retryPeriodMs],
    [20_000, 12_000, 3_000],
  );
  assert.equal(config.jobs.image, 'registry.example/jobs:2');
  assert.equal(config.jobs.runAsUser, 10001);
  assert.equal(config.jobs.imagePullPolicy, undefined, 'no pull policy flag by default');
  assert.equal(config.resyncMs, 10 * 60_000);
  const pulling = operatorContainer({ jobs: { imagePullPolicy: 'Never' }, resyncPeriod: '90s' });
  const set = parseOperatorConfig(operatorFlags(pulling), podEnv(pulling), 'node-1', 'info');
  assert.equal(set.jobs.imagePullPolicy, 'Never');
  assert.equal(set.resyncMs, 90_000);
  const ports = Object.fromEntries(container.ports.map((p) => [p.name, p.containerPort]));
  assert.equal(config.healthPort, ports['health']);
  assert.equal(config.metricsPort, ports['metrics']);
  const cluster = operatorContainer({});
  assert.equal(
    parseOperatorConfig(operatorFlags(cluster), podEnv(cluster), 'node-1', 'info').namespaces,
    'all',
  );
});

void test('lease timings the operator would refuse are refused at startup with a message', () => {
  const container = operatorContainer({ leaderElection: { retryPeriod: '20s' } });
  assert.throws(
    () => parseOperatorConfig(operatorFlags(container), podEnv(container), 'node-1', 'info'),
    /retry-period < --renew-deadline/,
  );
});

void test('a Job pull policy Kubernetes does not know is refused at startup with a message', () => {
  assert.throws(
    () =>
      parseOperatorConfig({ 'job-image': 'x:1', 'job-image-pull-policy': 'Sometimes' }, {}, 'node-1', 'info'),
    /--job-image-pull-policy 'Sometimes' is not one of Always, IfNotPresent, Never/,
  );
});
