import { test } from 'node:test';
import assert from 'node:assert/strict';
import { redactUrl } from '../../src/redact.js';

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
