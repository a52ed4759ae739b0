/**
 * The image check: runs the image that scripts/image/build.sh built ($IMAGE_REF, default
 * localhost/index-operator:ci) with buildah, as Kubernetes runs it: uid 10001, every directory of the
 * root file system bind-mounted read-only onto itself, a writable /tmp and a mounted volume (/data).
 * buildah ignores ENTRYPOINT, so each command is `node /app/bin/index-operator.js …`.
 *
 * Every command the README documents for a database runs on PostgreSQL (127.0.0.1) and on SQLite (a file
 * in the mounted volume, IMAGE_CHECK_ROUNDS rounds, default 3: better-sqlite3 once crashed there at
 * random) and must exit as the README says; then nothing may have changed in the container's file system
 * outside /tmp and the volume. It also reports the image's size and content and checks what must not be in
 * it (compiler leftovers, sources, the build's CA bundle, an npm cache).
 *
 * Not part of `npm test` (it needs buildah, root and a built image): `npm run test:image` runs it.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  existsSync,
  lstatSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
} from 'node:fs';
import { isBuiltin } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freshPostgres } from '../helpers/databases.js';
import { contextforgeCatalogue } from '../../migrations/contextforge/index.js';

const IMAGE = process.env['IMAGE_REF'] ?? 'localhost/index-operator:ci';
const ROUNDS = Number(process.env['IMAGE_CHECK_ROUNDS'] ?? 3);
const APP_USER = '10001:10001';
const INDEXES = contextforgeCatalogue.phases.reduce((n, p) => n + p.indexes.length, 0);

interface Run {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

function buildah(args: readonly string[], timeoutMs = 120_000): Run {
  const r = spawnSync('buildah', ['--storage-driver', 'vfs', ...args], {
    encoding: 'utf8',
    timeout: timeoutMs,
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.error) throw new Error(`buildah ${args.join(' ')}: ${r.error.message}`, { cause: r.error });
  return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

function ok(args: readonly string[]): string {
  const r = buildah(args);
  assert.equal(r.code, 0, `buildah ${args.join(' ')}: exit ${String(r.code)}\n${r.stderr}`);
  return r.stdout.trim();
}

function describe(r: Run, what: string): string {
  return `${what}: exit ${String(r.code)} signal ${String(r.signal)}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;
}

let container = '';
let rootfs = '';
let hostTmp = '';
let hostData = '';
let readOnlyMounts: string[] = [];
let manifestBefore = new Map<string, string>();

/** Type, mode, owner, size and mtime of every path of the container's file system, by path. */
function manifest(root: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      const st = lstatSync(path);
      const kind = st.isDirectory() ? 'd' : st.isSymbolicLink() ? 'l' : st.isFile() ? 'f' : 'o';
      out.set(
        path.slice(root.length),
        `${kind} ${st.mode.toString(8)} ${st.uid}:${st.gid} ${st.size} ${st.mtimeMs}`,
      );
      if (kind === 'd') walk(path);
    }
  };
  walk(root);
  return out;
}

before(() => {
  container = ok(['from', '--pull=never', '--name', `index-operator-check-${process.pid}`, IMAGE]);
  hostTmp = mkdtempSync(join(tmpdir(), 'image-check-tmp-'));
  hostData = mkdtempSync(join(tmpdir(), 'image-check-data-'));
  chmodSync(hostTmp, 0o1777);
  chownSync(hostData, 10001, 10001);
  // One plain command first, with the volumes: buildah writes /etc/hosts and /etc/resolv.conf and makes
  // the mount points (/data, /run/.containerenv) on the first run, which it cannot once those directories
  // are read-only. What it made is in the manifest taken after it, so only the commands' writes count.
  ok(['run', '--isolation', 'chroot', ...volumes(), container, '--', 'node', '--version']);
  rootfs = ok(['mount', container]);
  // /run stays writable for buildah's own mount points; the manifest comparison covers it.
  readOnlyMounts = readdirSync(rootfs, { withFileTypes: true })
    .filter((e) => e.isDirectory() && !['tmp', 'proc', 'sys', 'dev', 'run', 'data'].includes(e.name))
    .flatMap((e) => ['--volume', `${join(rootfs, e.name)}:/${e.name}:ro`]);
  manifestBefore = manifest(rootfs);
});

after(() => {
  if (container !== '') {
    buildah(['umount', container]);
    buildah(['rm', container]);
  }
  for (const dir of [hostTmp, hostData]) if (dir !== '') rmSync(dir, { recursive: true, force: true });
});

/** The writable mounts: /tmp (an emptyDir in the chart) and the volume /data. */
function volumes(): string[] {
  return ['--volume', `${hostTmp}:/tmp`, '--volume', `${hostData}:/data`];
}

