/**
 * An IndexMigration with `dialect: mariadb`, end to end: the real operator on the fake API server, its
 * Jobs run in process by the job runner against the real MariaDB at 127.0.0.1:3306, as an application
 * user of its own whose password (with URL-special characters) is only in the Secret. The resource waits
 * Degraded while the Secret or a key is missing, then its phases run; the status, the database and the
 * bookkeeping agree, and the password is nowhere a user or a log reads: Job args and env values, status,
 * events, operator logs, the Jobs' output, /metrics.
 */
import { after, afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { FakeApiServer } from '../kube/fake-api-server.js';
import { JobRunner } from '../kube/job-runner.js';
import { eventually } from '../kube/eventually.js';
import { freshMariadb, mariadbAdmin, mariadbUrl } from '../helpers/databases.js';
import { createPreEpicSchema, holdTransactionOpen, withDialect } from '../helpers/dialects.js';
import { openDialect } from '../../src/dialects/open-dialect.js';
import { loadBuiltInCatalogue } from '../../src/catalogue/registry.js';
import { SqlBookkeepingStore } from '../../src/engine/sql-bookkeeping-store.js';
import type { IndexMigration, IndexMigrationSpec, PhaseStatus } from '../../src/operator/types.js';
import {
  NS,
  assertOnlyListedApiCalls,
  condition,
  getMigration,
  logLines,
  migration,
  startOperator,
  type RunningOperator,
} from './operator-harness.js';

const PHASES = ['sessions', 'associations'] as const;
const CATALOGUE = loadBuiltInCatalogue('contextforge');
const names = (phase: string): string[] =>
  CATALOGUE.phases.find((p) => p.name === phase)?.indexes.map((i) => i.name) ?? [];

/** An application user of this test file only, with URL-special characters in its password. */
const USER = `mdbop_${randomBytes(4).toString('hex')}`;
const PASSWORD = `Pw/${randomBytes(6).toString('hex')}:@?#%`;

let server: FakeApiServer;
let runner: JobRunner;
let operator: RunningOperator | undefined;

after(async () => {
  await mariadbAdmin((c) => c.query(`DROP USER IF EXISTS '${USER}'@'127.0.0.1'`));
});

afterEach(async () => {
  await operator?.stop();
  operator = undefined;
  await runner.stop();
  assertOnlyListedApiCalls(server);
  await server.close();
});

const b64 = (s: string): string => Buffer.from(s).toString('base64');

/** A fresh MariaDB database with the ContextForge schema, reachable as USER (rights on it only). */
async function database(): Promise<string> {
  const db = await freshMariadb('mdbop');
  await createPreEpicSchema(db.url);
  await mariadbAdmin(async (c) => {
    await c.query(`CREATE USER IF NOT EXISTS '${USER}'@'127.0.0.1' IDENTIFIED BY ?`, [PASSWORD]);
    await c.query(
      `GRANT ALTER, INDEX, CREATE, DROP, SELECT, INSERT, UPDATE, DELETE ON \`${db.name}\`.* TO '${USER}'@'127.0.0.1'`,
    );
  });
  return db.name;
}

function secret(data: Record<string, string>): unknown {
  const encoded = Object.fromEntries(Object.entries(data).map(([k, v]) => [k, b64(v)]));
  return { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'mariadb', namespace: NS }, data: encoded };
}

function spec(): Partial<IndexMigrationSpec> & Pick<IndexMigrationSpec, 'database'> {
  return {
    database: {
      dialect: 'mariadb',
      mariadb: {
        host: '127.0.0.1',
        port: 3306,
        secretRef: {
          name: 'mariadb',
          userKey: 'MARIADB_USER',
          passwordKey: 'MARIADB_PASSWORD',
          databaseKey: 'MARIADB_DATABASE',
        },
      },
    },
    phases: [...PHASES],
    verify: false,
    concurrency: 1,
    lockTimeout: '5s',
    retries: { limit: 2, backoff: '100ms' },
  };
}

/** The value of one sample of the exposition text, or undefined when the series is absent. */
function sample(text: string, name: string, labels: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`index_operator_${name}{${labels}} `));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

function degradedReason(): string | undefined {
  const m = getMigration(server, 'mcp');
  const degraded = condition(m, 'Degraded');
  return degraded?.status === 'True' ? degraded.reason : undefined;
}

