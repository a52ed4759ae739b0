/**
 * The README's command examples run, so they cannot rot: every `index-operator` line of the SQLite
 * example block under "Command reference", in order, in a temp directory, with the catalogue file the
 * README shows. A trailing `# exit N` comment gives the expected exit code (default 0).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freshSqlite } from '../helpers/databases.js';
import { REPO_ROOT, describeResult, runCliProcess } from './cli-process.js';

const README = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');

/** The text of one `## ` section. */
function section(title: string): string {
  const start = README.indexOf(`\n## ${title}\n`);
  assert.ok(start >= 0, `README has a "## ${title}" section`);
  const end = README.indexOf('\n## ', start + 1);
  return README.slice(start, end < 0 ? undefined : end);
}

/** Fenced blocks of a language in a text. */
function blocks(text: string, lang: string): string[] {
  return [...text.matchAll(new RegExp('```' + lang + '\\n([\\s\\S]*?)```', 'g'))].map((m) => m[1] ?? '');
}

interface Example {
  readonly line: string;
  readonly args: string[];
  readonly exit: number;
}

/** `index-operator a --b 'c d'  # exit 2: why` → args and expected exit code. */
function parseExample(line: string): Example {
  const [command = '', comment = ''] = line.split(/\s+#\s*/, 2);
  const words = [...command.matchAll(/'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2] ?? '');
  assert.equal(words.shift(), 'index-operator');
  const exit = /^exit (\d)/.exec(comment)?.[1];
  return { line, args: words, exit: exit === undefined ? 0 : Number(exit) };
}

void test('README: the command reference documents every command and the configuration flags', () => {
  const reference = section('Command reference');
  for (const command of ['plan', 'up', 'down', 'status', 'health', 'verify', 'seed', 'demo', 'operator']) {
    assert.match(reference, new RegExp(`\\| \`${command}\` \\|`), `command ${command} is documented`);
  }
  const configuration = section('Configuration');
  for (const flag of [
    '--database',
    '--output',
    '--catalogue',
    '--catalogue-file',
    '--log-level',
    'DATABASE_URL',
  ]) {
    assert.ok(configuration.includes(flag), `${flag} is documented`);
  }
});

void test('README: the SQLite examples run and exit as documented', { timeout: 300_000 }, async () => {
  const reference = section('Command reference');
  const sqliteBlock = blocks(reference, 'sh').find((b) => b.includes('sqlite:'));
  assert.ok(sqliteBlock, 'a sh block with sqlite examples');
  const examples = sqliteBlock
    .split('\n')
    .filter((l) => l.startsWith('index-operator '))
    .map(parseExample);
  assert.ok(examples.length >= 6, 'the block has the examples');
  const catalogueJson = blocks(reference, 'json')[0];
  assert.ok(catalogueJson, 'the README shows a catalogue file');

  const dir = join(freshSqlite('e3readme').name, '..');
  writeFileSync(join(dir, 'my-catalogue.json'), catalogueJson);
  for (const example of examples) {
    const r = await runCliProcess(example.args, { cwd: dir });
    assert.equal(r.code, example.exit, `${example.line}\n${describeResult(r)}`);
    if (example.exit === 2) assert.match(r.stderr, /known phases: core, rbac/);
  }
});
