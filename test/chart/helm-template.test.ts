/**
 * The chart rendered and linted by the real `helm`: the IndexMigration it renders from values (phases in
 * catalogue order whatever the map's order), the operator Deployment, the optional monitoring objects,
 * bad values rejected with a readable message, and every rendered object valid against its schema.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { PHASE_NAMES } from '../../src/operator/types.js';
import { createCrdValidator, crdSchema, loadCrd } from '../kube/crd-validator.js';
import { validateKubeObject } from './kube-schemas.js';
import {
  byKind,
  CHART_DIR,
  helmInstallDryRun,
  helmLint,
  helmTemplate,
  only,
  RELEASE,
  RELEASE_NAMESPACE,
  render,
  type KubeObject,
} from './render-chart.js';

type Spec = Record<string, unknown>;
const specOf = (o: KubeObject): Spec => o['spec'] as Spec;

/** Every optional part switched on, SQLite target, some phases off, listed out of catalogue order. */
const EVERYTHING_ON = {
  replicaCount: 2,
  jobImage: 'registry.example/index-operator-jobs:1.2.3',
  resyncPeriod: '5m',
  jobs: {
    serviceAccountName: 'index-jobs',
    imagePullPolicy: 'Always',
    runAsUser: 20002,
    resources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu: '2', memory: '1Gi' } },
  },
  leaderElection: { leaseDuration: '30s' },
  podAnnotations: { 'example.com/team': 'db' },
  watchNamespaces: ['mcp', 'staging'],
  serviceMonitor: { enabled: true, labels: { release: 'kube-prometheus-stack' } },
  prometheusRule: { enabled: true },
  grafanaDashboard: { enabled: true },
  migration: {
    name: 'cf-sqlite',
    database: { dialect: 'sqlite', sqlite: { claimName: 'mcp-data', path: '/data/mcp.db' } },
    phases: { misc: true, core: false, teams: true, rbac: false, tokens: true, metrics: false },
    concurrency: 4,
    lockTimeout: '2s',
    statementTimeout: '30m',
    pauseBetweenBuilds: '30s',
    maxParallelMaintenanceWorkers: 0,
    onFailure: 'Halt',
    suspend: true,
    activeDeadlineSeconds: 7200,
    ttlSecondsAfterFinished: 600,
  },
};

const defaults = render();
const everything = render(EVERYTHING_ON, ['--include-crds']);

void test('helm lint --strict passes with default values and with every option on', () => {
  for (const values of [{}, EVERYTHING_ON]) {
    const lint = helmLint(values);
    assert.equal(lint.status, 0, lint.stdout + lint.stderr);
    assert.match(lint.stdout, /1 chart\(s\) linted, 0 chart\(s\) failed/);
    assert.doesNotMatch(lint.stdout, /\[(WARNING|ERROR)\]/);
  }
});

void test('default values render the IndexMigration for a ContextForge PostgreSQL install', () => {
  const migration = only(defaults, 'IndexMigration');
  assert.equal(migration.apiVersion, 'index-operator.io/v1alpha1');
  assert.equal(migration.metadata.name, 'contextforge-indexes');
  assert.equal(migration.metadata.namespace, RELEASE_NAMESPACE);
  assert.deepEqual(specOf(migration), {
    database: {
      dialect: 'postgresql',
      postgresql: {
        host: 'mcp-stack-postgres',
        port: 5432,
        secretRef: {
          name: 'mcp-stack-postgres-secret',
          userKey: 'POSTGRES_USER',
          passwordKey: 'POSTGRES_PASSWORD',
          databaseKey: 'POSTGRES_DB',
        },
      },
    },
    catalogue: 'contextforge',
    phases: [...PHASE_NAMES],
    concurrency: 2,
    lockTimeout: '5s',
    retries: { limit: 5, backoff: '10s' },
    onFailure: 'RollbackPhase',
    suspend: false,
    verify: true,
    deletionPolicy: 'Retain',
  });
});

