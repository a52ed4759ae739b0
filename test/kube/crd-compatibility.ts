/**
 * What a given Kubernetes version's API server says about a CustomResourceDefinition before it stores it,
 * for the parts our CRD uses: strict decoding (a field that version does not know is an error: e.g.
 * `x-kubernetes-validations[].fieldPath` and `reason` exist from 1.28), and the static cost estimate of
 * every CEL rule against StaticEstimatedCostLimit and, all rules together, StaticEstimatedCRDCostLimit
 * (see cel-cost.ts). Messages are the API server's own wording, so a test reads like `kubectl apply`.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import {
  cardinality,
  ruleCost,
  STATIC_ESTIMATED_COST_LIMIT,
  STATIC_ESTIMATED_CRD_COST_LIMIT,
  type CostModel,
} from './cel-cost.js';
import type { SchemaNode } from './crd-validator.js';

export interface CrdProblem {
  readonly kind: 'unknown-field' | 'cost';
  /** Where, as the API server names it: `spec.versions[0].schema.openAPIV3Schema.properties[spec]...`. */
  readonly field: string;
  readonly message: string;
}

/** Fields by the minor version (1.x) that first accepts them; 0 = every version the chart can claim. */
type Known = Readonly<Record<string, number>>;

const SCHEMA_FIELDS: Known = Object.fromEntries(
  [
    'id', '$schema', '$ref', 'description', 'type', 'format', 'title', 'default', 'maximum',
    'exclusiveMaximum', 'minimum', 'exclusiveMinimum', 'maxLength', 'minLength', 'pattern', 'maxItems',
    'minItems', 'uniqueItems', 'multipleOf', 'enum', 'maxProperties', 'minProperties', 'required', 'items',
    'allOf', 'oneOf', 'anyOf', 'not', 'properties', 'additionalProperties', 'patternProperties',
    'dependencies', 'additionalItems', 'definitions', 'externalDocs', 'example', 'nullable',
    'x-kubernetes-preserve-unknown-fields', 'x-kubernetes-embedded-resource', 'x-kubernetes-int-or-string',
    'x-kubernetes-list-map-keys', 'x-kubernetes-list-type', 'x-kubernetes-map-type',
    'x-kubernetes-validations',
  ].map((f) => [f, 0]),
); // prettier-ignore

/** apiextensions.k8s.io/v1 ValidationRule. */
const RULE_FIELDS: Known = {
  rule: 0,
  message: 0,
  messageExpression: 27,
  reason: 28,
  fieldPath: 28,
  optionalOldSelf: 29,
};

const CRD_FIELDS: Known = { apiVersion: 0, kind: 0, metadata: 0, spec: 0, status: 0 };
const SPEC_FIELDS: Known = {
  group: 0,
  names: 0,
  scope: 0,
  versions: 0,
  conversion: 0,
  preserveUnknownFields: 0,
};
const NAMES_FIELDS: Known = { plural: 0, singular: 0, shortNames: 0, kind: 0, listKind: 0, categories: 0 };
const VERSION_FIELDS: Known = {
  name: 0,
  served: 0,
  storage: 0,
  deprecated: 0,
  deprecationWarning: 0,
  schema: 0,
  subresources: 0,
  additionalPrinterColumns: 0,
  selectableFields: 30,
};
const COLUMN_FIELDS: Known = { name: 0, type: 0, format: 0, description: 0, priority: 0, jsonPath: 0 };

const CHART_PATH = fileURLToPath(new URL('../../charts/index-operator/Chart.yaml', import.meta.url));

/** The oldest Kubernetes minor version the chart claims, from Chart.yaml's `kubeVersion: '>=1.N.0-0'`. */
export function oldestSupportedMinor(chartPath: string = CHART_PATH): number {
  const chart = parseYaml(readFileSync(chartPath, 'utf8')) as { kubeVersion?: string };
  const match = /^>=\s*1\.(\d+)\.\d+(-0)?$/.exec(chart.kubeVersion ?? '');
  if (!match) throw new Error(`Chart.yaml kubeVersion ${String(chart.kubeVersion)} is not '>=1.N.0-0'`);
  return Number(match[1]);
}

