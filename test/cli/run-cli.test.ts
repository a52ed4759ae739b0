import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli } from '../../src/cli/run-cli.js';
import { lazyCommand, type Command, type CommandContext } from '../../src/cli/command.js';
import { PermanentError, UsageError } from '../../src/errors.js';
import { memoryIo } from './memory-io.js';

/** A command that records its context and does what its --do flag says. */
function fakeCommand(seen: CommandContext[]): Command {
  return {
    name: 'fake',
    summary: 'a fake command',
    usage: '[--do ok|fail|usage|bug] [--count <n>]',
    options: {
      do: { type: 'string', valueName: 'ok|fail|usage|bug', description: 'what to do' },
      count: { type: 'string', description: 'a number' },
      flag: { type: 'boolean', description: 'a switch' },
    },
    run(ctx) {
      seen.push(ctx);
      switch (String(ctx.values['do'])) {
        case 'fail':
          throw new PermanentError('it broke at postgres://u:hunter2@db:5432/x');
        case 'usage':
          throw new UsageError('bad thing');
        case 'bug':
          throw new TypeError('oops');
        default:
          return Promise.resolve(0);
      }
    },
  };
}

void test('global flags before or after the command; env fallback; values reach the command', async () => {
  const seen: CommandContext[] = [];
  const io = memoryIo({ DATABASE_URL: 'sqlite:env.db' });
  assert.equal(
    await runCli(['--output', 'json', 'fake', '--count', '3', '--flag'], io, [fakeCommand(seen)]),
    0,
  );
  assert.equal(await runCli(['fake', '--database=sqlite:flag.db'], io, [fakeCommand(seen)]), 0);
  assert.equal(seen[0]?.global.output, 'json');
  assert.equal(seen[0]?.global.databaseUrl, 'sqlite:env.db');
  assert.equal(seen[0]?.values['count'], '3');
  assert.equal(seen[0]?.values['flag'], true);
  assert.equal(seen[1]?.global.databaseUrl, 'sqlite:flag.db');
});

