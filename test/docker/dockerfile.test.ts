/**
 * There is no Docker engine here, so the image is checked statically: dockerfilelint, the shape of the
 * Dockerfile (multi-stage, pinned base, numeric non-root user, production dependencies only, read-only
 * root FS friendly, exec-form ENTRYPOINT, OCI labels), that everything it copies exists and is not
 * excluded by .dockerignore, and that the build step it runs (`npm run build`) produces the file the
 * entry point loads, laid out as in the image.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { basename, join, resolve } from 'node:path';

interface Instruction {
  readonly keyword: string;
  readonly args: string;
  readonly line: number;
}

interface Stage {
  readonly image: string;
  readonly name: string | undefined;
  readonly instructions: readonly Instruction[];
}

/** Instructions of a Dockerfile: comments dropped, backslash continuations joined. */
function parseDockerfile(text: string): Instruction[] {
  const out: Instruction[] = [];
  let pending = '';
  let start = 0;
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (pending === '' && (line === '' || line.startsWith('#'))) return;
    if (pending === '') start = i + 1;
    if (line.startsWith('#')) return;
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1)} `;
      return;
    }
    const full = (pending + line).trim();
    pending = '';
    const m = /^(\S+)\s*(.*)$/.exec(full);
    if (m?.[1] !== undefined) out.push({ keyword: m[1].toUpperCase(), args: m[2] ?? '', line: start });
  });
  return out;
}

function stagesOf(instructions: readonly Instruction[]): Stage[] {
  const stages: { image: string; name: string | undefined; instructions: Instruction[] }[] = [];
  for (const ins of instructions) {
    if (ins.keyword === 'FROM') {
      const m = /^(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?$/i.exec(ins.args);
      assert.ok(m?.[1], `line ${ins.line}: cannot read FROM ${ins.args}`);
      stages.push({ image: m[1], name: m[2], instructions: [] });
    } else {
      stages.at(-1)?.instructions.push(ins);
    }
  }
  return stages;
}

const dockerfile = readFileSync('Dockerfile', 'utf8');
const stages = stagesOf(parseDockerfile(dockerfile));
const runtime = stages.at(-1);
const of = (stage: Stage | undefined, keyword: string): Instruction[] =>
  stage?.instructions.filter((i) => i.keyword === keyword) ?? [];

void test('dockerfilelint reports no issues', () => {
  const r = spawnSync(join('node_modules', '.bin', 'dockerfilelint'), ['-j', 'Dockerfile'], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  const report = JSON.parse(r.stdout) as { totalIssues: number; files: { issues: unknown[] }[] };
  assert.equal(report.totalIssues, 0, JSON.stringify(report.files[0]?.issues, null, 2));
  assert.equal(r.status, 0);
});

void test('multi-stage: a named build stage and a separate runtime stage', () => {
  assert.ok(stages.length >= 2, 'expected a build stage and a runtime stage');
  const build = stages.find((s) => s.name === 'build');
  assert.ok(build, 'a stage named build');
  assert.notEqual(runtime?.name, 'build');
  const buildRuns = of(build, 'RUN').map((i) => i.args);
  assert.ok(
    buildRuns.some((r) => /\bnpm ci\b/.test(r) && !/--omit=dev/.test(r)),
    'build stage installs dev deps',
  );
  assert.ok(
    buildRuns.some((r) => /\bnpm run build\b/.test(r)),
    'build stage compiles TypeScript (npm run build)',
  );
  assert.ok(of(runtime, 'COPY').some((i) => /--from=build\b.*\/app\/dist\b/.test(i.args)));
});

void test('base images are pinned to an exact current LTS Node.js release, the same in every stage', () => {
  const images = new Set(stages.map((s) => s.image));
  assert.equal(
    images.size,
    1,
    `one base image for all stages (native module ABI): ${[...images].join(', ')}`,
  );
  for (const { image } of stages) {
    const m = /^node:(\d+)\.(\d+)\.(\d+)-(bookworm|trixie)-slim(@sha256:[0-9a-f]{64})?$/.exec(image);
    assert.ok(m, `${image}: expected node:<major>.<minor>.<patch>-<debian>-slim[@sha256:...]`);
    assert.ok(['22', '24'].includes(m[1] ?? ''), `${image}: Node.js 22 or 24 (LTS)`);
  }
});

void test('runtime stage: production dependencies only, no sources, no compiler', () => {
  const runtimeText = (runtime?.instructions ?? []).map((i) => `${i.keyword} ${i.args}`).join('\n');
  assert.doesNotMatch(runtimeText, /\bnpm (ci|install)\b(?![^\n]*--omit=dev)/, 'no dev install at runtime');
  assert.doesNotMatch(runtimeText, /apt-get install|g\+\+|python3/, 'no toolchain at runtime');
  assert.doesNotMatch(runtimeText, /COPY\s+(--\S+\s+)*(\.\/)?src\b/, 'no TypeScript sources at runtime');
  const build = stages.find((s) => s.name === 'build');
  const pruned = of(build, 'RUN').some((i) => /npm prune --omit=dev/.test(i.args));
  const prodInstall = of(runtime, 'RUN').some((i) => /npm ci\b.*--omit=dev/.test(i.args));
  assert.ok(pruned || prodInstall, 'dev dependencies pruned before node_modules reach the runtime stage');
  const pruneIndex = of(build, 'RUN').findIndex((i) => /npm prune --omit=dev/.test(i.args));
  const buildIndex = of(build, 'RUN').findIndex((i) => /npm run build/.test(i.args));
  if (pruned) assert.ok(pruneIndex >= buildIndex, 'prune after the TypeScript build, which needs tsc');
});

void test('runs as a numeric non-root user with HOME and TMPDIR under /tmp (read-only root FS)', () => {
  const users = of(runtime, 'USER');
  assert.equal(users.length, 1, 'one USER in the runtime stage');
  const m = /^(\d+)(?::(\d+))?$/.exec(users[0]?.args ?? '');
  assert.ok(m, `USER ${users[0]?.args}: numeric uid[:gid], so runAsNonRoot can be enforced`);
  assert.notEqual(Number(m[1]), 0);
  if (m[2] !== undefined) assert.notEqual(Number(m[2]), 0);
  const env = of(runtime, 'ENV')
    .map((i) => i.args)
    .join(' ');
  assert.match(env, /\bHOME=\/tmp\b/);
  assert.match(env, /\bTMPDIR=\/tmp\b/);
  assert.match(env, /\bNODE_ENV=production\b/);
  const lastUserLine = users[0]?.line ?? 0;
  const laterRuns = of(runtime, 'RUN').filter((i) => i.line > lastUserLine);
  assert.deepEqual(laterRuns, [], 'nothing runs as the app user at build time');
});

void test('ENTRYPOINT is the index-operator binary in exec form, loading the compiled CLI', () => {
  const entry = of(runtime, 'ENTRYPOINT');
  assert.equal(entry.length, 1);
  assert.deepEqual(JSON.parse(entry[0]?.args ?? 'null'), ['node', '/app/bin/index-operator.js']);
  assert.match(readFileSync('bin/index-operator.js', 'utf8'), /import '\.\.\/dist\/src\/cli\/main\.js'/);
  assert.ok(of(runtime, 'WORKDIR').some((i) => i.args === '/app'));
  assert.ok(of(runtime, 'COPY').some((i) => /\bbin \.\/bin$/.test(i.args)));
});

void test('OCI image labels are set', () => {
  const labels = of(runtime, 'LABEL')
    .map((i) => i.args)
    .join(' ');
  for (const key of ['title', 'description', 'version', 'revision', 'licenses', 'base.name']) {
    assert.match(labels, new RegExp(`org\\.opencontainers\\.image\\.${key.replace('.', '\\.')}=`), key);
  }
  const license = (JSON.parse(readFileSync('package.json', 'utf8')) as { license: string }).license;
  assert.match(labels, new RegExp(`org\\.opencontainers\\.image\\.licenses="${license}"`));
});

void test('every path copied from the build context exists and is not excluded by .dockerignore', () => {
  const ignored = readFileSync('.dockerignore', 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
  const copies = stages.flatMap((s) => of(s, 'COPY')).filter((i) => !/--from=/.test(i.args));
  assert.ok(copies.length > 0);
  for (const copy of copies) {
    const words = copy.args.split(/\s+/).filter((w) => !w.startsWith('--'));
    for (const source of words.slice(0, -1)) {
      assert.ok(existsSync(source), `line ${copy.line}: COPY ${source}: not in the repository`);
      const top = source.replace(/^\.\//, '').split('/')[0];
      assert.ok(!ignored.includes(top ?? ''), `line ${copy.line}: ${source} is excluded by .dockerignore`);
    }
  }
  for (const needed of ['.git', 'node_modules', '.cache', 'dist'])
    assert.ok(ignored.includes(needed), needed);
});

/** COPY sources and destination of an instruction (flags dropped). */
function copyParts(ins: Instruction): { from: string | undefined; sources: string[]; dest: string } {
  const words = ins.args.split(/\s+/);
  const from = /^--from=(\S+)$/.exec(words.find((w) => w.startsWith('--from=')) ?? '')?.[1];
  const paths = words.filter((w) => !w.startsWith('--'));
  return { from, sources: paths.slice(0, -1), dest: paths.at(-1) ?? '.' };
}

/** Copies like COPY into a WORKDIR: `COPY a b ./` keeps names; `COPY src ./src` renames the one source. */
function copyInto(root: string, workdir: string, sources: readonly string[], dest: string): void {
  const target = join(workdir, dest);
  for (const source of sources) {
    const to = dest.endsWith('/') ? join(target, basename(source)) : target;
    cpSync(join(root, source), to, { recursive: true });
  }
}

/** Bare module specifiers a compiled file imports (static and dynamic). */
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

void test('the image build, from only the files the Dockerfile copies, yields a CLI that starts', () => {
  const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as {
    scripts: Record<string, string>;
    dependencies: Record<string, string>;
  };
  assert.equal(pkg.scripts['build'], 'tsc -p tsconfig.build.json');
  // Build stage: a scratch /app holding exactly what the build stage copies, compiled as `npm run build`
  // does. The scratch dirs sit inside the repository so node_modules resolves from them, as after npm ci.
  mkdirSync('.cache', { recursive: true });
  const scratch = mkdtempSync(resolve('.cache', 'image-'));
  try {
    const build = join(scratch, 'build');
    const app = join(scratch, 'app');
    mkdirSync(build);
    mkdirSync(app);
    const buildStage = stages.find((st) => st.name === 'build');
    for (const ins of of(buildStage, 'COPY')) {
      const { sources, dest } = copyParts(ins);
      copyInto('.', build, sources, dest);
    }
    const tsc = spawnSync(
      process.execPath,
      [resolve('node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'],
      {
        cwd: build,
        encoding: 'utf8',
        timeout: 300_000,
      },
    );
    assert.equal(tsc.status, 0, `npm run build in the build stage fails:\n${tsc.stdout}${tsc.stderr}`);
    // Runtime stage: what it copies from the build stage and from the context (node_modules comes from
    // the repository's, resolved upwards; its production-only content is checked below).
    for (const ins of of(runtime, 'COPY')) {
      const { from, sources, dest } = copyParts(ins);
      const kept = sources.filter((src) => !src.endsWith('/node_modules'));
      if (from === 'build')
        copyInto(
          build,
          app,
          kept.map((src) => src.replace(/^\/app\//, '')),
          dest,
        );
      else copyInto('.', app, kept, dest);
    }
    const run = spawnSync(process.execPath, [join(app, 'bin', 'index-operator.js'), '--help'], {
      encoding: 'utf8',
      timeout: 60_000,
      env: { PATH: process.env['PATH'] ?? '', HOME: '/tmp', TMPDIR: '/tmp', NODE_ENV: 'production' },
    });
    assert.equal(run.status, 0, `index-operator --help exited ${String(run.status)}:\n${run.stderr}`);
    assert.match(run.stdout, /Usage: index-operator/);
    // Production dependencies only in the image: everything the compiled code imports must be one.
    const missing = new Set<string>();
    const seen = new Set<string>();
    for (const file of jsFiles(join(app, 'dist'))) {
      for (const name of importedPackages(readFileSync(file, 'utf8'))) {
        seen.add(name);
        if (!isBuiltin(name) && pkg.dependencies[name] === undefined)
          missing.add(`${name} (${file.slice(app.length + 1)})`);
      }
    }
    assert.deepEqual([...missing], [], 'imported at run time but not in package.json dependencies');
    for (const name of ['pg', 'better-sqlite3', '@kubernetes/client-node']) assert.ok(seen.has(name), name);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
});