void describe('an IndexMigration with dialect mariadb', () => {
  void it('waits Degraded for its Secret and keys, then builds its phases on MariaDB, the password nowhere', async () => {
    server = await FakeApiServer.start();
    runner = new JobRunner(server).start();
    const dbName = await database();
    const logsBefore = logLines.length;
    operator = startOperator(server, 'op-1', [NS], { metrics: true });
    server.create('indexmigrations', migration('mcp', spec()));

    await eventually(() => assert.equal(degradedReason(), 'SecretNotFound'), 30_000, 50);
    assert.equal(
      condition(getMigration(server, 'mcp'), 'Degraded')?.message,
      `Secret ${NS}/mariadb not found: create it with keys MARIADB_USER, MARIADB_PASSWORD, MARIADB_DATABASE`,
    );
    server.create('secrets', secret({ MARIADB_USER: USER, MARIADB_DATABASE: dbName }));
    await eventually(() => assert.equal(degradedReason(), 'SecretKeyMissing'), 30_000, 50);
    assert.equal(
      condition(getMigration(server, 'mcp'), 'Degraded')?.message,
      `Secret ${NS}/mariadb has no key MARIADB_PASSWORD: add it to the Secret`,
    );
    assert.equal(server.list('jobs', NS).length, 0, 'no Job before the Secret is complete');

    server.patch('secrets', NS, 'mariadb', { data: { MARIADB_PASSWORD: b64(PASSWORD) } });
    const done = await eventually<IndexMigration>(
      () => {
        const m = getMigration(server, 'mcp');
        assert.equal(m?.status?.phase, 'Succeeded', JSON.stringify(m?.status));
        return m;
      },
      120_000,
      100,
    );

    // The status and the database agree, phase by phase.
    const indexes = await withDialect(mariadbUrl(dbName), async (db) => (await db.introspect()).indexes);
    const present = new Set(indexes.map((i) => i.name));
    let total = 0;
    for (const phase of PHASES) {
      const entry = done.status?.phases?.find((p) => p.name === phase);
      const built = names(phase).filter((n) => present.has(n));
      assert.equal(entry?.state, 'Succeeded', JSON.stringify(entry));
      assert.ok(built.length > 0, `${phase}: indexes built`);
      assert.equal(entry?.indexesCreated, built.length, `${phase}: ${JSON.stringify(entry)}`);
      assert.equal(
        (entry?.indexesCreated ?? 0) + (entry?.indexesSkipped ?? 0),
        names(phase).length,
        `${phase}: every index built or skipped: ${JSON.stringify(entry)}`,
      );
      const rows = await withDialect(mariadbUrl(dbName), (db) =>
        new SqlBookkeepingStore(db).listBuilds(phase),
      );
      const created = rows.filter((r) => r.action === 'create' && r.status === 'succeeded');
      assert.deepEqual(created.map((r) => r.indexName).sort(), built.sort(), `${phase} bookkeeping`);
      total += names(phase).length;
    }
    assert.equal(done.status?.progress?.indexesTotal, total);
    assert.equal(condition(done, 'Ready')?.status, 'True');
    assert.ok(
      indexes.every((i) => i.valid),
      'every index valid',
    );

    // The Jobs ran as the application user, by reference to the Secret.
    const jobs = server.list('jobs', NS);
    assert.equal(jobs.length, PHASES.length, jobs.map((j) => j.metadata?.name).join(', '));
    const env = JSON.stringify(jobs.map((j) => j.spec));
    assert.match(env, /"name":"MARIADB_PASSWORD","valueFrom":\{"secretKeyRef":\{"name":"mariadb"/);
    assert.ok(
      runner.runs.every((r) => r.exitCode === 0),
      'every Job exited 0',
    );

    const scrape = await operator.scrape();
    // The operator's /metrics read the MariaDB database: builds done and its index health.
    const at = 'migration="apps/mcp"';
    assert.equal(sample(scrape, 'migration_state', `${at},state="Succeeded"`), 1, scrape);
    const created = done.status?.phases?.reduce((n, p) => n + (p.indexesCreated ?? 0), 0);
    assert.equal(sample(scrape, 'indexes_done', at), created, scrape);
    for (const phase of PHASES) {
      const entry: PhaseStatus | undefined = done.status?.phases?.find((p) => p.name === phase);
      const count = sample(
        scrape,
        'index_build_duration_seconds_count',
        `${at},phase="${phase}",action="create"`,
      );
      assert.equal(count, entry?.indexesCreated, scrape);
    }
    assert.equal(sample(scrape, 'health_indexes', `${at},state="invalid"`), 0, scrape);
    const valid = sample(scrape, 'health_indexes', `${at},state="valid"`) ?? 0;
    assert.ok(valid >= (created ?? 1), `health counts the built indexes valid: ${valid}`);
    const seen = {
      jobs: env,
      status: JSON.stringify(done.status),
      events: JSON.stringify(server.list('events', NS)),
      logs: logLines.slice(logsBefore).join(''),
      jobOutput: runner.runs.map((r) => r.stdout() + r.stderr()).join(''),
      metrics: scrape,
    };
    const forms = [PASSWORD, encodeURIComponent(PASSWORD)];
    for (const [where, text] of Object.entries(seen)) {
      for (const form of forms) assert.ok(!text.includes(form), `the password is in the ${where}`);
    }
    assert.ok(seen.logs.length > 0 && seen.events.includes('Succeeded'), 'logs and events were read');
  });

  void it('sslMode reaches the connection: TLS asked of a server with TLS off is Degraded saying so, no Job', async () => {
    server = await FakeApiServer.start();
    runner = new JobRunner(server).start();
    const dbName = await database();
    server.create(
      'secrets',
      secret({ URL: `mariadb://${USER}:${encodeURIComponent(PASSWORD)}@127.0.0.1:3306/${dbName}` }),
    );
    operator = startOperator(server, 'op-1', [NS]);
    const base = spec();
    const mariadb = {
      port: 3306,
      sslMode: 'verify-full' as const,
      secretRef: { name: 'mariadb', urlKey: 'URL' },
    };
    server.create(
      'indexmigrations',
      migration('mcp', { ...base, database: { dialect: 'mariadb', mariadb } }),
    );
    await eventually(() => assert.equal(degradedReason(), 'DatabaseUnreachable'), 60_000, 50);
    const message = condition(getMigration(server, 'mcp'), 'Degraded')?.message ?? '';
    assert.match(message, /sslMode asks for TLS but the server has TLS switched off/);
    assert.ok(!message.includes(PASSWORD) && !message.includes(encodeURIComponent(PASSWORD)), message);
    assert.equal(server.list('jobs', NS).length, 0, 'no Job while the database cannot be reached');
  });

  void it('a phase that fails on MariaDB (metadata lock held) is rolled back; status names lock_timeout and 1205', async () => {
    server = await FakeApiServer.start();
    runner = new JobRunner(server).start();
    const dbName = await database();
    server.create(
      'secrets',
      secret({ MARIADB_USER: USER, MARIADB_PASSWORD: PASSWORD, MARIADB_DATABASE: dbName }),
    );
    // Another session's open transaction read the table: the online ALTER's metadata lock waits for it.
    const other = await openDialect(mariadbUrl(dbName));
    const held = await holdTransactionOpen(other, (tx) =>
      tx.query('SELECT COUNT(*) AS n FROM server_a2a_association'),
    );
    try {
      operator = startOperator(server, 'op-1', [NS], { metrics: true });
      const failing = {
        ...spec(),
        phases: ['associations' as const],
        lockTimeout: '1s',
        retries: { limit: 0, backoff: '100ms' },
      };
      server.create('indexmigrations', migration('mcp', failing));
      await eventually(
        () => assert.equal(runner.runsOf('mcp-associations-g1')[0]?.exitCode, 1),
        120_000,
        100,
      );
    } finally {
      await held.release();
      await other.close();
    }
    const m = await eventually<IndexMigration>(
      () => {
        const got = getMigration(server, 'mcp');
        assert.equal(got?.status?.phase, 'RolledBack', JSON.stringify(got?.status));
        return got;
      },
      120_000,
      100,
    );
    const entry = m.status?.phases?.find((p) => p.name === 'associations');
    const why = JSON.stringify(m.status);
    assert.equal(entry?.failure?.reason, 'lock_timeout', why);
    assert.equal(entry?.failure?.code, '1205', why);
    assert.ok(entry?.failure?.index?.startsWith('idx_server_a2a_association'), why);
    assert.equal(entry?.rollback?.state, 'Succeeded', why);
    const indexes = await withDialect(mariadbUrl(dbName), async (db) => (await db.introspect()).indexes);
    const left = indexes.filter((i) => names('associations').includes(i.name)).map((i) => i.name);
    assert.deepEqual(left, [], 'the rollback dropped what the phase built');
    const scrape = await operator.scrape();
    assert.equal(
      sample(scrape, 'failures_total', 'migration="apps/mcp",phase="associations",reason="lock_timeout"'),
      1,
      scrape,
    );
  });
});