void test('phases toggled in values render as a list in catalogue order, not map order', () => {
  const spec = specOf(only(everything, 'IndexMigration'));
  assert.deepEqual(spec['phases'], ['teams', 'tokens', 'sessions', 'associations', 'misc']);
  assert.deepEqual(spec['database'], {
    dialect: 'sqlite',
    sqlite: { claimName: 'mcp-data', path: '/data/mcp.db' },
  });
  assert.equal(spec['concurrency'], 4);
  assert.equal(spec['lockTimeout'], '2s');
  assert.equal(spec['statementTimeout'], '30m');
  assert.equal(spec['pauseBetweenBuilds'], '30s');
  assert.equal(spec['maxParallelMaintenanceWorkers'], 0, 'an explicit 0 is rendered, not dropped');
  assert.equal(spec['onFailure'], 'Halt');
  assert.equal(spec['suspend'], true);
  assert.equal(spec['activeDeadlineSeconds'], 7200);
  assert.equal(spec['ttlSecondsAfterFinished'], 600);
  const one = render({
    migration: { phases: Object.fromEntries(PHASE_NAMES.map((p) => [p, p === 'sessions'])) },
  });
  assert.deepEqual(specOf(only(one, 'IndexMigration'))['phases'], ['sessions']);
});

void test('a Secret with a single URL key renders urlKey only; migration.enabled=false renders none', () => {
  const url = render({
    migration: { database: { postgresql: { host: '', urlKey: 'DATABASE_URL', secretName: 'app-db' } } },
  });
  const db = specOf(only(url, 'IndexMigration'))['database'] as Spec;
  assert.deepEqual(db['postgresql'], { port: 5432, secretRef: { name: 'app-db', urlKey: 'DATABASE_URL' } });
  assert.deepEqual(byKind(render({ migration: { enabled: false } }), 'IndexMigration'), []);
});

/** A MariaDB install: its service, a Secret with the MariaDB image's variable names. */
const MARIADB_VALUES = {
  migration: {
    database: { dialect: 'mariadb', mariadb: { host: 'mariadb', secretName: 'mariadb-credentials' } },
  },
};
const mariadb = render(MARIADB_VALUES);

void test('dialect mariadb renders the mariadb block with port 3306 and the MARIADB_* keys, or a urlKey', () => {
  assert.deepEqual(specOf(only(mariadb, 'IndexMigration'))['database'], {
    dialect: 'mariadb',
    mariadb: {
      host: 'mariadb',
      port: 3306,
      secretRef: {
        name: 'mariadb-credentials',
        userKey: 'MARIADB_USER',
        passwordKey: 'MARIADB_PASSWORD',
        databaseKey: 'MARIADB_DATABASE',
      },
    },
  });
  const url = render({
    migration: {
      database: {
        dialect: 'mariadb',
        mariadb: { hostKey: 'HOST', urlKey: 'URL', secretName: 'db', sslMode: 'verify-full' },
      },
    },
  });
  assert.deepEqual(specOf(only(url, 'IndexMigration'))['database'], {
    dialect: 'mariadb',
    mariadb: {
      hostKey: 'HOST',
      port: 3306,
      sslMode: 'verify-full',
      secretRef: { name: 'db', urlKey: 'URL' },
    },
  });
  const lint = helmLint(MARIADB_VALUES);
  assert.equal(lint.status, 0, lint.stdout + lint.stderr);
  assert.doesNotMatch(lint.stdout, /\[(WARNING|ERROR)\]/);
});

