import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli } from '../../src/cli/run-cli.js';
import { memoryIo } from './memory-io.js';

async function help(command: string): Promise<string> {
  const io = memoryIo();
  assert.equal(await runCli([command, '--help'], io), 0);
  return io.out();
}

void test('down --help: --phases rolls back every applied phase by default, newest first', async () => {
  const down = await help('down');
  const line = down.split('\n').find((l) => l.trimStart().startsWith('--phases'));
  assert.ok(line !== undefined, down);
  assert.match(line, /every applied phase/);
  assert.match(line, /newest first/);
  assert.doesNotMatch(line, /catalogue order/);
});

void test('up --help: --phases runs in catalogue order', async () => {
  const up = await help('up');
  assert.match(up, /--phases <a,b,…>\s+comma-separated phase names \(default: all, in catalogue order\)/);
});
