/**
 * The database a resource names, for each server dialect: the Job's env (credentials only by
 * secretKeyRef), the URL the CLI composes from that env once kubelet resolved it, and the operator's own
 * URL from the Secret: the two URLs reach the same server, user, password and database.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { databaseEnv, databaseUrlFromSecret, secretNameOf } from '../../src/operator/database-target.js';
import { validateSpec } from '../../src/operator/validate-spec.js';
import { parseGlobalConfig } from '../../src/config.js';
import { parseDatabaseUrl } from '../../src/dialects/database-url.js';
import { builtInCatalogues } from '../../src/cli/commands/operator.js';
import type { EnvVar, KubeSecret } from '../../src/kube/kube-client.js';
import type { DatabaseSpec, IndexMigrationSpec } from '../../src/operator/types.js';

const b64 = (s: string): string => Buffer.from(s).toString('base64');

const PASSWORD = 'p@ss/w:rd?#1';
const SECRET: KubeSecret = {
  metadata: { name: 'mariadb' },
  data: {
    MARIADB_USER: b64('app'),
    MARIADB_PASSWORD: b64(PASSWORD),
    MARIADB_DATABASE: b64('mcp'),
    MARIADB_HOST: b64('mariadb.db.svc'),
    URL: b64('mysql://app:secret@mariadb:3307/mcp'),
  },
};

const KEYS = { userKey: 'MARIADB_USER', passwordKey: 'MARIADB_PASSWORD', databaseKey: 'MARIADB_DATABASE' };

const MARIADB: DatabaseSpec = {
  dialect: 'mariadb',
  mariadb: { host: 'mariadb', port: 3306, secretRef: { name: 'mariadb', ...KEYS } },
};

/** What kubelet does with the env: secretKeyRef values read from the Secret. */
function resolve(env: readonly EnvVar[], secret: KubeSecret): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of env) {
    const ref = v.valueFrom?.secretKeyRef;
    const raw = ref === undefined ? undefined : secret.data?.[ref.key];
    out[v.name] = ref === undefined ? (v.value ?? '') : Buffer.from(raw ?? '', 'base64').toString('utf8');
  }
  return out;
}