void test('dialect mariadb without a Secret or host fails the render saying what to set', () => {
  const noSecret = helmTemplate({ migration: { database: { dialect: 'mariadb', mariadb: { host: 'db' } } } });
  assert.notEqual(noSecret.status, 0);
  assert.match(
    noSecret.stderr,
    /migration\.database\.mariadb\.secretName: name the Secret with the credentials/,
  );
  const noHost = helmTemplate({
    migration: { database: { dialect: 'mariadb', mariadb: { secretName: 'db' } } },
  });
  assert.notEqual(noHost.status, 0);
  assert.match(noHost.stderr, /migration\.database\.mariadb: set host .*hostKey .*urlKey/);
  const noKeys = helmTemplate({
    migration: {
      database: { dialect: 'mariadb', mariadb: { host: 'db', secretName: 'db', databaseKey: '' } },
    },
  });
  assert.notEqual(noKeys.status, 0);
  assert.match(noKeys.stderr, /mariadb: set urlKey, or all of userKey, passwordKey and databaseKey/);
  const badPort = helmTemplate({ migration: { database: { mariadb: { port: 0 } } } });
  assert.match(badPort.stderr, /\/migration\/database\/mariadb\/port.*minimum/);
  const badTls = helmTemplate({ migration: { database: { mariadb: { sslMode: 'require' } } } });
  assert.match(badTls.stderr, /\/migration\/database\/mariadb\/sslMode/);
});

void test('rendered IndexMigrations are admitted by the CRD schema and its CEL rules (chart copy)', () => {
  const validator = createCrdValidator(
    crdSchema(loadCrd(`${CHART_DIR}/crds/index-operator.io_indexmigrations.yaml`)),
  );
  for (const objects of [defaults, everything, mariadb]) {
    const result = validator.admit(only(objects, 'IndexMigration'));
    assert.ok(result.ok, JSON.stringify(result.ok ? null : result.causes));
  }
});

void test('the operator Deployment: replicas, leader election, probes, non-root read-only pods, images', () => {
  const deployment = only(everything, 'Deployment');
  const spec = specOf(deployment);
  assert.equal(spec['replicas'], 2);
  const pod = (spec['template'] as Spec)['spec'] as Spec;
  const podMeta = (spec['template'] as Spec)['metadata'] as { annotations: Record<string, string> };
  assert.equal(podMeta.annotations['example.com/team'], 'db');
  const podSecurity = pod['securityContext'] as Spec;
  assert.equal(podSecurity['runAsNonRoot'], true);
  assert.equal(podSecurity['runAsUser'], 10001);
  const [container] = pod['containers'] as Spec[];
  assert.ok(container);
  assert.equal(container['image'], `index-operator:${chartAppVersion()}`);
  const args = container['args'] as string[];
  assert.equal(args[0], 'operator');
  assert.ok(args.includes('--job-image=registry.example/index-operator-jobs:1.2.3'), args.join(' '));
  for (const flag of [
    `--lease-name=${RELEASE}-index-operator`,
    `--lease-namespace=${RELEASE_NAMESPACE}`,
    '--lease-duration=30s',
    '--renew-deadline=10s',
    '--retry-period=2s',
    '--health-port=8081',
    '--metrics-port=8080',
    '--job-service-account=index-jobs',
    '--job-run-as-user=20002',
    '--job-ttl-seconds=86400',
    '--job-cpu-request=100m',
    '--job-memory-request=256Mi',
    '--job-cpu-limit=2',
    '--job-memory-limit=1Gi',
    '--job-image-pull-policy=Always',
    '--resync-period=5m',
  ]) {
    assert.ok(args.includes(flag), `${flag} in ${args.join(' ')}`);
  }
  const env = container['env'] as { name: string; value?: string }[];
  assert.equal(env.find((e) => e.name === 'WATCH_NAMESPACE')?.value, 'mcp,staging');
  const security = container['securityContext'] as Spec;
  assert.equal(security['readOnlyRootFilesystem'], true);
  assert.equal(security['allowPrivilegeEscalation'], false);
  assert.deepEqual((security['capabilities'] as Spec)['drop'], ['ALL']);
  const probe = (name: string): Spec => (container[name] as Spec)['httpGet'] as Spec;
  assert.deepEqual(probe('livenessProbe'), { path: '/healthz', port: 'health' });
  assert.deepEqual(probe('readinessProbe'), { path: '/readyz', port: 'health' });
  assert.ok((container['resources'] as Spec)['requests'], 'resource requests set');
  assert.deepEqual(container['volumeMounts'], [{ name: 'tmp', mountPath: '/tmp' }]);
  const defaultArgs = ((specOf(only(defaults, 'Deployment'))['template'] as Spec)['spec'] as Spec)[
    'containers'
  ] as Spec[];
  const jobImage = (defaultArgs[0]?.['args'] as string[]).find((a) => a.startsWith('--job-image='));
  assert.equal(jobImage, `--job-image=index-operator:${chartAppVersion()}`, 'Jobs run the operator image');
  const pullPolicy = (defaultArgs[0]?.['args'] as string[]).find((a) =>
    a.startsWith('--job-image-pull-policy'),
  );
  assert.equal(pullPolicy, undefined, "Jobs get Kubernetes' default pull policy unless set");
});

