/**
 * What the CRD itself accepts and rejects: the structural schema under ajv and the
 * x-kubernetes-validations CEL rules under @marcbachmann/cel-js, through the same admission the fake
 * API server uses. Rejections must name the field and say what is wrong.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createCrdValidator } from '../kube/crd-validator.js';
import { PHASE_NAMES, type IndexMigration } from '../../src/operator/types.js';

const validator = createCrdValidator();

const POSTGRES_DB = {
  dialect: 'postgresql',
  postgresql: {
    host: 'mcp-stack-postgres',
    secretRef: {
      name: 'mcp-stack-postgres-secret',
      userKey: 'POSTGRES_USER',
      passwordKey: 'POSTGRES_PASSWORD',
      databaseKey: 'POSTGRES_DB',
    },
  },
};
const SQLITE_DB = { dialect: 'sqlite', sqlite: { claimName: 'mcp-data', path: '/data/mcp.db' } };

function resource(spec: Record<string, unknown>, status?: Record<string, unknown>): unknown {
  return {
    apiVersion: 'index-operator.io/v1alpha1',
    kind: 'IndexMigration',
    metadata: { name: 'contextforge', namespace: 'mcp' },
    spec,
    ...(status ? { status } : {}),
  };
}

function admitted(obj: unknown): IndexMigration {
  const result = validator.admit(obj);
  assert.ok(
    result.ok,
    `expected valid, got: ${result.ok ? '' : result.causes.map((c) => c.message).join('; ')}`,
  );
  return result.object as unknown as IndexMigration;
}

function rejection(obj: unknown): string {
  const result = validator.admit(obj);
  assert.ok(!result.ok, 'expected the resource to be rejected');
  return result.causes.map((c) => c.message).join('\n');
}

void describe('CRD admission: valid resources', () => {
  void it('fills every default into a minimal PostgreSQL resource', () => {
    const im = admitted(resource({ database: POSTGRES_DB }));
    assert.deepEqual(im.spec, {
      database: { ...POSTGRES_DB, postgresql: { ...POSTGRES_DB.postgresql, port: 5432 } },
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

  void it('accepts a full resource and keeps what was given', () => {
    const spec = {
      database: {
        dialect: 'postgresql',
        postgresql: {
          hostKey: 'POSTGRES_HOST',
          port: 6432,
          secretRef: { name: 'db', urlKey: 'DATABASE_URL' },
          sslMode: 'require',
        },
      },
      catalogue: 'contextforge',
      phases: ['teams', 'core'],
      concurrency: 16,
      lockTimeout: '500ms',
      statementTimeout: '2h',
      pauseBetweenBuilds: '30s',
      maxParallelMaintenanceWorkers: 0,
      retries: { limit: 0, backoff: '1m' },
      onFailure: 'Halt',
      suspend: true,
      verify: false,
      deletionPolicy: 'RollBack',
      activeDeadlineSeconds: 3600,
      ttlSecondsAfterFinished: 0,
    };
    assert.deepEqual(admitted(resource(spec)).spec, spec);
  });

  void it('accepts SQLite on a claim, and a status the controller writes', () => {
    const im = admitted(
      resource(
        { database: SQLITE_DB, phases: ['core'] },
        {
          phase: 'Running',
          observedGeneration: 3,
          conditions: [
            {
              type: 'Progressing',
              status: 'True',
              reason: 'PhaseRunning',
              message: 'core',
              lastTransitionTime: '2026-01-02T03:04:05Z',
              observedGeneration: 3,
            },
          ],
          phases: [
            {
              name: 'core',
              state: 'Running',
              startedAt: '2026-01-02T03:04:05Z',
              jobName: 'contextforge-core-1',
            },
          ],
          progress: {
            indexesDone: 40,
            indexesTotal: 152,
            current: 'idx_tools_team_id_enabled',
            summary: '40/152',
          },
        },
      ),
    );
    assert.equal(im.spec.database.sqlite?.claimName, 'mcp-data');
    assert.equal(im.status?.progress?.summary, '40/152');
  });

  void it('drops unknown fields, as a structural schema prunes them', () => {
    const im = admitted(resource({ database: SQLITE_DB, parallelism: 4 }));
    assert.equal('parallelism' in im.spec, false);
  });
});

void describe('CRD admission: the schema rejects', () => {
  const cases: readonly [string, Record<string, unknown>, RegExp][] = [
    ['a missing database', {}, /spec\.database: Required value/],
    [
      'an unknown dialect',
      { database: { dialect: 'mysql' } },
      /spec\.database\.dialect: Unsupported value: "mysql": supported values: "postgresql", "sqlite", "mariadb"/,
    ],
    [
      'concurrency above 16',
      { database: SQLITE_DB, concurrency: 17 },
      /spec\.concurrency: Invalid value: 17: .*<= 16/,
    ],
    ['concurrency 0', { database: SQLITE_DB, concurrency: 0 }, /spec\.concurrency: Invalid value: 0: .*>= 1/],
    [
      'a fractional concurrency',
      { database: SQLITE_DB, concurrency: 1.5 },
      /spec\.concurrency: Invalid value: 1\.5: .*integer/,
    ],
    [
      'retries above 20',
      { database: SQLITE_DB, retries: { limit: 21 } },
      /spec\.retries\.limit: Invalid value: 21/,
    ],
    [
      'a duration without unit',
      { database: SQLITE_DB, lockTimeout: '5' },
      /spec\.lockTimeout: Invalid value: "5": .*pattern/,
    ],
    [
      'a pause without unit',
      { database: SQLITE_DB, pauseBetweenBuilds: '30' },
      /spec\.pauseBetweenBuilds: Invalid value: "30": .*pattern/,
    ],
    [
      'more than 64 parallel maintenance workers',
      { database: POSTGRES_DB, maxParallelMaintenanceWorkers: 65 },
      /spec\.maxParallelMaintenanceWorkers: Invalid value: 65: .*<= 64/,
    ],
    [
      'negative parallel maintenance workers',
      { database: POSTGRES_DB, maxParallelMaintenanceWorkers: -1 },
      /spec\.maxParallelMaintenanceWorkers: Invalid value: -1: .*>= 0/,
    ],
    [
      'a parallel maintenance worker count as text',
      { database: POSTGRES_DB, maxParallelMaintenanceWorkers: '2' },
      /spec\.maxParallelMaintenanceWorkers: Invalid value: "2": .*must be integer/,
    ],
    [
      'a duration with a space',
      { database: SQLITE_DB, retries: { backoff: '10 s' } },
      /spec\.retries\.backoff: Invalid value: "10 s"/,
    ],
    [
      'an unknown phase',
      { database: SQLITE_DB, phases: ['core', 'indexes'] },
      /spec\.phases\[1\]: Unsupported value: "indexes"/,
    ],
    [
      'an empty phase list',
      { database: SQLITE_DB, phases: [] },
      /spec\.phases: Invalid value: "array": .*fewer than 1/,
    ],
    [
      'an unknown onFailure',
      { database: SQLITE_DB, onFailure: 'Retry' },
      /spec\.onFailure: Unsupported value: "Retry": supported values: "RollbackPhase", "RollbackAll", "Halt"/,
    ],
    [
      'an unknown deletionPolicy',
      { database: SQLITE_DB, deletionPolicy: 'Delete' },
      /spec\.deletionPolicy: Unsupported value: "Delete"/,
    ],
    [
      'a port out of range',
      { database: { ...POSTGRES_DB, postgresql: { ...POSTGRES_DB.postgresql, port: 70000 } } },
      /spec\.database\.postgresql\.port: Invalid value: 70000/,
    ],
    [
      'an upper-case Secret name',
      {
        database: {
          ...POSTGRES_DB,
          postgresql: { ...POSTGRES_DB.postgresql, secretRef: { name: 'DB_Secret', urlKey: 'URL' } },
        },
      },
      /spec\.database\.postgresql\.secretRef\.name: Invalid value: "DB_Secret"/,
    ],
    [
      'a relative SQLite path',
      { database: { dialect: 'sqlite', sqlite: { claimName: 'mcp-data', path: 'mcp.db' } } },
      /spec\.database\.sqlite\.path: Invalid value: "mcp\.db"/,
    ],
    [
      'a SQLite block without claim',
      { database: { dialect: 'sqlite', sqlite: { path: '/data/mcp.db' } } },
      /spec\.database\.sqlite\.claimName: Required value/,
    ],
    [
      'a string for a boolean',
      { database: SQLITE_DB, suspend: 'yes' },
      /spec\.suspend: Invalid value: "yes": .*boolean/,
    ],
  ];
  for (const [what, spec, message] of cases) {
    void it(what, () => assert.match(rejection(resource(spec)), message));
  }

  void it('a status phase outside the enum', () => {
    assert.match(
      rejection(resource({ database: SQLITE_DB }, { phase: 'Done' })),
      /status\.phase: Unsupported value: "Done"/,
    );
  });

  void it('reports every problem at once', () => {
    const message = rejection(
      resource({ database: SQLITE_DB, concurrency: 99, lockTimeout: 'soon', onFailure: 'x' }),
    );
    assert.equal(message.split('\n').length, 3, message);
  });
});

void describe('CRD admission: the CEL rules reject', () => {
  void it('PostgreSQL without its block', () => {
    assert.match(
      rejection(resource({ database: { dialect: 'postgresql' } })),
      /spec\.database: Invalid value: "object": dialect postgresql needs database\.postgresql with a secretRef/,
    );
  });

  void it('a secretRef with only some of user, password and database keys', () => {
    const secretRef = { name: 'db', userKey: 'POSTGRES_USER', passwordKey: 'POSTGRES_PASSWORD' };
    assert.match(
      rejection(resource({ database: { dialect: 'postgresql', postgresql: { host: 'db', secretRef } } })),
      /spec\.database\.postgresql\.secretRef: .*needs urlKey, or all of userKey, passwordKey and databaseKey/,
    );
  });

  void it('PostgreSQL with neither host nor hostKey nor URL', () => {
    const secretRef = { name: 'db', userKey: 'u', passwordKey: 'p', databaseKey: 'd' };
    assert.match(
      rejection(resource({ database: { dialect: 'postgresql', postgresql: { secretRef } } })),
      /spec\.database\.postgresql: .*needs host, or hostKey/,
    );
  });

  void it('SQLite without its block', () => {
    assert.match(
      rejection(resource({ database: { dialect: 'sqlite', postgresql: POSTGRES_DB.postgresql } })),
      /spec\.database: .*dialect sqlite needs database\.sqlite with claimName and path/,
    );
  });

  void it('a repeated phase (list-type set)', () => {
    const message = rejection(resource({ database: SQLITE_DB, phases: ['core', 'rbac', 'core'] }));
    assert.equal(message, 'spec.phases[2]: Duplicate value: "core"');
  });

  void it('MariaDB without its block', () => {
    assert.match(
      rejection(resource({ database: { dialect: 'mariadb', postgresql: POSTGRES_DB.postgresql } })),
      /spec\.database: Invalid value: "object": dialect mariadb needs database\.mariadb with a secretRef/,
    );
  });

  void it('a MariaDB secretRef with only some of user, password and database keys', () => {
    const secretRef = { name: 'db', userKey: 'MARIADB_USER', databaseKey: 'MARIADB_DATABASE' };
    assert.match(
      rejection(resource({ database: { dialect: 'mariadb', mariadb: { host: 'db', secretRef } } })),
      /spec\.database\.mariadb\.secretRef: .*needs urlKey, or all of userKey, passwordKey and databaseKey/,
    );
  });

  void it('MariaDB with neither host nor hostKey nor URL', () => {
    const secretRef = { name: 'db', userKey: 'u', passwordKey: 'p', databaseKey: 'd' };
    assert.match(
      rejection(resource({ database: { dialect: 'mariadb', mariadb: { secretRef } } })),
      /spec\.database\.mariadb: .*needs host, or hostKey/,
    );
  });

  void it("a MariaDB sslMode outside MariaDB's names", () => {
    const secretRef = { name: 'db', urlKey: 'URL' };
    assert.match(
      rejection(resource({ database: { dialect: 'mariadb', mariadb: { secretRef, sslMode: 'require' } } })),
      /spec\.database\.mariadb\.sslMode: Unsupported value: "require": supported values: "disable", "trust", "verify-ca", "verify-full"/,
    );
  });

  void it('fills port 3306 into a MariaDB block, and keeps hostKey and the keys given', () => {
    const secretRef = {
      name: 'mariadb',
      userKey: 'MARIADB_USER',
      passwordKey: 'MARIADB_PASSWORD',
      databaseKey: 'MARIADB_DATABASE',
    };
    const obj = admitted(
      resource({ database: { dialect: 'mariadb', mariadb: { hostKey: 'MARIADB_HOST', secretRef } } }),
    );
    assert.deepEqual(obj.spec.database, {
      dialect: 'mariadb',
      mariadb: { hostKey: 'MARIADB_HOST', port: 3306, secretRef },
    });
  });

  void it('accepts a URL-only secretRef without host', () => {
    admitted(
      resource({
        database: {
          dialect: 'postgresql',
          postgresql: { secretRef: { name: 'db', urlKey: 'DATABASE_URL' } },
        },
      }),
    );
  });
});