void describe('a MariaDB database from its Secret', () => {
  void it('gives the Job MARIADB_* variables, the password only by secretKeyRef', () => {
    const env = databaseEnv(MARIADB);
    assert.deepEqual(env, [
      { name: 'MARIADB_HOST', value: 'mariadb' },
      { name: 'MARIADB_PORT', value: '3306' },
      { name: 'MARIADB_USER', valueFrom: { secretKeyRef: { name: 'mariadb', key: 'MARIADB_USER' } } },
      {
        name: 'MARIADB_PASSWORD',
        valueFrom: { secretKeyRef: { name: 'mariadb', key: 'MARIADB_PASSWORD' } },
      },
      {
        name: 'MARIADB_DATABASE',
        valueFrom: { secretKeyRef: { name: 'mariadb', key: 'MARIADB_DATABASE' } },
      },
    ]);
    assert.equal(secretNameOf(MARIADB), 'mariadb');
  });

  void it('the Job and the operator reach the same server, user, password and database', () => {
    const specs: DatabaseSpec[] = [
      MARIADB,
      {
        dialect: 'mariadb',
        mariadb: { hostKey: 'MARIADB_HOST', port: 3307, secretRef: { name: 'mariadb', ...KEYS } },
      },
      { dialect: 'mariadb', mariadb: { port: 3306, secretRef: { name: 'mariadb', urlKey: 'URL' } } },
      {
        dialect: 'mariadb',
        mariadb: { host: 'db', port: 3306, sslMode: 'verify-full', secretRef: { name: 'mariadb', ...KEYS } },
      },
      {
        dialect: 'mariadb',
        mariadb: { port: 3306, sslMode: 'trust', secretRef: { name: 'mariadb', urlKey: 'URL' } },
      },
    ];
    for (const db of specs) {
      const own = databaseUrlFromSecret(db, 'apps', SECRET);
      assert.ok(own.ok, JSON.stringify(own));
      const jobUrl = parseGlobalConfig({}, resolve(databaseEnv(db), SECRET)).databaseUrl;
      assert.ok(jobUrl !== undefined, 'the Job has a database URL');
      const fromJob = parseDatabaseUrl(jobUrl);
      const fromOperator = parseDatabaseUrl(own.url);
      assert.equal(fromJob.dialect, 'mariadb');
      assert.deepEqual(
        { ...fromJob, connectionString: '' },
        { ...fromOperator, connectionString: '' },
        JSON.stringify(db),
      );
    }
    const composed = databaseUrlFromSecret(MARIADB, 'apps', SECRET);
    assert.ok(composed.ok);
    const parsed = parseDatabaseUrl(composed.url);
    assert.ok(parsed.dialect === 'mariadb');
    assert.deepEqual(
      [parsed.host, parsed.port, parsed.user, parsed.password, parsed.database],
      ['mariadb', 3306, 'app', PASSWORD, 'mcp'],
    );
  });

  void it('sslMode goes to the Job as MARIADB_SSL_MODE and into both URLs; a URL that sets it wins', () => {
    const db: DatabaseSpec = {
      dialect: 'mariadb',
      mariadb: { port: 3306, sslMode: 'verify-ca', secretRef: { name: 'mariadb', urlKey: 'URL' } },
    };
    assert.deepEqual(databaseEnv(db), [
      { name: 'DATABASE_URL', valueFrom: { secretKeyRef: { name: 'mariadb', key: 'URL' } } },
      { name: 'MARIADB_SSL_MODE', value: 'verify-ca' },
    ]);
    const own = databaseUrlFromSecret(db, 'apps', SECRET);
    assert.ok(own.ok);
    const parsed = parseDatabaseUrl(own.url);
    assert.ok(parsed.dialect === 'mariadb');
    assert.equal(parsed.sslMode, 'verify-ca');
    const pinned = { ...SECRET, data: { ...SECRET.data, URL: b64('mariadb://app@db/mcp?sslMode=trust') } };
    const kept = databaseUrlFromSecret(db, 'apps', pinned);
    assert.ok(kept.ok);
    assert.equal(kept.url, 'mariadb://app@db/mcp?sslMode=trust');
    assert.equal(parseGlobalConfig({}, resolve(databaseEnv(db), pinned)).databaseUrl, kept.url);
  });

  void it('a missing Secret or key is a problem naming the Secret and the keys, never a value', () => {
    const missing = databaseUrlFromSecret(MARIADB, 'apps', undefined);
    assert.ok(!missing.ok);
    assert.equal(missing.problem.reason, 'SecretNotFound');
    assert.equal(
      missing.problem.message,
      'Secret apps/mariadb not found: create it with keys MARIADB_USER, MARIADB_PASSWORD, MARIADB_DATABASE',
    );
    const partial = { metadata: {}, data: { MARIADB_USER: b64('app'), MARIADB_DATABASE: b64('mcp') } };
    const noKey = databaseUrlFromSecret(MARIADB, 'apps', partial);
    assert.ok(!noKey.ok);
    assert.equal(noKey.problem.reason, 'SecretKeyMissing');
    assert.equal(
      noKey.problem.message,
      'Secret apps/mariadb has no key MARIADB_PASSWORD: add it to the Secret',
    );
  });

  void it('uses only the block the dialect names', () => {
    const both: DatabaseSpec = {
      ...MARIADB,
      postgresql: { host: 'pg', port: 5432, secretRef: { name: 'pg', urlKey: 'URL' } },
    };
    assert.equal(secretNameOf(both), 'mariadb');
    assert.equal(databaseEnv(both)[0]?.name, 'MARIADB_HOST');
    const noBlock = databaseUrlFromSecret({ dialect: 'mariadb' }, 'apps', SECRET);
    assert.ok(!noBlock.ok);
    assert.match(noBlock.problem.message, /spec\.database\.mariadb is missing/);
  });
});

void describe('validateSpec on a MariaDB database', () => {
  const base: IndexMigrationSpec = {
    database: MARIADB,
    catalogue: 'contextforge',
    phases: ['core'],
    concurrency: 1,
    lockTimeout: '5s',
    retries: { limit: 0, backoff: '1s' },
    onFailure: 'RollbackPhase',
    suspend: false,
    verify: false,
    deletionPolicy: 'Retain',
  };
  const catalogues = builtInCatalogues();

  void it('accepts a complete block', () => {
    assert.deepEqual(validateSpec(base, catalogues), []);
  });

  void it('reports a missing block, host and keys, saying what to set', () => {
    assert.deepEqual(validateSpec({ ...base, database: { dialect: 'mariadb' } }, catalogues), [
      'spec.database.mariadb is required when dialect is mariadb (host and secretRef)',
    ]);
    const bare: DatabaseSpec = {
      dialect: 'mariadb',
      mariadb: { port: 3306, secretRef: { name: 'db', userKey: 'U' } },
    };
    assert.deepEqual(validateSpec({ ...base, database: bare }, catalogues), [
      'spec.database.mariadb needs host (or hostKey naming a Secret key, or secretRef.urlKey)',
      'spec.database.mariadb.secretRef needs urlKey, or all of userKey, passwordKey and databaseKey',
    ]);
  });
});
