/**
 * Admits an IndexMigration the way the API server would, from the CRD file itself: prunes unknown
 * fields, applies schema defaults, validates with ajv against openAPIV3Schema (the x-kubernetes-*
 * keywords are declared to ajv, not interpreted by it), checks x-kubernetes-list-type set/map
 * uniqueness, then evaluates every `x-kubernetes-validations` CEL rule with @marcbachmann/cel-js.
 * Problems come back as Kubernetes StatusCauses with field paths and messages in the API server's words.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv, type ErrorObject } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { evaluate } from '@marcbachmann/cel-js';
import { parse as parseYaml } from 'yaml';

const addFormats = addFormatsModule.default;

export const CRD_PATH = fileURLToPath(
  new URL('../../crds/index-operator.io_indexmigrations.yaml', import.meta.url),
);

/** The subset of a JSON-schema node (structural OpenAPI v3) that the walkers here read. */
export interface SchemaNode {
  readonly type?: string;
  readonly properties?: Readonly<Record<string, SchemaNode>>;
  readonly items?: SchemaNode;
  readonly required?: readonly string[];
  readonly enum?: readonly unknown[];
  readonly default?: unknown;
  readonly additionalProperties?: SchemaNode | boolean;
  readonly 'x-kubernetes-preserve-unknown-fields'?: boolean;
  readonly 'x-kubernetes-list-type'?: 'atomic' | 'set' | 'map';
  readonly 'x-kubernetes-list-map-keys'?: readonly string[];
  readonly 'x-kubernetes-validations'?: readonly CelRule[];
  readonly [keyword: string]: unknown;
}

export interface CelRule {
  readonly rule: string;
  readonly message?: string;
  readonly fieldPath?: string;
  readonly reason?: string;
}

/** metav1.StatusCause. */
export interface StatusCause {
  readonly reason: string;
  readonly message: string;
  readonly field: string;
}

export type AdmitResult =
  | { readonly ok: true; readonly object: Record<string, unknown> }
  | { readonly ok: false; readonly causes: readonly StatusCause[] };

export interface CrdDocument {
  readonly metadata: { readonly name: string };
  readonly spec: {
    readonly group: string;
    readonly names: { readonly kind: string; readonly plural: string; readonly shortNames?: string[] };
    readonly versions: readonly {
      readonly name: string;
      readonly schema: { readonly openAPIV3Schema: SchemaNode };
    }[];
  };
}

export function loadCrd(path: string = CRD_PATH): CrdDocument {
  return parseYaml(readFileSync(path, 'utf8')) as CrdDocument;
}

/** openAPIV3Schema of the (single) served version. */
export function crdSchema(crd: CrdDocument = loadCrd()): SchemaNode {
  const version = crd.spec.versions[0];
  if (!version) throw new Error('CRD has no versions');
  return version.schema.openAPIV3Schema;
}

export interface CrdValidator {
  /** Prunes, defaults and validates a copy of obj; never changes obj. */
  admit(obj: unknown): AdmitResult;
}

export function createCrdValidator(schema: SchemaNode = crdSchema()): CrdValidator {
  const ajv = new Ajv({
    allErrors: true,
    useDefaults: true,
    verbose: true,
    strict: true,
    allowUnionTypes: true,
  });
  addFormats(ajv);
  ajv.addFormat('int64', { type: 'number', validate: (n: number) => Number.isSafeInteger(n) });
  ajv.addFormat('int32', {
    type: 'number',
    validate: (n: number) => Number.isInteger(n) && Math.abs(n) < 2 ** 31,
  });
  for (const keyword of [
    'x-kubernetes-validations',
    'x-kubernetes-list-type',
    'x-kubernetes-list-map-keys',
    'x-kubernetes-preserve-unknown-fields',
    'x-kubernetes-int-or-string',
    'x-kubernetes-embedded-resource',
    'x-kubernetes-map-type',
  ]) {
    ajv.addKeyword(keyword);
  }
  const validate = ajv.compile(schema);
  return {
    admit(obj) {
      const copy = structuredClone(obj) as Record<string, unknown>;
      prune(copy, schema);
      if (!validate(copy)) {
        return { ok: false, causes: (validate.errors ?? []).map(causeFromAjv) };
      }
      const causes = [...listTypeCauses(copy, schema, ''), ...celCauses(copy, schema, '')];
      return causes.length > 0 ? { ok: false, causes } : { ok: true, object: copy };
    },
  };
}