void test('metrics Service, ServiceMonitor, PrometheusRule and Grafana dashboard ConfigMap', () => {
  const service = only(everything, 'Service');
  assert.equal(service.metadata.name, `${RELEASE}-index-operator-metrics`);
  const monitor = specOf(only(everything, 'ServiceMonitor'));
  assert.deepEqual((monitor['endpoints'] as Spec[])[0]?.['port'], 'metrics');
  assert.equal(only(everything, 'ServiceMonitor').metadata.labels?.['release'], 'kube-prometheus-stack');
  const rules = parseYaml(readFileSync(`${CHART_DIR}/files/index-operator.rules.yaml`, 'utf8')) as Spec;
  assert.deepEqual(specOf(only(everything, 'PrometheusRule'))['groups'], rules['groups']);
  const dashboard = only(everything, 'ConfigMap');
  assert.equal(dashboard.metadata.labels?.['grafana_dashboard'], '1');
  const data = dashboard['data'] as Record<string, string>;
  assert.deepEqual(
    JSON.parse(data['index-operator.json'] ?? ''),
    JSON.parse(readFileSync('dashboards/index-operator.json', 'utf8')),
  );
  for (const kind of ['ServiceMonitor', 'PrometheusRule', 'ConfigMap']) {
    assert.deepEqual(byKind(defaults, kind), [], `${kind} is off by default`);
  }
});

void test('NOTES.txt tells the user what to run next', () => {
  const notesOf = (values: Record<string, unknown>): string => {
    const result = helmInstallDryRun(values);
    assert.equal(result.status, 0, result.stderr);
    return result.stdout.slice(result.stdout.indexOf('NOTES:'));
  };
  const notes = notesOf({});
  assert.match(notes, new RegExp(`kubectl -n ${RELEASE_NAMESPACE} get idxm -w`));
  assert.match(notes, /phases core, rbac, teams, metrics, tokens, sessions, associations, misc/);
  assert.match(notes, new RegExp(`port-forward service/${RELEASE}-index-operator-metrics 8080:8080`));
  assert.match(notes, /every namespace/);
  const some = notesOf(EVERYTHING_ON);
  assert.match(some, /phases teams, tokens, sessions, associations, misc/);
  assert.match(some, /watches IndexMigrations in: mcp, staging/);
  assert.match(some, /ConfigMap idx-index-operator-dashboard/);
});

