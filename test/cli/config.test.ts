import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  parseDownConfig,
  parseDuration,
  parseGlobalConfig,
  parseList,
  parsePlanConfig,
  parseUpConfig,
} from '../../src/config.js';
import { UsageError } from '../../src/errors.js';
import { redactUrl } from '../../src/redact.js';

const PHASES = ['core', 'rbac', 'teams'];
const DEFAULTS = {
  concurrency: 1,
  lockTimeoutMs: 5000,
  statementTimeoutMs: 0,
  lockWaitMs: 0,
  retries: { limit: 3, backoffMs: 1000 },
};

void test('durations: ms, s, m, h, decimals and bare milliseconds; malformed is undefined', () => {
  const cases: [string, number | undefined][] = [
    ['250ms', 250],
    ['5s', 5000],
    ['1.5s', 1500],
    ['2m', 120_000],
    ['1h', 3_600_000],
    ['0', 0],
    ['750', 750],
    ['5 s', undefined],
    ['-1s', undefined],
    ['5d', undefined],
    ['', undefined],
    ['s', undefined],
  ];
  for (const [text, ms] of cases) assert.equal(parseDuration(text), ms, text);
});

void test('lists: comma-separated and repeated, trimmed, empties dropped', () => {
  assert.deepEqual(parseList('core, rbac,,teams'), ['core', 'rbac', 'teams']);
  assert.deepEqual(parseList(['core', 'rbac,teams']), ['core', 'rbac', 'teams']);
  assert.equal(parseList(undefined), undefined);
});

void test('global config: flags win over env; defaults; bad values listed together', () => {
  const g = parseGlobalConfig({ output: 'json' }, { DATABASE_URL: 'sqlite:x.db', LOG_LEVEL: 'debug' });
  assert.deepEqual(g, {
    databaseUrl: 'sqlite:x.db',
    output: 'json',
    catalogue: undefined,
    catalogueFile: undefined,
    logLevel: 'debug',
  });
  assert.equal(
    parseGlobalConfig({ database: 'sqlite:y.db' }, { DATABASE_URL: 'sqlite:x.db' }).databaseUrl,
    'sqlite:y.db',
  );
  assert.equal(parseGlobalConfig({}, {}).logLevel, 'warn');
  assert.throws(
    () => parseGlobalConfig({ output: 'yaml', 'log-level': 'loud' }, {}),
    (e: unknown) =>
      e instanceof UsageError &&
      /2 problems/.test(e.message) &&
      /--output 'yaml'.*text, json/.test(e.message) &&
      /--log-level 'loud'.*fatal, error, warn/.test(e.message),
  );
});

void test('up config: typed values; every problem reported at once, naming the known phases', () => {
  const ok = parseUpConfig(
    {
      phases: 'teams,core',
      concurrency: '2',
      'lock-timeout': '5s',
      'statement-timeout': '30m',
      'maintenance-work-mem': '256MB',
      retries: '4',
      'retry-backoff': '250ms',
      'on-failure': 'halt',
      'lock-wait': '1m',
      'pause-between-builds': '10s',
      'max-parallel-maintenance-workers': '0',
    },
    PHASES,
    DEFAULTS,
  );
  assert.deepEqual(ok, {
    phases: ['teams', 'core'],
    lockTimeoutMs: 5000,
    statementTimeoutMs: 1_800_000,
    maintenanceWorkMem: '256MB',
    lockWaitMs: 60_000,
    snapshotWaitMs: undefined,
    concurrency: 2,
    retries: { limit: 4, backoffMs: 250 },
    onFailure: 'halt',
    pauseBetweenBuildsMs: 10_000,
    maxParallelMaintenanceWorkers: 0,
  });
  assert.throws(
    () =>
      parseUpConfig(
        {
          phases: 'core,nope',
          concurrency: '0',
          'lock-timeout': 'soon',
          'maintenance-work-mem': "1GB'; DROP TABLE x; --",
          'on-failure': 'panic',
        },
        PHASES,
        DEFAULTS,
      ),
    (e: unknown) => {
      assert.ok(e instanceof UsageError);
      assert.match(e.message, /5 problems/);
      assert.match(e.message, /unknown phase 'nope'; known phases: core, rbac, teams/);
      assert.match(e.message, /--concurrency '0' must be a whole number from 1 to 64/);
      assert.match(e.message, /--lock-timeout 'soon' is not a duration/);
      assert.match(e.message, /--maintenance-work-mem .* is not a size/);
      assert.match(
        e.message,
        /--on-failure 'panic' is not accepted: use one of rollback-phase, rollback-all, halt/,
      );
      return true;
    },
  );
});

void test('up config: absent flags stay undefined so the engine defaults apply; retries fill from defaults', () => {
  const c = parseUpConfig({ 'retry-backoff': '2s' }, PHASES, DEFAULTS);
  assert.equal(c.phases, undefined);
  assert.equal(c.concurrency, undefined);
  assert.deepEqual(c.retries, { limit: 3, backoffMs: 2000 });
});