/** `node /app/bin/index-operator.js <args>` in the image as uid 10001, root file system read-only. */
function cli(args: readonly string[], timeoutMs = 300_000): Run {
  return buildah(
    [
      'run',
      '--isolation',
      'chroot',
      '--user',
      APP_USER,
      ...readOnlyMounts,
      ...volumes(),
      container,
      '--',
      'node',
      '/app/bin/index-operator.js',
      ...args,
    ],
    timeoutMs,
  );
}

/** Runs a command, asserts its exit code and returns its stdout (stderr too with `both`). */
function expectExit(code: number, args: readonly string[], both = false): string {
  const r = cli(args);
  assert.equal(r.code, code, describe(r, `index-operator ${args.join(' ')}`));
  assert.doesNotMatch(
    r.stderr,
    /Assertion failed|Segmentation fault|core dumped/,
    describe(r, args.join(' ')),
  );
  return both ? `${r.stdout}${r.stderr}` : r.stdout;
}

void test('--help and operator --help exit 0', () => {
  assert.match(expectExit(0, ['--help']), /Usage: index-operator/);
  const operator = expectExit(0, ['operator', '--help']);
  assert.match(operator, /--job-image/);
  assert.match(operator, /--health-port/);
});

/** The README's commands on one database, each with the exit code and output the README promises. */
function databaseRound(url: string): void {
  assert.match(expectExit(0, ['seed', '--scale', 'small', '--database', url]), /data: [\d,]+ rows/);
  assert.match(expectExit(0, ['plan', '--database', url]), new RegExp(`Summary: ${INDEXES} create`));
  assert.match(expectExit(0, ['up', '--database', url]), /misc +succeeded/);
  assert.match(
    expectExit(0, ['status', '--database', url]),
    new RegExp(`^${INDEXES} index\\(es\\) owned by index-operator$`, 'm'),
  );
  assert.match(expectExit(0, ['verify', '--database', url]), /verify: all \d+ hot queries use an index/);
  assert.match(expectExit(0, ['health', '--database', url]), /^healthy/m);
  assert.match(expectExit(0, ['down', '--database', url]), /core +rolled back/);
  assert.match(expectExit(0, ['status', '--database', url]), /^0 index\(es\) owned by index-operator$/m);
  assert.match(expectExit(2, ['up', '--phases', 'nope', '--database', url], true), /nope.*core/s);
}

void test('PostgreSQL on 127.0.0.1: seed, plan, up, status, verify, health, down exit as the README says', async () => {
  const db = await freshPostgres('imagecheck');
  databaseRound(db.url);
});

for (let round = 1; round <= ROUNDS; round++) {
  void test(`SQLite in the mounted volume, round ${round} of ${ROUNDS}: every command exits as the README says`, () => {
    databaseRound(`sqlite:/data/round-${round}.db`);
    assert.ok(existsSync(join(hostData, `round-${round}.db`)), 'the database file is in the volume');
  });
}

void test('demo in /app (read-only) puts demo.db under /tmp and says so', () => {
  const out = expectExit(0, ['demo', '--scale', 'small', '--runs', '1']);
  assert.match(
    out,
    /the working directory \/app is not writable: demo\.db goes to \/tmp\/index-operator-demo/,
  );
  assert.match(out, /verify: all \d+ hot queries use an index/);
  assert.ok(existsSync(join(hostTmp, 'index-operator-demo', 'demo.db')));
});

void test('nothing was written outside /tmp and the mounted volume', () => {
  const now = manifest(rootfs);
  // buildah makes and removes its own mount points in /run on every run (uid 10001 cannot write there):
  // the time of /run itself changes, its content must not.
  for (const m of [manifestBefore, now]) m.set('/run', (m.get('/run') ?? '').replace(/ [\d.]+$/, ''));
  const changed = [...new Set([...manifestBefore.keys(), ...now.keys()])]
    .filter((path) => manifestBefore.get(path) !== now.get(path))
    .map((path) => `${path}: ${manifestBefore.get(path) ?? 'absent'} -> ${now.get(path) ?? 'absent'}`);
  assert.deepEqual(changed, []);
});

/** Sizes of the entries of a directory in the image, largest first (du -sb). */
function sizes(dir: string): { readonly path: string; readonly bytes: number }[] {
  const r = spawnSync('du', ['-sb', ...readdirSync(dir).map((n) => join(dir, n))], { encoding: 'utf8' });
  return r.stdout
    .trim()
    .split('\n')
    .map((line) => {
      const [bytes = '0', path = ''] = line.split('\t');
      return { path: path.slice(rootfs.length), bytes: Number(bytes) };
    })
    .sort((a, b) => b.bytes - a.bytes);
}

