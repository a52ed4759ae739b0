import { test } from 'node:test';
import assert from 'node:assert/strict';
import { redactUrl, scrubSecrets, secretsIn } from '../../src/redact.js';

void test('URL passwords are redacted wherever they appear; everything else is kept', () => {
  const cases: [string, string][] = [
    ['postgres://app:s3cret@db:5432/app', 'postgres://app:[redacted]@db:5432/app'],
    ['connect to postgresql://a:p%40ss@h/d failed', 'connect to postgresql://a:[redacted]@h/d failed'],
    ['postgres://u:pw@[::1]:5432/d', 'postgres://u:[redacted]@[::1]:5432/d'],
    ['host=h password=hunter2 user=u', 'host=h password=[redacted] user=u'],
    ['postgres://app@db:5432/app', 'postgres://app@db:5432/app'],
    ['sqlite:/data/app.db', 'sqlite:/data/app.db'],
    // a usage hint that shows the URL shape is not mangled
    [
      'expected postgresql://user[:password]@host[:port]/database',
      'expected postgresql://user[:password]@host[:port]/database',
    ],
  ];
  for (const [input, expected] of cases) assert.equal(redactUrl(input), expected, input);
});

void test('issue 11: a password holding @ or / is redacted whole; secrets are found in malformed URLs', () => {
  assert.equal(redactUrl('postgresql://u:p@ss@h/d'), 'postgresql://u:[redacted]@h/d');
  assert.equal(
    redactUrl("'postgresql://rel_pw:ab/CD+ef==@127.0.0.1:5432/rel_main'"),
    "'postgresql://rel_pw:[redacted]@127.0.0.1:5432/rel_main'",
  );
  const secrets = secretsIn(['up', '--database=postgresql://a@b:pa ss/wo"rd@h:5432/db'], {
    PGPASSWORD: 'from env',
  });
  for (const s of ['pa ss/wo"rd', 'pa ss/wo\\"rd', 'pa%20ss%2Fwo%22rd', 'from env', 'from%20env']) {
    assert.ok(secrets.includes(s), s);
  }
  assert.equal(scrubSecrets('x pa ss/wo"rd y', secrets), 'x [redacted] y');
  assert.deepEqual(secretsIn(['postgres://app@db:5432/app', 'sqlite:/a:b@c'], {}), []);
  const mariadb = secretsIn(['up'], { MARIADB_PASSWORD: 'maria pw/1' });
  for (const s of ['maria pw/1', 'maria%20pw%2F1']) assert.ok(mariadb.includes(s), s);
});
