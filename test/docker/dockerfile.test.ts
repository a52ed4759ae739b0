/**
 * The Dockerfile, checked statically in the quick loop: dockerfilelint, its shape (multi-stage, pinned
 * base, numeric non-root user, production dependencies only, read-only root FS friendly, exec-form
 * ENTRYPOINT, OCI labels), that everything it copies exists and is not excluded by .dockerignore, and
 * that the build stage copies what `npm run build` compiles. The image itself is built and run by
 * `npm run test:image` (test/docker/image.check.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

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

/** COPY sources of an instruction (flags and destination dropped). */
function copySources(ins: Instruction): string[] {
  const paths = ins.args.split(/\s+/).filter((w) => !w.startsWith('--'));
  return paths.slice(0, -1).map((p) => p.replace(/^\.\//, '').replace(/\/$/, ''));
}

void test('the build stage copies everything `npm run build` compiles, and the runtime stage what it runs', () => {
  const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> };
  assert.equal(pkg.scripts['build'], 'tsc -p tsconfig.build.json');
  const build = stages.find((st) => st.name === 'build');
  const copied = new Set(of(build, 'COPY').flatMap(copySources));
  const config = JSON.parse(readFileSync('tsconfig.build.json', 'utf8')) as {
    extends?: string;
    include: string[];
  };
  for (const needed of [
    'tsconfig.build.json',
    (config.extends ?? '').replace(/^\.\//, ''),
    ...config.include,
    'package.json',
    'package-lock.json',
  ])
    assert.ok(copied.has(needed), `the build stage does not COPY ${needed}`);
  // The entry point loads dist/src/cli/main.js: the runtime stage has bin/ and the build's dist/.
  assert.match(readFileSync('bin/index-operator.js', 'utf8'), /import '\.\.\/dist\/src\/cli\/main\.js'/);
  const runtimeCopies = of(runtime, 'COPY').flatMap(copySources);
  for (const needed of ['/app/dist', '/app/node_modules', '/app/package.json', 'bin'])
    assert.ok(runtimeCopies.includes(needed), `the runtime stage does not COPY ${needed}`);
  // That the result compiles, starts and imports only production dependencies is checked on the built
  // image itself: test/docker/image.check.ts (npm run test:image, run by .ci/run).
});

/** Whether a version satisfies an engines range made of `^major.minor[.patch]` alternatives. */
function satisfiesCaretRange(version: string, range: string): boolean {
  const [major, minor, patch] = version.split('.').map(Number);
  return range.split('||').some((alt) => {
    const m = /^\s*\^(\d+)\.(\d+)(?:\.(\d+))?\s*$/.exec(alt);
    assert.ok(m, `engines alternative '${alt.trim()}': expected ^major.minor[.patch]`);
    const [lo1, lo2, lo3] = [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)];
    if (major !== lo1) return false;
    return (minor ?? 0) > lo2 || ((minor ?? 0) === lo2 && (patch ?? 0) >= lo3);
  });
}

void test("the image's Node.js is in package.json's engines, and the README names it and better-sqlite3's version", () => {
  const image = /^FROM node:(\d+\.\d+\.\d+)-(\w+)-slim/m.exec(dockerfile);
  assert.ok(image?.[1]);
  const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { engines: { node: string } };
  assert.ok(satisfiesCaretRange(image[1], pkg.engines.node), `${image[1]} is not in ${pkg.engines.node}`);
  assert.ok(
    satisfiesCaretRange(process.versions.node, pkg.engines.node),
    `this Node.js ${process.versions.node}`,
  );
  const lock = JSON.parse(readFileSync('package-lock.json', 'utf8')) as {
    packages: Record<string, { version?: string; engines?: { node?: string } }>;
  };
  assert.equal(lock.packages['']?.engines?.node, pkg.engines.node, 'package-lock.json has the same engines');
  const readme = readFileSync('README.md', 'utf8');
  assert.ok(
    readme.includes(`node:${image[1]}-${image[2]}-slim`),
    `README names node:${image[1]}-${image[2]}-slim`,
  );
  const sqlite = lock.packages['node_modules/better-sqlite3']?.version ?? '';
  assert.ok(readme.includes(`better-sqlite3 ${sqlite}`), `README names better-sqlite3 ${sqlite}`);
});
