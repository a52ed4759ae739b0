import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { UsageError } from '../../src/errors.js';
import { describeTarget, parseDatabaseUrl } from '../../src/dialects/database-url.js';

void describe('parseDatabaseUrl', () => {
  const good: readonly [string, string, Record<string, unknown>][] = [
    [
      'postgres://app:pw@db.example:6543/mcp',
      'postgresql://app@db.example:6543/mcp',
      { host: 'db.example', port: 6543, database: 'mcp', user: 'app', password: 'pw' },
    ],
    [
      'postgresql://app@127.0.0.1/mcp',
      'postgresql://app@127.0.0.1:5432/mcp',
      { port: 5432, password: undefined },
    ],
    ['postgresql://127.0.0.1:5432/mcp', 'postgresql://127.0.0.1:5432/mcp', { user: undefined }],
    [
      'POSTGRES://a%40b:p%2Fw@h/my%20db?sslmode=require',
      'postgresql://a%40b@h:5432/my db',
      { user: 'a@b', password: 'p/w', database: 'my db' },
    ],
    ['postgres://u@[::1]:5433/d', 'postgresql://u@[::1]:5433/d', { host: '::1' }],
    ['sqlite:data/mcp.db', 'data/mcp.db', { path: 'data/mcp.db' }],
    ['sqlite:/abs/mcp.db', '/abs/mcp.db', { path: '/abs/mcp.db' }],
    ['sqlite:///abs/mcp.db', '/abs/mcp.db', { path: '/abs/mcp.db' }],
    ['sqlite://rel.db', 'rel.db', { path: 'rel.db' }],
    ['sqlite::memory:', ':memory:', { path: ':memory:' }],
    [
      'mariadb://app:pw@db.example/mcp',
      'mariadb://app@db.example:3306/mcp',
      { dialect: 'mariadb', port: 3306, database: 'mcp', user: 'app', password: 'pw' },
    ],
    ['mysql://root@127.0.0.1:3307/x', 'mariadb://root@127.0.0.1:3307/x', { dialect: 'mariadb', port: 3307 }],
  ];
  for (const [url, target, fields] of good) {
    void it(`accepts ${url}`, () => {
      const parsed = parseDatabaseUrl(url);
      assert.equal(describeTarget(parsed), target);
      for (const [k, v] of Object.entries(fields))
        assert.deepEqual((parsed as unknown as Record<string, unknown>)[k], v, k);
    });
  }

  const bad: readonly [string, RegExp][] = [
    ['', /empty/],
    ['   ', /empty/],
    ['localhost:5432/mcp', /unknown scheme 'localhost:'/],
    ['/var/data/mcp.db', /no scheme/],
    ['mariadb:h/db', /starts with 'mariadb:\/\/'/],
    ['mysql://u@h/', /database name is missing/],
    ['http://h/db', /unknown scheme 'http:'/],
    ['postgres:h/db', /starts with 'postgresql:\/\/'/],
    ['postgres://u@h:99999/db', /not a valid URL|port is invalid/],
    ['postgres://u@h:0/db', /port is invalid/],
    ['postgres://u@h:5432', /database name is missing/],
    ['postgres://u@h:5432/', /database name is missing/],
    ['postgres://u@h/a/b', /database name is missing or contains a slash/],
    ['postgres:///db', /not a valid URL|host is missing/],
    ['postgres://u:%zz@h/db', /malformed %-escape/],
    ['sqlite:', /path is empty/],
    ['sqlite://', /path is empty/],
  ];
  for (const [url, why] of bad) {
    void it(`rejects ${JSON.stringify(url)} with a UsageError that shows a valid URL`, () => {
      assert.throws(
        () => parseDatabaseUrl(url),
        (e: unknown) => {
          assert.ok(e instanceof UsageError);
          assert.match(e.message, why);
          assert.match(e.message, /expected postgresql:\/\/user\[:password\]@host\[:port\]\/database/);
          assert.match(e.message, /sqlite:<path>/);
          assert.match(e.message, /mariadb:\/\/user/);
          return true;
        },
      );
    });
  }

  void it('never repeats the password of a rejected URL', () => {
    assert.throws(
      () => parseDatabaseUrl('mssql://app:hunter2@h/db'),
      (e: unknown) =>
        e instanceof UsageError && !e.message.includes('hunter2') && e.message.includes('not shown'),
    );
  });
});

void it('issue 11: an unencoded / ? or # before the last @ is refused, never read as host or database', () => {
  for (const url of [
    'postgresql://%40:/QQQ#QQ@127.0.0.1:5432/db',
    'postgresql://rel_pw:ab/CD+ef==@127.0.0.1:5432/rel_main',
    'postgresql://u:12/ss@127.0.0.1:5432/db',
    'postgresql://u:a?b@127.0.0.1/db',
  ]) {
    assert.throws(
      () => parseDatabaseUrl(url),
      (e: unknown) => e instanceof UsageError && /comes before the last @/.test(e.message),
      url,
    );
  }
  const ok = parseDatabaseUrl('postgresql://u:ab%2FCD+ef%3D%3D@127.0.0.1:5432/rel_main');
  assert.equal(ok.dialect === 'postgresql' && ok.password, 'ab/CD+ef==');
});