void test('plan/down config: empty --phases, unknown --to, --to with --phases are usage errors', () => {
  assert.throws(() => parsePlanConfig({ phases: ',' }, PHASES), /--phases is empty/);
  assert.deepEqual(parseDownConfig({ to: 'core' }, PHASES).to, 'core');
  assert.throws(
    () => parseDownConfig({ to: 'zzz' }, PHASES),
    /--to: unknown phase 'zzz'; known phases: core, rbac, teams/,
  );
  assert.throws(() => parseDownConfig({ to: 'core', phases: 'rbac' }, PHASES), /cannot be used together/);
});

void test('libpq environment (PGHOST, PGUSER, PGPASSWORD, …) gives the database when DATABASE_URL is absent', () => {
  const env = {
    PGHOST: 'db',
    PGUSER: 'app',
    PGPASSWORD: 'p@ss:w/rd',
    PGDATABASE: 'mcp',
    PGSSLMODE: 'require',
  };
  const url = parseGlobalConfig({}, env).databaseUrl;
  assert.equal(url, 'postgres://app:p%40ss%3Aw%2Frd@db:5432/mcp?sslmode=require');
  assert.equal(new URL(url ?? '').password, 'p%40ss%3Aw%2Frd');
  assert.doesNotMatch(redactUrl(url ?? ''), /p%40ss/);
  assert.equal(parseGlobalConfig({}, { ...env, DATABASE_URL: 'sqlite:x.db' }).databaseUrl, 'sqlite:x.db');
  assert.equal(parseGlobalConfig({}, { PGUSER: 'app' }).databaseUrl, undefined, 'no PGHOST, no URL');
});

void test('MariaDB environment (MARIADB_HOST, MARIADB_USER, MARIADB_PASSWORD, …) gives a mariadb:// URL', () => {
  const env = {
    MARIADB_HOST: 'mariadb',
    MARIADB_PORT: '3307',
    MARIADB_USER: 'app',
    MARIADB_PASSWORD: 'p@ss:w/rd',
    MARIADB_DATABASE: 'mcp',
  };
  const url = parseGlobalConfig({}, env).databaseUrl;
  assert.equal(url, 'mariadb://app:p%40ss%3Aw%2Frd@mariadb:3307/mcp');
  assert.doesNotMatch(redactUrl(url ?? ''), /p%40ss/);
  const { MARIADB_PORT: _port, ...noPort } = env;
  assert.equal(parseGlobalConfig({}, noPort).databaseUrl, 'mariadb://app:p%40ss%3Aw%2Frd@mariadb:3306/mcp');
  assert.equal(parseGlobalConfig({}, { ...env, DATABASE_URL: 'sqlite:x.db' }).databaseUrl, 'sqlite:x.db');
  assert.equal(parseGlobalConfig({}, { MARIADB_USER: 'app' }).databaseUrl, undefined, 'no host, no URL');
  assert.equal(
    parseGlobalConfig({}, { ...env, MARIADB_SSL_MODE: 'verify-full' }).databaseUrl,
    'mariadb://app:p%40ss%3Aw%2Frd@mariadb:3307/mcp?sslMode=verify-full',
  );
  const withUrl = (url: string): string | undefined =>
    parseGlobalConfig({}, { DATABASE_URL: url, MARIADB_SSL_MODE: 'trust' }).databaseUrl;
  assert.equal(withUrl('mysql://app@db/mcp'), 'mysql://app@db/mcp?sslMode=trust', 'the mode joins the URL');
  assert.equal(withUrl('mariadb://app@db/mcp?sslMode=disable'), 'mariadb://app@db/mcp?sslMode=disable');
  assert.equal(withUrl('postgres://app@db/mcp'), 'postgres://app@db/mcp', "not another server's URL");
});

void test('issue 11: timeouts above what the database accepts and repeated phases are usage errors', () => {
  assert.throws(
    () => parseUpConfig({ 'lock-timeout': '600h', 'statement-timeout': '25d' }, PHASES, DEFAULTS),
    (e: unknown) => {
      assert.ok(e instanceof Error);
      assert.match(e.message, /--lock-timeout '600h' is 2160000000ms, more than the 2147483647ms/);
      assert.match(e.message, /--statement-timeout '25d' is not a duration/);
      return true;
    },
  );
  assert.equal(parseUpConfig({ 'lock-timeout': '596h' }, PHASES, DEFAULTS).lockTimeoutMs, 2_145_600_000);
  const [first] = PHASES;
  assert.throws(
    () => parsePlanConfig({ phases: `${first},${first}` }, PHASES),
    new RegExp(`--phases names '${first}' more than once`),
  );
  assert.throws(() => parseDownConfig({ phases: `${first}, ${first}` }, PHASES), /more than once/);
});
