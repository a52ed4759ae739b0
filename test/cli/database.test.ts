import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cannotConnect } from '../../src/cli/database.js';
import { UsageError } from '../../src/errors.js';

void test('cannot connect: the target and the advice, said once, never the password', () => {
  const plain = cannotConnect(
    'postgresql://app@db:5432/mcp',
    new Error('socket hang up at postgres://app:hunter2@db/x'),
  );
  assert.ok(plain instanceof UsageError);
  assert.match(plain.message, /^cannot connect to postgresql:\/\/app@db:5432\/mcp: socket hang up/);
  assert.match(plain.message, /check the host, port, database name and credentials/);
  assert.ok(!plain.message.includes('hunter2'), plain.message);

  const fromDialect = cannotConnect(
    'postgresql://app@db:5432/mcp',
    new Error(
      'cannot connect to PostgreSQL at db:5432 (database mcp, user app): The server does not support SSL connections (other)',
    ),
  );
  assert.match(
    fromDialect.message,
    /^cannot connect to PostgreSQL at db:5432 .*SSL connections \(other\); check the host/,
  );
  assert.equal(fromDialect.message.split('cannot connect to').length, 2, 'said once');
});
