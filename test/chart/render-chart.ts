/**
 * Renders charts/index-operator with the real `helm` binary (see test/helpers/kube-tools.ts) and parses
 * the manifests. Values are passed as a YAML file, the way a user's `-f my-values.yaml` is.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments, stringify } from 'yaml';
import { kubeTools, runTool, type ToolResult } from '../helpers/kube-tools.js';

export const CHART_DIR = 'charts/index-operator';
export const RELEASE = 'idx';
export const RELEASE_NAMESPACE = 'mcp';

export interface KubeObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: {
    readonly name: string;
    readonly namespace?: string;
    readonly labels?: Record<string, string>;
    readonly annotations?: Record<string, string>;
  };
  readonly [field: string]: unknown;
}

/** `helm template` with the given values; never throws on a helm failure (see `status`/`stderr`). */
export function helmTemplate(
  values: Record<string, unknown> = {},
  extraArgs: readonly string[] = [],
): ToolResult {
  return helmWithValues(
    ['template', RELEASE, CHART_DIR, '--namespace', RELEASE_NAMESPACE, ...extraArgs],
    values,
  );
}

/** `helm install --dry-run=client` (no cluster needed): what a user sees, NOTES.txt included. */
export function helmInstallDryRun(values: Record<string, unknown> = {}): ToolResult {
  return helmWithValues(
    ['install', RELEASE, CHART_DIR, '--namespace', RELEASE_NAMESPACE, '--dry-run=client'],
    values,
  );
}

/** `helm lint --strict` with the given values. */
export function helmLint(values: Record<string, unknown> = {}): ToolResult {
  return helmWithValues(['lint', '--strict', CHART_DIR, '--namespace', RELEASE_NAMESPACE], values);
}

function helmWithValues(args: readonly string[], values: Record<string, unknown>): ToolResult {
  const dir = mkdtempSync(join(tmpdir(), 'chart-values-'));
  try {
    const file = join(dir, 'values.yaml');
    writeFileSync(file, stringify(values));
    return runTool(kubeTools().helm, [...args, '--values', file]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Renders and parses; throws with helm's message when rendering fails. */
export function render(
  values: Record<string, unknown> = {},
  extraArgs: readonly string[] = [],
): KubeObject[] {
  const result = helmTemplate(values, extraArgs);
  if (result.status !== 0) throw new Error(`helm template failed:\n${result.stderr}`);
  return parseManifests(result.stdout);
}

export function parseManifests(text: string): KubeObject[] {
  return parseAllDocuments(text)
    .map((doc) => {
      if (doc.errors.length > 0) throw new Error(`rendered YAML does not parse: ${doc.errors[0]?.message}`);
      return doc.toJS() as KubeObject | null;
    })
    .filter((o): o is KubeObject => o !== null);
}

export function byKind(objects: readonly KubeObject[], kind: string): KubeObject[] {
  return objects.filter((o) => o.kind === kind);
}

/** The one object of a kind; fails when there is not exactly one. */
export function only(objects: readonly KubeObject[], kind: string): KubeObject {
  const found = byKind(objects, kind);
  if (found.length !== 1) throw new Error(`expected one ${kind}, rendered ${found.length}`);
  return found[0] as KubeObject;
}
