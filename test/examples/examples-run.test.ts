/**
 * Every example in examples/ runs to its final status on the fake cluster (test/kube's API server and
 * in-process Job runner, the real operator, a real seeded ContextForge database) and ends as the docs
 * say: `Succeeded` with every index of its phases built, including the verify Job, which checks only the
 * hot queries the selected phases serve. The examples' own spec is kept; only the PostgreSQL connection
 * points at the test database (the examples name the in-cluster Service of a ContextForge release), and
 * the MariaDB example's host at 127.0.0.1, its Secret holding the keys it names.
 */
import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { contextforgeCatalogue } from '../../migrations/contextforge/index.js';
import { openDialect } from '../../src/dialects/open-dialect.js';
import type { IndexMigration, IndexMigrationSpec } from '../../src/operator/types.js';
import { seedDatabase } from '../../src/seed/seed.js';
import { only, render } from '../chart/render-chart.js';
import { freshMariadb, freshPostgres } from '../helpers/databases.js';
import { eventually } from '../kube/eventually.js';
import { FakeApiServer } from '../kube/fake-api-server.js';
import { JobRunner } from '../kube/job-runner.js';
import {
  NS,
  getMigration,
  pgDatabase,
  startOperator,
  urlSecret,
  type RunningOperator,
} from '../operator/operator-harness.js';

/** Enough rows that a hot query left without its index scans a "large" table (verify's 1000 rows). */
const TOOLS = 2_000;

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const readYaml = (file: string): Record<string, unknown> =>
  parseYaml(readFileSync(file, 'utf8')) as Record<string, unknown>;

async function seeded(url: string): Promise<void> {
  const db = await openDialect(url);
  try {
    await seedDatabase(db, { tools: TOOLS, seed: 1, reset: false, schema: 'pre-epic' });
  } finally {
    await db.close();
  }
}

/** Starts the fake cluster and the operator, creates the migration, waits for a settled phase. */
async function runToEnd(
  migration: Record<string, unknown>,
  setup: (server: FakeApiServer) => Promise<JobRunner>,
): Promise<IndexMigration> {
  const server = await FakeApiServer.start();
  cleanups.push(() => server.close());
  const runner = await setup(server);
  runner.start();
  cleanups.push(() => runner.stop());
  const op: RunningOperator = startOperator(server, 'op-1', [NS]);
  cleanups.push(() => op.stop());
  const metadata = { ...(migration['metadata'] as object), namespace: NS };
  server.create('indexmigrations', { ...migration, metadata });
  const name = String((migration['metadata'] as { name?: unknown }).name);
  return eventually<IndexMigration>(
    () => {
      const m = getMigration(server, name);
      assert.ok(['Succeeded', 'Failed'].includes(m?.status?.phase ?? ''), JSON.stringify(m?.status));
      return m as IndexMigration;
    },
    240_000,
    100,
  );
}

/** The example's spec with the PostgreSQL connection pointed at the test database's Secret. */
function onTestPostgres(doc: Record<string, unknown>): Record<string, unknown> {
  const spec = doc['spec'] as IndexMigrationSpec;
  return { ...doc, spec: { ...spec, database: pgDatabase('test-db') } };
}

async function postgresSetup(server: FakeApiServer): Promise<JobRunner> {
  const db = await freshPostgres('e14example');
  await seeded(db.url);
  server.create('secrets', urlSecret('test-db', db.url));
  return new JobRunner(server);
}

function indexesOf(phases: readonly string[]): number {
  return contextforgeCatalogue.phases
    .filter((p) => phases.includes(p.name))
    .reduce((n, p) => n + p.indexes.length, 0);
}

function assertSucceeded(m: IndexMigration, phases: readonly string[]): void {
  assert.equal(m.status?.phase, 'Succeeded', JSON.stringify(m.status?.conditions));
  assert.equal(m.status?.progress?.indexesDone, indexesOf(phases));
  assert.equal(m.status?.progress?.indexesTotal, indexesOf(phases));
}

/** `Succeeded   96/96` in a doc's sample output: the count it promises. */
function documentedTotal(file: string): number {
  const m = /Succeeded\s+(\d+)\/(\d+)/.exec(readFileSync(file, 'utf8'));
  assert.ok(m?.[1] && m[1] === m[2], `${file} shows a Succeeded n/n line`);
  return Number(m[1]);
}

void test('examples/values-minikube.yaml (the minikube quick start) ends Succeeded as docs/minikube.md shows', async () => {
  const values = readYaml('examples/values-minikube.yaml');
  const migration = only(render(values), 'IndexMigration');
  const phases = (migration['spec'] as IndexMigrationSpec).phases;
  assert.deepEqual(phases, ['core', 'rbac', 'teams']);
  assert.equal((migration['spec'] as IndexMigrationSpec).verify, true);
  const m = await runToEnd(onTestPostgres(migration), postgresSetup);
  assertSucceeded(m, phases);
  assert.equal(documentedTotal('docs/minikube.md'), indexesOf(phases), 'the doc shows the real total');
});

void test('examples/indexmigration-postgresql.yaml ends Succeeded with every phase built', async () => {
  const doc = readYaml('examples/indexmigration-postgresql.yaml');
  const phases = (doc['spec'] as IndexMigrationSpec).phases;
  const m = await runToEnd(onTestPostgres(doc), postgresSetup);
  assertSucceeded(m, phases);
});

void test('examples/indexmigration-sqlite.yaml ends Succeeded on the claim the example names', async () => {
  const doc = readYaml('examples/indexmigration-sqlite.yaml');
  const spec = doc['spec'] as IndexMigrationSpec;
  const dir = mkdtempSync(join(tmpdir(), 'e14example-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const claim = spec.database.sqlite?.claimName ?? '';
  const file = (spec.database.sqlite?.path ?? '').replace(/^\/data\//, '');
  const m = await runToEnd(doc, async (server) => {
    await seeded(`sqlite:${join(dir, file)}`);
    return new JobRunner(server, { claims: { [claim]: dir } });
  });
  assertSucceeded(m, spec.phases);
});

void test('examples/indexmigration-mariadb.yaml ends Succeeded on MariaDB through the Secret keys it names', async () => {
  const doc = readYaml('examples/indexmigration-mariadb.yaml');
  const spec = doc['spec'] as IndexMigrationSpec;
  const mariadb = spec.database.mariadb;
  assert.ok(mariadb, 'the example has a mariadb block');
  const ref = mariadb.secretRef;
  const onTest = {
    ...doc,
    spec: { ...spec, database: { ...spec.database, mariadb: { ...mariadb, host: '127.0.0.1' } } },
  };
  const m = await runToEnd(onTest, async (server) => {
    const db = await freshMariadb('e15example');
    await seeded(db.url);
    const data = {
      [ref.userKey ?? '']: 'root',
      [ref.passwordKey ?? '']: '',
      [ref.databaseKey ?? '']: db.name,
    };
    const encoded = Object.fromEntries(
      Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')]),
    );
    server.create('secrets', {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: ref.name, namespace: NS },
      data: encoded,
    });
    return new JobRunner(server);
  });
  assertSucceeded(m, spec.phases);
});