void test('bad values are rejected by the schema with a message naming the value', () => {
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ migration: { phases: { indexes: true } } }, /\/migration\/phases.*'indexes' not allowed/],
    [{ migration: { concurrency: 17 } }, /\/migration\/concurrency.*maximum.*16/],
    [{ migration: { concurrency: 0 } }, /\/migration\/concurrency.*minimum.*1/],
    [{ migration: { lockTimeout: '5 seconds' } }, /\/migration\/lockTimeout.*'5 seconds' does not match/],
    [{ migration: { retries: { backoff: '1d' } } }, /\/migration\/retries\/backoff/],
    [{ migration: { onFailure: 'Rollback' } }, /\/migration\/onFailure.*(RollbackPhase|enum)/],
    [{ migration: { databse: {} } }, /\/migration.*'databse' not allowed/],
    [{ migration: { database: { dialect: 'mysql' } } }, /\/migration\/database\/dialect/],
    [{ replicaCount: 0 }, /\/replicaCount.*minimum/],
    [{ leaderElection: { leaseDuration: 'forever' } }, /\/leaderElection\/leaseDuration/],
    [{ migration: { activeDeadlineSeconds: 0 } }, /\/migration\/activeDeadlineSeconds.*minimum/],
    [{ migration: { ttlSecondsAfterFinished: -1 } }, /\/migration\/ttlSecondsAfterFinished.*minimum/],
    [{ migration: { activeDeadlineSeconds: '1h' } }, /\/migration\/activeDeadlineSeconds/],
    [{ migration: { pauseBetweenBuilds: '30' } }, /\/migration\/pauseBetweenBuilds.*'30' does not match/],
    [
      { migration: { maxParallelMaintenanceWorkers: 65 } },
      /\/migration\/maxParallelMaintenanceWorkers.*maximum.*64/,
    ],
    [
      { migration: { maxParallelMaintenanceWorkers: -1 } },
      /\/migration\/maxParallelMaintenanceWorkers.*minimum/,
    ],
    [{ jobs: { imagePullPolicy: 'Sometimes' } }, /\/jobs\/imagePullPolicy/],
    [{ resyncPeriod: 'hourly' }, /\/resyncPeriod/],
  ];
  for (const [values, message] of cases) {
    const result = helmTemplate(values);
    assert.notEqual(result.status, 0, `accepted ${JSON.stringify(values)}`);
    assert.match(result.stderr, /values don't meet the specifications of the schema/);
    assert.match(result.stderr, message);
  }
});

void test('values the schema cannot judge fail the render with a message saying what to set', () => {
  const none = helmTemplate({
    migration: { phases: Object.fromEntries(PHASE_NAMES.map((p) => [p, false])) },
  });
  assert.notEqual(none.status, 0);
  assert.match(none.stderr, /migration\.phases: switch at least one phase on/);
  const noHost = helmTemplate({ migration: { database: { postgresql: { host: '' } } } });
  assert.notEqual(noHost.status, 0);
  assert.match(noHost.stderr, /set host .*hostKey .*urlKey/);
  const noKeys = helmTemplate({ migration: { database: { postgresql: { passwordKey: '' } } } });
  assert.notEqual(noKeys.status, 0);
  assert.match(noKeys.stderr, /urlKey, or all of userKey, passwordKey and databaseKey/);
  const unwatched = helmTemplate({ watchNamespaces: ['staging'] });
  assert.notEqual(unwatched.status, 0);
  assert.match(
    unwatched.stderr,
    /namespace mcp, which the operator does not watch; add it to watchNamespaces/,
  );
});

void test('every rendered object is valid against its Kubernetes schema', () => {
  const kinds = new Set<string>();
  for (const objects of [defaults, everything]) {
    for (const object of objects) {
      kinds.add(object.kind);
      if (object.kind === 'IndexMigration') continue; // checked against the CRD above
      const problem = validateKubeObject(object);
      assert.equal(problem, undefined, `${object.kind} ${object.metadata.name}: ${problem ?? ''}`);
    }
  }
  // The checks can fail: a wrong type, and a field Kubernetes does not know.
  const deployment = only(defaults, 'Deployment');
  const spec = specOf(deployment);
  assert.match(validateKubeObject({ ...deployment, spec: { ...spec, replicas: 'two' } }) ?? '', /replicas/);
  assert.match(
    validateKubeObject({ ...deployment, spec: { ...spec, replica: 2 } }) ?? '',
    /unknown.*spec\.replica\b/,
  );
  for (const kind of [
    'CustomResourceDefinition',
    'Deployment',
    'ServiceAccount',
    'Service',
    'ServiceMonitor',
    'PrometheusRule',
    'ConfigMap',
    'ClusterRole',
    'ClusterRoleBinding',
    'Role',
    'RoleBinding',
  ]) {
    assert.ok(kinds.has(kind), `rendered no ${kind} in any scenario`);
  }
});

function chartAppVersion(): string {
  return String((parseYaml(readFileSync(`${CHART_DIR}/Chart.yaml`, 'utf8')) as Spec)['appVersion']);
}