const mb = (bytes: number): string => `${(bytes / 1e6).toFixed(1)} MB`;

void test('image content: the report, and nothing that should not be there', (t) => {
  const du = spawnSync('du', ['-sb', rootfs], { encoding: 'utf8' });
  const total = Number(du.stdout.split('\t')[0]);
  const lines = [`image ${IMAGE}: ${mb(total)} unpacked`];
  for (const { path, bytes } of sizes(rootfs).slice(0, 6)) lines.push(`  ${path.padEnd(28)} ${mb(bytes)}`);
  lines.push('/app/node_modules, largest:');
  for (const { path, bytes } of sizes(join(rootfs, 'app', 'node_modules')).slice(0, 8))
    lines.push(`  ${path.padEnd(40)} ${mb(bytes)}`);
  for (const line of lines) t.diagnostic(line);

  const found = spawnSync(
    'find',
    [
      rootfs,
      '(',
      '-name',
      '*.o',
      '-o',
      '-name',
      '*.a',
      '-o',
      '-name',
      'obj.target',
      '-o',
      '-name',
      'test_extension.node',
      '-o',
      '-name',
      'sqlite3.c',
      '-o',
      '-name',
      '*.ts',
      '-path',
      '*/app/dist/*',
      ')',
      '-print',
    ],
    { encoding: 'utf8' },
  );
  assert.equal(found.stdout.trim(), '', 'compiler leftovers or sources in the image');
  for (const absent of [
    'app/src',
    'app/test',
    'app/node_modules/better-sqlite3/deps',
    'app/node_modules/better-sqlite3/src',
    'app/node_modules/typescript',
    'app/node_modules/tsx',
    'tmp/build-ca.crt',
    'root/.npm',
    'tmp/.npm',
    'usr/bin/g++',
    'usr/bin/make',
    'usr/bin/python3',
  ])
    assert.equal(existsSync(join(rootfs, absent)), false, `/${absent} is in the image`);
  assert.ok(existsSync(join(rootfs, 'app/node_modules/better-sqlite3/build/Release/better_sqlite3.node')));
});

void test('the image runs the Node.js of the Dockerfile and the better-sqlite3 of the lockfile', (t) => {
  const pinned = /^FROM node:(\d+\.\d+\.\d+)-/m.exec(readFileSync('Dockerfile', 'utf8'))?.[1];
  const lock = JSON.parse(readFileSync('package-lock.json', 'utf8')) as {
    packages: Record<string, { version?: string }>;
  };
  const r = buildah([
    'run',
    '--isolation',
    'chroot',
    '--user',
    APP_USER,
    container,
    '--',
    'node',
    '-p',
    'process.versions.node + " " + require("/app/node_modules/better-sqlite3/package.json").version',
  ]);
  assert.equal(r.code, 0, describe(r, 'node -p versions'));
  t.diagnostic(`Node.js and better-sqlite3 in the image: ${r.stdout.trim()}`);
  assert.equal(r.stdout.trim(), `${pinned} ${lock.packages['node_modules/better-sqlite3']?.version}`);
});

/** Bare module specifiers a compiled file imports (static and dynamic), as package names. */
function importedPackages(code: string): string[] {
  const specifiers = [...code.matchAll(/(?:from\s+|import\s*\(\s*|import\s+)['"]([^'"]+)['"]/g)].map(
    (m) => m[1] ?? '',
  );
  return specifiers
    .filter((spec) => !spec.startsWith('.') && !spec.startsWith('/') && !spec.startsWith('node:'))
    .map((spec) =>
      spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : (spec.split('/')[0] ?? spec),
    );
}

function jsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? jsFiles(join(dir, e.name)) : e.name.endsWith('.js') ? [join(dir, e.name)] : [],
  );
}

void test('the compiled code imports only production dependencies, each installed in /app/node_modules', () => {
  const pkg = JSON.parse(readFileSync(join(rootfs, 'app', 'package.json'), 'utf8')) as {
    dependencies: Record<string, string>;
  };
  const problems = new Set<string>();
  const seen = new Set<string>();
  for (const file of jsFiles(join(rootfs, 'app', 'dist'))) {
    for (const name of importedPackages(readFileSync(file, 'utf8'))) {
      if (isBuiltin(name)) continue;
      seen.add(name);
      const where = file.slice(rootfs.length);
      if (pkg.dependencies[name] === undefined) problems.add(`${name}: not a dependency (${where})`);
      if (!existsSync(join(rootfs, 'app', 'node_modules', name, 'package.json')))
        problems.add(`${name}: not in /app/node_modules (${where})`);
    }
  }
  assert.deepEqual([...problems], []);
  for (const name of ['pg', 'better-sqlite3', '@kubernetes/client-node']) assert.ok(seen.has(name), name);
});
