/**
 * Issue 11, defect 2: no byte of a password in any output, for any input. Property-based: URLs whose
 * user and password hold every special character (raw or %-encoded, so some parse and reach the
 * server, some are malformed), given by flag or DATABASE_URL, through every command that takes a
 * database and both output formats, with debug logs. Nothing of the password may appear on stdout or
 * stderr (the log): not whole, not a half, not %-encoded, not JSON-escaped.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { runCli } from '../../src/cli/run-cli.js';
import { memoryIo } from './memory-io.js';

const SPECIALS = [...`@/+=:?#%&'" \\!$*,;[]{}~^|<>é`];
/** Letters used only in passwords (and never together in our output), so a leaked piece is seen. */
const PASSWORD_LETTERS = [...'QXZJKVW'];
const USER_LETTERS = [...'abcdefgh'];

const piece = (letters: readonly string[]) =>
  fc.oneof(
    fc.constantFrom(...SPECIALS),
    fc.array(fc.constantFrom(...letters), { minLength: 2, maxLength: 5 }).map((a) => a.join('')),
  );
const password = fc
  .array(piece(PASSWORD_LETTERS), { minLength: 2, maxLength: 8 })
  .map((a) => a.join(''))
  .filter((p) => [...p].filter((c) => PASSWORD_LETTERS.includes(c)).length >= 4);
const user = fc.array(piece(USER_LETTERS), { minLength: 1, maxLength: 4 }).map((a) => a.join(''));

const COMMANDS = ['plan', 'up', 'down', 'status', 'health', 'verify', 'seed'] as const;

/** Every run of ≥ 3 password letters (with what lies between them) — a piece that must never show. */
function pieces(secret: string): string[] {
  const out = new Set<string>([secret, encodeURIComponent(secret)]);
  for (let i = 0; i < secret.length; i++) {
    for (let j = i + 3; j <= secret.length; j++) {
      const part = secret.slice(i, j);
      if ([...part].filter((c) => PASSWORD_LETTERS.includes(c)).length >= 3) out.add(part);
    }
  }
  return [...out];
}

void test('no piece of a password reaches stdout, stderr or the log, for any URL, command and format', async () => {
  await fc.assert(
    fc.asyncProperty(
      user,
      password,
      fc.boolean(),
      fc.boolean(),
      fc.constantFrom(...COMMANDS),
      fc.constantFrom('text', 'json'),
      fc.constantFrom('flag', 'inline', 'env'),
      async (u, p, encodeUser, encodePassword, command, output, via) => {
        const userPart = encodeUser ? encodeURIComponent(u) : u;
        const passwordPart = encodePassword ? encodeURIComponent(p) : p;
        const url = `postgresql://${userPart}:${passwordPart}@127.0.0.1:5432/leak_db`;
        const args = [command, '--output', output, '--log-level', 'debug', '--catalogue', 'example'];
        if (via === 'flag') args.push('--database', url);
        if (via === 'inline') args.push(`--database=${url}`);
        const io = memoryIo(via === 'env' ? { DATABASE_URL: url } : {});
        const code = await runCli(args, io);
        const seen = `${io.out()}\n${io.err()}`;
        assert.ok(code === 1 || code === 2, `exit ${code}`);
        for (const part of pieces(p)) {
          assert.ok(!seen.includes(part), `'${part}' of the password shows in:\n${seen}`);
        }
      },
    ),
    { numRuns: 150 },
  );
});

void test('the reported malformed URL: a base64 password with / + = leaks nowhere', async () => {
  for (const output of ['text', 'json']) {
    const io = memoryIo();
    const url = 'postgresql://rel_pw:ab/CD+ef==@127.0.0.1:5432/rel_main';
    const code = await runCli(['up', '--database', url, '--output', output, '--log-level', 'debug'], io);
    assert.equal(code, 2);
    const seen = io.out() + io.err();
    for (const part of ['ab/CD+ef==', 'CD+ef', 'ab/CD']) assert.ok(!seen.includes(part), seen);
    assert.match(seen, /invalid database URL/);
    assert.match(seen, /must be %-encoded/);
  }
});
