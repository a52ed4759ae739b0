/**
 * docs/minikube.md is executed as far as it can be without a cluster: every `helm install|upgrade` of
 * our chart in it is run as `helm template` with the same flags and must render an IndexMigration the
 * CRD admits; the object names the doc tells the user to use (metrics Service) are the rendered ones;
 * every file it points at exists.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createCrdValidator } from '../kube/crd-validator.js';
import { kubeTools, runTool } from '../helpers/kube-tools.js';
import { CHART_DIR, only, parseManifests, type KubeObject } from './render-chart.js';

const DOC = 'docs/minikube.md';
const doc = readFileSync(DOC, 'utf8');

/** Shell commands of the doc's ```sh blocks, continuation lines joined, comments dropped. */
function shellCommands(markdown: string): string[] {
  const blocks = [...markdown.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1] ?? '');
  return blocks.flatMap((block) =>
    block
      .replace(/\\\n\s*/g, ' ')
      .split('\n')
      .map((line) => line.replace(/\s+#.*$/, '').trim())
      .filter((line) => line !== '' && !line.startsWith('#')),
  );
}

const readme = readFileSync('README.md', 'utf8');
/** README's own section, up to the next second-level heading. */
const readmeSection = /## Quick start on minikube\n([\s\S]*?)(?=\n## |$)/.exec(readme)?.[1] ?? '';
const isOurHelm = (c: string): boolean => /^helm (install|upgrade) \S+ charts\/index-operator\b/.test(c);
const ourHelmCommands = shellCommands(doc).filter(isOurHelm);

/** The doc's helm install/upgrade as helm template (an upgrade's --reuse-values: the install's values). */
function renderLikeDoc(command: string, installValues: readonly string[]): KubeObject[] {
  const words = command.split(/\s+/).slice(2);
  const reuse = words.includes('--reuse-values');
  const args = ['template', ...words.filter((w) => w !== '--reuse-values'), ...(reuse ? installValues : [])];
  const result = runTool(kubeTools().helm, args);
  assert.equal(result.status, 0, `${command}\n${result.stderr}`);
  return parseManifests(result.stdout);
}

void test('the doc installs our chart and every helm command of it renders an admitted IndexMigration', () => {
  const install = ourHelmCommands.find((c) => c.startsWith('helm install '));
  assert.ok(install, 'docs/minikube.md shows helm install of charts/index-operator');
  const valuesFlag = /(-f|--values) (\S+)/.exec(install);
  assert.ok(valuesFlag?.[2], 'the install uses a values file');
  const installValues = ['-f', valuesFlag[2]];
  assert.ok(ourHelmCommands.length >= 3, ourHelmCommands.join('\n'));
  const validator = createCrdValidator();
  for (const command of ourHelmCommands) {
    const migration = only(renderLikeDoc(command, installValues), 'IndexMigration');
    const admitted = validator.admit(migration);
    assert.ok(admitted.ok, `${command}: ${JSON.stringify(admitted.ok ? null : admitted.causes)}`);
  }
});

void test('README has a Quick start on minikube section linking the doc, with a working helm install', () => {
  assert.match(readmeSection, /\]\(docs\/minikube\.md\)/);
  const commands = shellCommands(readmeSection).filter(isOurHelm);
  assert.equal(commands.length, 1, 'one helm install in the README section');
  const objects = renderLikeDoc(commands[0] ?? '', []);
  assert.ok(createCrdValidator().admit(only(objects, 'IndexMigration')).ok);
  assert.match(readmeSection, /kubectl -n mcp get idxm -w/);
});

void test('names the doc uses are the rendered ones', () => {
  const install = ourHelmCommands.find((c) => c.startsWith('helm install ')) ?? '';
  const objects = renderLikeDoc(install, []);
  const service = only(objects, 'Service');
  assert.match(doc, new RegExp(`service/${service.metadata.name} `));
  const migration = only(objects, 'IndexMigration');
  assert.match(doc, new RegExp(`describe idxm ${migration.metadata.name}\\b`));
  assert.equal(migration.metadata.namespace, 'mcp');
  assert.deepEqual((migration['spec'] as { phases: string[] }).phases, ['core', 'rbac', 'teams']);
  const deployment = only(objects, 'Deployment');
  const pod = (deployment['spec'] as { template: { spec: { containers: { image: string }[] } } }).template
    .spec;
  assert.match(doc, new RegExp(`image build -t ${pod.containers[0]?.image ?? '?'} \\.`));
});

void test('every repository file the doc points at exists', () => {
  const paths = new Set<string>();
  for (const m of doc.matchAll(/\b((?:examples|charts|dashboards|alerts|crds)\/[\w./-]+\.(?:ya?ml|json))/g)) {
    if (m[1]) paths.add(m[1]);
  }
  for (const m of doc.matchAll(/\]\((\.\.\/[^)#]+)\)/g)) {
    if (m[1]) paths.add(join(dirname(DOC), m[1]));
  }
  assert.ok(paths.size > 0);
  for (const path of paths) assert.ok(existsSync(path), `${DOC} points at ${path}, which does not exist`);
  assert.ok(existsSync(join(CHART_DIR, 'Chart.yaml')));
});