/** Everything the API server of Kubernetes 1.<minor> refuses in the CRD (empty: it installs). */
export function crdProblems(crd: unknown, minor: number): CrdProblem[] {
  const problems: CrdProblem[] = [];
  const unknown = (obj: unknown, known: Known, at: string): void => {
    if (!isRecord(obj)) return;
    for (const key of Object.keys(obj)) {
      const since = known[key];
      if (since !== undefined && since <= minor) continue;
      const field = `${at}.${key}`;
      problems.push({
        kind: 'unknown-field',
        field,
        message: `strict decoding error: unknown field "${field}"`,
      });
    }
  };
  unknown(crd, CRD_FIELDS, '');
  const spec = isRecord(crd) ? crd['spec'] : undefined;
  unknown(spec, SPEC_FIELDS, 'spec');
  if (!isRecord(spec)) return problems;
  unknown(spec['names'], NAMES_FIELDS, 'spec.names');
  const versions = Array.isArray(spec['versions']) ? (spec['versions'] as unknown[]) : [];
  const costs: number[] = [];
  versions.forEach((version, i) => {
    const at = `spec.versions[${i}]`;
    unknown(version, VERSION_FIELDS, at);
    if (!isRecord(version)) return;
    const columns = Array.isArray(version['additionalPrinterColumns'])
      ? (version['additionalPrinterColumns'] as unknown[])
      : [];
    columns.forEach((c, j) => unknown(c, COLUMN_FIELDS, `${at}.additionalPrinterColumns[${j}]`));
    const schema = isRecord(version['schema']) ? version['schema']['openAPIV3Schema'] : undefined;
    if (!isRecord(schema)) return;
    walkSchema(schema, `${at}.schema.openAPIV3Schema`, [], (node, path, enclosing) => {
      unknown(node, SCHEMA_FIELDS, path);
      const rules = node['x-kubernetes-validations'] ?? [];
      rules.forEach((rule, r) => {
        const rulePath = `${path}.x-kubernetes-validations[${r}]`;
        unknown(rule, RULE_FIELDS, rulePath);
        const model: CostModel = { minor };
        const cost = ruleCost(rule.rule, node, model);
        costs.push(cost * cardinality(enclosing, model));
        if (cost > STATIC_ESTIMATED_COST_LIMIT) problems.push(overBudget(`${rulePath}.rule`, cost));
      });
    });
  });
  const total = costs.reduce((a, b) => a + b, 0);
  if (total > STATIC_ESTIMATED_CRD_COST_LIMIT) {
    problems.push({
      kind: 'cost',
      field: 'spec.validation.openAPIV3Schema',
      message: `Forbidden: x-kubernetes-validations estimated rule cost total for entire OpenAPIv3 schema exceeds budget by factor of ${factor(total, STATIC_ESTIMATED_CRD_COST_LIMIT)}x (try simplifying the rule(s), or adding maxItems, maxProperties, and maxLength where arrays, maps, and strings are used)`,
    });
  }
  return problems;
}

function overBudget(field: string, cost: number): CrdProblem {
  return {
    kind: 'cost',
    field,
    message: `${field}: Forbidden: estimated rule cost exceeds budget by factor of ${factor(cost, STATIC_ESTIMATED_COST_LIMIT)}x (try simplifying the rule, or adding maxItems, maxProperties, and maxLength where arrays, maps, and strings are declared)`,
  };
}

function factor(cost: number, limit: number): string {
  return (cost / limit).toFixed(1);
}

/** Visits every schema node with its API-server path and the nodes around it (outermost first). */
function walkSchema(
  node: SchemaNode,
  path: string,
  enclosing: readonly SchemaNode[],
  visit: (node: SchemaNode, path: string, enclosing: readonly SchemaNode[]) => void,
): void {
  visit(node, path, enclosing);
  const inside = [...enclosing, node];
  for (const [name, prop] of Object.entries(node.properties ?? {}))
    walkSchema(prop, `${path}.properties[${name}]`, inside, visit);
  if (node.items) walkSchema(node.items, `${path}.items`, inside, visit);
  if (typeof node.additionalProperties === 'object')
    walkSchema(node.additionalProperties, `${path}.additionalProperties`, inside, visit);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