/** Drops fields the schema does not declare, as a structural schema's pruning does. */
function prune(value: unknown, node: SchemaNode): void {
  if (node['x-kubernetes-preserve-unknown-fields'] === true) return;
  if (Array.isArray(value)) {
    if (node.items) for (const item of value) prune(item, node.items);
    return;
  }
  if (!isRecord(value) || !node.properties) return;
  for (const key of Object.keys(value)) {
    const child = node.properties[key];
    if (child) prune(value[key], child);
    else if (node.additionalProperties === undefined || node.additionalProperties === false)
      delete value[key];
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `/spec/phases/0` -> `spec.phases[0]`. */
function fieldFromPointer(pointer: string): string {
  return pointer
    .split('/')
    .slice(1)
    .map((part) => part.replaceAll('~1', '/').replaceAll('~0', '~'))
    .reduce((acc, part) => (/^\d+$/.test(part) ? `${acc}[${part}]` : acc ? `${acc}.${part}` : part), '');
}

function shown(v: unknown): string {
  if (isRecord(v)) return '"object"';
  if (Array.isArray(v)) return '"array"';
  return JSON.stringify(v);
}

function causeFromAjv(e: ErrorObject): StatusCause {
  const field = fieldFromPointer(e.instancePath);
  const at = (f: string): string => f || '<root>';
  const params = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'required': {
      const missing = `${field ? `${field}.` : ''}${String(params['missingProperty'])}`;
      return { reason: 'FieldValueRequired', field: missing, message: `${missing}: Required value` };
    }
    case 'enum': {
      const allowed = (params['allowedValues'] as unknown[]).map((v) => JSON.stringify(v)).join(', ');
      return {
        reason: 'FieldValueNotSupported',
        field,
        message: `${at(field)}: Unsupported value: ${shown(e.data)}: supported values: ${allowed}`,
      };
    }
    default:
      return {
        reason: e.keyword === 'type' ? 'FieldValueTypeInvalid' : 'FieldValueInvalid',
        field,
        message: `${at(field)}: Invalid value: ${shown(e.data)}: ${at(field)} in body ${e.message ?? 'is invalid'}`,
      };
  }
}

function childPath(path: string, key: string | number): string {
  return typeof key === 'number' ? `${path}[${key}]` : path ? `${path}.${key}` : key;
}

/** Walks value and schema together, calling visit for every (node, value, path). */
function walk(
  value: unknown,
  node: SchemaNode,
  path: string,
  visit: (n: SchemaNode, v: unknown, p: string) => void,
) {
  if (value === undefined) return;
  visit(node, value, path);
  if (Array.isArray(value) && node.items) {
    const items = node.items;
    value.forEach((item, i) => walk(item, items, childPath(path, i), visit));
  } else if (isRecord(value) && node.properties) {
    for (const [key, child] of Object.entries(node.properties))
      walk(value[key], child, childPath(path, key), visit);
  }
}

function listTypeCauses(obj: unknown, schema: SchemaNode, root: string): StatusCause[] {
  const causes: StatusCause[] = [];
  walk(obj, schema, root, (node, value, path) => {
    const listType = node['x-kubernetes-list-type'];
    if (!Array.isArray(value) || (listType !== 'set' && listType !== 'map')) return;
    const keys = node['x-kubernetes-list-map-keys'] ?? [];
    const seen = new Set<string>();
    value.forEach((item, i) => {
      const key =
        listType === 'set'
          ? JSON.stringify(item)
          : JSON.stringify(keys.map((k) => (item as Record<string, unknown>)[k]));
      if (seen.has(key)) {
        const field = childPath(path, i);
        causes.push({ reason: 'FieldValueDuplicate', field, message: `${field}: Duplicate value: ${key}` });
      }
      seen.add(key);
    });
  });
  return causes;
}

function celCauses(obj: unknown, schema: SchemaNode, root: string): StatusCause[] {
  const causes: StatusCause[] = [];
  walk(obj, schema, root, (node, value, path) => {
    for (const rule of node['x-kubernetes-validations'] ?? []) {
      let passed: unknown;
      try {
        passed = evaluate(rule.rule, { self: value });
      } catch (e) {
        passed = e instanceof Error ? e.message : String(e);
      }
      if (passed === true) continue;
      const field = path + (rule.fieldPath ?? '');
      const detail = rule.message ?? `failed rule: ${rule.rule}`;
      const message = typeof passed === 'string' ? `${detail} (rule error: ${passed})` : detail;
      causes.push({
        reason: rule.reason ?? 'FieldValueInvalid',
        field,
        message: `${field}: Invalid value: ${shown(value)}: ${message}`,
      });
    }
  });
  return causes;
}
