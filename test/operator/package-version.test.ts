import { after, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageVersion } from '../../src/operator/package-version.js';

const dir = mkdtempSync(join(tmpdir(), 'iopver-'));
after(() => rmSync(dir, { recursive: true, force: true }));

void it('reads the version of the checkout (src/ under tsx)', () => {
  const { version } = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
  assert.equal(packageVersion(), version);
});

void it('finds /app/package.json from /app/dist/src/operator, as in the image, past other package.json files', () => {
  const app = join(dir, 'app');
  const moduleDir = join(app, 'dist', 'src', 'operator');
  mkdirSync(moduleDir, { recursive: true });
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'index-operator', version: '9.8.7' }));
  // A package.json of another package (e.g. a {"type":"module"} marker) nearer the module is skipped.
  writeFileSync(join(app, 'dist', 'package.json'), JSON.stringify({ type: 'module' }));
  assert.equal(packageVersion(moduleDir), '9.8.7');
});

void it('gives undefined when no index-operator package.json is above the directory', () => {
  const lone = join(dir, 'lone', 'a', 'b');
  mkdirSync(lone, { recursive: true });
  writeFileSync(join(dir, 'lone', 'package.json'), '{ not json');
  assert.equal(packageVersion(lone), undefined);
});