void test('help: overall and per command, exit 0, on stdout', async () => {
  const io = memoryIo();
  assert.equal(await runCli(['--help'], io, [fakeCommand([])]), 0);
  assert.match(
    io.out(),
    /Usage: index-operator <command>[\s\S]*fake\s+a fake command[\s\S]*--database <url>/,
  );
  const io2 = memoryIo();
  assert.equal(await runCli(['fake', '-h'], io2, [fakeCommand([])]), 0);
  assert.match(io2.out(), /Usage: index-operator fake \[--do[\s\S]*--count <value>[\s\S]*Global flags/);
  const io3 = memoryIo();
  assert.equal(await runCli(['help', 'fake'], io3, [fakeCommand([])]), 0);
  assert.match(io3.out(), /Usage: index-operator fake/);
});

void test('no command: help on stderr, exit 2; unknown command names the known ones', async () => {
  const io = memoryIo();
  assert.equal(await runCli([], io, [fakeCommand([])]), 2);
  assert.match(io.err(), /Usage: index-operator/);
  const io2 = memoryIo();
  assert.equal(await runCli(['frobnicate'], io2, [fakeCommand([])]), 2);
  assert.match(io2.err(), /unknown command 'frobnicate'; commands: fake/);
});

void test('flag problems are all reported at once with exit 2 and the command is not run', async () => {
  const seen: CommandContext[] = [];
  const io = memoryIo();
  const code = await runCli(['fake', '--nope', '--count', '--flag', '--flag=yes', 'extra'], io, [
    fakeCommand(seen),
  ]);
  assert.equal(code, 2);
  assert.equal(seen.length, 0);
  const err = io.err();
  assert.match(err, /unknown flag '--nope'/);
  assert.match(err, /--count needs a value/);
  assert.match(err, /--flag takes no value/);
  assert.match(err, /unexpected argument 'extra'/);
  assert.match(err, /accepts: --database, --output/);
});

void test('bad global values are usage errors naming what is accepted', async () => {
  const io = memoryIo();
  assert.equal(await runCli(['fake', '--output', 'xml'], io, [fakeCommand([])]), 2);
  assert.match(io.err(), /--output 'xml' is not accepted: use one of text, json/);
});

void test('exit codes: usage error 2, run failure 1, bug 1 with stack; passwords never printed', async () => {
  const io = memoryIo();
  assert.equal(await runCli(['fake', '--do', 'usage'], io, [fakeCommand([])]), 2);
  assert.match(io.err(), /index-operator: bad thing/);
  const io2 = memoryIo();
  assert.equal(await runCli(['fake', '--do', 'fail', '--log-level', 'error'], io2, [fakeCommand([])]), 1);
  assert.match(io2.err(), /it broke at postgres:\/\/u:\[redacted\]@db:5432\/x/);
  assert.match(io2.err(), /"level":"error"/);
  assert.doesNotMatch(io2.err(), /hunter2/);
  const io3 = memoryIo();
  assert.equal(await runCli(['fake', '--do', 'bug'], io3, [fakeCommand([])]), 1);
  assert.match(io3.err(), /TypeError: oops\n\s+at /);
});

void test('--output json: a failure is one JSON document on stdout', async () => {
  const io = memoryIo();
  assert.equal(await runCli(['fake', '--do', 'fail', '--output', 'json'], io, [fakeCommand([])]), 1);
  const doc = JSON.parse(io.out()) as {
    ok: boolean;
    exitCode: number;
    error: { class: string; message: string };
  };
  assert.equal(doc.ok, false);
  assert.equal(doc.exitCode, 1);
  assert.equal(doc.error.class, 'permanent');
  assert.doesNotMatch(io.out(), /hunter2/);
  const io2 = memoryIo();
  assert.equal(await runCli(['fake', '--nope', '--output=json'], io2, [fakeCommand([])]), 2);
  assert.equal((JSON.parse(io2.out()) as { error: { class: string } }).error.class, 'usage');
});

void test('a lazy command is loaded only when it runs or shows its help', async () => {
  let loads = 0;
  const lazy = lazyCommand('later', 'a lazy command', () => {
    loads += 1;
    return Promise.resolve({ ...fakeCommand([]), name: 'later' });
  });
  const io = memoryIo();
  assert.equal(await runCli(['fake'], io, [fakeCommand([]), lazy]), 0);
  assert.equal(await runCli(['--help'], io, [fakeCommand([]), lazy]), 0);
  assert.match(io.out(), /later\s+a lazy command/);
  assert.equal(loads, 0);
  assert.equal(await runCli(['later', '--do', 'ok'], io, [fakeCommand([]), lazy]), 0);
  assert.equal(await runCli(['help', 'later'], io, [fakeCommand([]), lazy]), 0);
  assert.equal(loads, 2);
});

void test('unknown flags and bad global values are reported together in one message', async () => {
  const io = memoryIo();
  const code = await runCli(['fake', '--nope', '--x=1', '--output', 'xml', '--log-level', 'loud'], io, [
    fakeCommand([]),
  ]);
  assert.equal(code, 2);
  assert.match(io.err(), /3 problems/);
  assert.match(io.err(), /unknown flags '--nope', '--x'/);
  assert.match(io.err(), /--output 'xml' is not accepted/);
  assert.match(io.err(), /--log-level 'loud' is not accepted/);
});

void test('a negative number after a flag is not taken as its value; the message shows the = form', async () => {
  const io = memoryIo();
  assert.equal(await runCli(['fake', '--count', '-1'], io, [fakeCommand([])]), 2);
  assert.match(io.err(), /--count needs a value; for a value starting with '-' write --count=-1/);
  const seen: CommandContext[] = [];
  assert.equal(await runCli(['fake', '--count=-1'], memoryIo(), [fakeCommand(seen)]), 0);
  assert.equal(seen[0]?.values['count'], '-1');
});
