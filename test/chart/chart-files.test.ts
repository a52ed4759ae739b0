/**
 * The chart's files, without helm: versions, the copies it must carry (Helm cannot read outside the
 * chart) kept identical to their sources, values documented line by line, and the values schema kept in
 * step with the resource's contract (src/operator/types.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { MARIADB_SSL_MODES } from '../../src/dialects/mariadb-tls.js';
import {
  DELETION_POLICIES,
  DIALECTS,
  DURATION_PATTERN,
  ON_FAILURE_POLICIES,
  PHASE_NAMES,
  SPEC_DEFAULTS,
  SSL_MODES,
} from '../../src/operator/types.js';
import { CHART_DIR } from './render-chart.js';

const read = (path: string): string => readFileSync(path, 'utf8');
const chartFile = (path: string): string => read(join(CHART_DIR, path));

interface JsonSchema {
  readonly properties?: Record<string, JsonSchema>;
  readonly enum?: readonly unknown[];
  readonly pattern?: string;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly additionalProperties?: unknown;
}

const schema = JSON.parse(chartFile('values.schema.json')) as JsonSchema;
const values = parseYaml(chartFile('values.yaml')) as Record<string, unknown>;

function schemaAt(path: string): JsonSchema {
  return path.split('.').reduce<JsonSchema>((node, key) => {
    const child = node.properties?.[key];
    assert.ok(child, `values.schema.json has no ${path}`);
    return child;
  }, schema);
}

void test('Chart.yaml: apiVersion v2, appVersion equal to package.json version', () => {
  const chart = parseYaml(chartFile('Chart.yaml')) as Record<string, unknown>;
  const pkg = JSON.parse(read('package.json')) as { version: string };
  assert.equal(chart['apiVersion'], 'v2');
  assert.equal(chart['name'], 'index-operator');
  assert.equal(chart['appVersion'], pkg.version);
  assert.match(String(chart['version']), /^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/);
});

void test('CHANGELOG names the chart version (each chart change bumps it, with a line saying why)', () => {
  const version = String((parseYaml(chartFile('Chart.yaml')) as Record<string, unknown>)['version']);
  assert.match(read('CHANGELOG.md'), new RegExp(`Helm chart ${version.replaceAll('.', '\\.')}\\b`));
});

void test('copies inside the chart are byte-identical to their sources', () => {
  const copies = [
    ['crds/index-operator.io_indexmigrations.yaml', 'crds/index-operator.io_indexmigrations.yaml'],
    ['files/index-operator.rules.yaml', 'alerts/index-operator.rules.yaml'],
    ['files/index-operator.json', 'dashboards/index-operator.json'],
  ] as const;
  for (const [copy, source] of copies) {
    assert.equal(
      chartFile(copy),
      read(source),
      `${CHART_DIR}/${copy} differs from ${source}: copy it again (cp ${source} ${CHART_DIR}/${copy})`,
    );
  }
});

void test('values.yaml documents every setting with a comment', () => {
  // Blocks whose insides are Kubernetes API types, documented by the comment on the block itself.
  const kubernetesTypes = new Set(['podSecurityContext', 'securityContext', 'resources']);
  const stack: { indent: number; key: string }[] = [];
  let previous = '';
  const undocumented: string[] = [];
  chartFile('values.yaml')
    .split('\n')
    .forEach((line, i) => {
      const m = /^(\s*)([A-Za-z_][\w.-]*):(.*)$/.exec(line);
      if (m) {
        const indent = m[1]?.length ?? 0;
        while (stack.length > 0 && (stack.at(-1)?.indent ?? 0) >= indent) stack.pop();
        const insideKubernetesType = stack.some((s) => kubernetesTypes.has(s.key));
        const commented = previous.trim().startsWith('#') || / # \S/.test(m[3] ?? '');
        if (!insideKubernetesType && !commented) undocumented.push(`line ${i + 1}: ${line.trim()}`);
        stack.push({ indent, key: m[2] ?? '' });
      }
      if (line.trim() !== '') previous = line;
    });
  assert.deepEqual(undocumented, []);
});

void test('values.schema.json follows the resource contract (phases, enums, ranges, durations)', () => {
  assert.deepEqual(Object.keys(schemaAt('migration.phases').properties ?? {}), [...PHASE_NAMES]);
  assert.equal(schemaAt('migration.phases').additionalProperties, false, 'unknown phase names rejected');
  assert.equal(schemaAt('migration').additionalProperties, false, 'unknown migration keys rejected');
  assert.deepEqual(schemaAt('migration.onFailure').enum, [...ON_FAILURE_POLICIES]);
  assert.deepEqual(schemaAt('migration.deletionPolicy').enum, [...DELETION_POLICIES]);
  assert.deepEqual(schemaAt('migration.database.postgresql.sslMode').enum, ['', ...SSL_MODES]);
  assert.deepEqual(schemaAt('migration.database.mariadb.sslMode').enum, ['', ...MARIADB_SSL_MODES]);
  assert.deepEqual([...(schemaAt('migration.database.dialect').enum ?? [])].sort(), [...DIALECTS].sort());
  assert.equal(schemaAt('migration.lockTimeout').pattern, DURATION_PATTERN);
  assert.equal(schemaAt('migration.retries.backoff').pattern, DURATION_PATTERN);
  assert.equal(schemaAt('migration.statementTimeout').pattern, `^$|${DURATION_PATTERN}`);
  assert.equal(schemaAt('migration.pauseBetweenBuilds').pattern, `^$|${DURATION_PATTERN}`);
  assert.equal(schemaAt('migration.maxParallelMaintenanceWorkers').minimum, 0);
  assert.equal(schemaAt('migration.maxParallelMaintenanceWorkers').maximum, 64);
  assert.equal(schemaAt('migration.concurrency').minimum, 1);
  assert.equal(schemaAt('migration.concurrency').maximum, 16);
});

void test('values.yaml defaults equal the resource defaults and point at a ContextForge install', () => {
  const m = values['migration'] as Record<string, unknown>;
  const retries = m['retries'] as Record<string, unknown>;
  const phases = m['phases'] as Record<string, boolean>;
  assert.deepEqual(
    PHASE_NAMES.filter((p) => phases[p]),
    SPEC_DEFAULTS.phases,
  );
  assert.equal(m['catalogue'], SPEC_DEFAULTS.catalogue);
  assert.equal(m['concurrency'], SPEC_DEFAULTS.concurrency);
  assert.equal(m['lockTimeout'], SPEC_DEFAULTS.lockTimeout);
  assert.equal(retries['limit'], SPEC_DEFAULTS['retries.limit']);
  assert.equal(retries['backoff'], SPEC_DEFAULTS['retries.backoff']);
  assert.equal(m['onFailure'], SPEC_DEFAULTS.onFailure);
  assert.equal(m['suspend'], SPEC_DEFAULTS.suspend);
  assert.equal(m['verify'], SPEC_DEFAULTS.verify);
  assert.equal(m['deletionPolicy'], SPEC_DEFAULTS.deletionPolicy);
  // ContextForge's chart (charts/mcp-stack) as release `mcp-stack`: service <fullname>-postgres, Secret
  // <fullname>-postgres-secret with POSTGRES_USER / POSTGRES_PASSWORD / POSTGRES_DB (no URL key).
  const pg = (m['database'] as Record<string, Record<string, unknown>>)['postgresql'];
  assert.deepEqual(pg, {
    host: 'mcp-stack-postgres',
    hostKey: '',
    port: SPEC_DEFAULTS['database.postgresql.port'],
    sslMode: '',
    secretName: 'mcp-stack-postgres-secret',
    urlKey: '',
    userKey: 'POSTGRES_USER',
    passwordKey: 'POSTGRES_PASSWORD',
    databaseKey: 'POSTGRES_DB',
  });
  // MariaDB: no service or Secret to guess, so both are set by the user; the keys are the MariaDB image's.
  const mariadb = (m['database'] as Record<string, Record<string, unknown>>)['mariadb'];
  assert.deepEqual(mariadb, {
    host: '',
    hostKey: '',
    port: SPEC_DEFAULTS['database.mariadb.port'],
    sslMode: '',
    secretName: '',
    urlKey: '',
    userKey: 'MARIADB_USER',
    passwordKey: 'MARIADB_PASSWORD',
    databaseKey: 'MARIADB_DATABASE',
  });
});

void test('the template helper lists the phases in catalogue order', () => {
  const helpers = chartFile('templates/_helpers.tpl');
  const m = /define "index-operator\.phaseOrder" -}}\n([\s\S]*?)\n{{- end -}}/.exec(helpers);
  assert.ok(m?.[1], 'index-operator.phaseOrder in _helpers.tpl');
  assert.deepEqual(m[1].split('\n'), [...PHASE_NAMES]);
});
