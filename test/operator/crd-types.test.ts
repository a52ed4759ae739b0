/**
 * The CRD's openAPIV3Schema and src/operator/types.ts describe the same resource. The field tables in
 * types.ts are tied to the TS types by `satisfies` (tsc fails on drift there); this test ties them to the
 * schema: every field, its type, whether it may be absent, enums, defaults, patterns and names.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { crdSchema, loadCrd, type SchemaNode } from '../kube/crd-validator.js';
import {
  DNS_SUBDOMAIN_PATTERN,
  DURATION_PATTERN,
  FIELD_ENUMS,
  GROUP,
  KIND,
  LIST_KIND,
  PLURAL,
  SECRET_KEY_PATTERN,
  SHORT_NAME,
  SINGULAR,
  SPEC_DEFAULTS,
  SPEC_FIELDS,
  STATUS_FIELDS,
  VERSION,
  CRD_NAME,
  type FieldSpec,
} from '../../src/operator/types.js';

interface Flat {
  readonly fields: Record<string, FieldSpec>;
  readonly enums: Record<string, readonly unknown[]>;
  readonly defaults: Record<string, unknown>;
  readonly patterns: Record<string, string>;
}

/** Flattens a schema node into dotted paths (array elements as `name[]`), like the tables in types.ts. */
function flatten(
  node: SchemaNode,
  prefix = '',
  out: Flat = { fields: {}, enums: {}, defaults: {}, patterns: {} },
): Flat {
  if (node.enum) out.enums[prefix] = node.enum;
  if (typeof node['pattern'] === 'string') out.patterns[prefix] = node['pattern'];
  if (node.items) flatten(node.items, `${prefix}[]`, out);
  for (const [key, child] of Object.entries(node.properties ?? {})) {
    const path = prefix ? `${prefix}.${key}` : key;
    const isEmptyObjectDefault =
      typeof child.default === 'object' && child.default !== null && Object.keys(child.default).length === 0;
    if (child.default !== undefined && !isEmptyObjectDefault) out.defaults[path] = child.default;
    out.fields[path] = {
      type: child.type as FieldSpec['type'],
      optional: !(node.required ?? []).includes(key) && child.default === undefined,
    };
    flatten(child, path, out);
  }
  return out;
}

function sorted<T>(record: Readonly<Record<string, T>>): Record<string, T> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => a.localeCompare(b)));
}

function specOf(schema: SchemaNode): SchemaNode {
  const spec = schema.properties?.['spec'];
  assert.ok(spec, 'CRD schema has no spec');
  return spec;
}

function statusOf(schema: SchemaNode): SchemaNode {
  const status = schema.properties?.['status'];
  assert.ok(status, 'CRD schema has no status');
  return status;
}

const schema = crdSchema();

void describe('CRD schema and TypeScript types', () => {
  void it('have the same spec fields, types and optionality', () => {
    assert.deepEqual(sorted(flatten(specOf(schema)).fields), sorted(SPEC_FIELDS));
  });

  void it('have the same status fields, types and optionality', () => {
    assert.deepEqual(sorted(flatten(statusOf(schema)).fields), sorted(STATUS_FIELDS));
  });

  void it('have the same enums', () => {
    assert.deepEqual(sorted(flatten(specOf(schema)).enums), sorted(FIELD_ENUMS.spec));
    assert.deepEqual(sorted(flatten(statusOf(schema)).enums), sorted(FIELD_ENUMS.status));
  });

  void it('have the same defaults', () => {
    assert.deepEqual(sorted(flatten(specOf(schema)).defaults), sorted(SPEC_DEFAULTS));
  });

  void it('use the shared patterns for durations, names and keys', () => {
    const patterns = flatten(specOf(schema)).patterns;
    for (const path of ['lockTimeout', 'statementTimeout', 'retries.backoff']) {
      assert.equal(patterns[path], DURATION_PATTERN, path);
    }
    for (const path of ['database.postgresql.secretRef.name', 'database.sqlite.claimName']) {
      assert.equal(patterns[path], DNS_SUBDOMAIN_PATTERN, path);
    }
    for (const key of ['urlKey', 'userKey', 'passwordKey', 'databaseKey']) {
      assert.equal(patterns[`database.postgresql.secretRef.${key}`], SECRET_KEY_PATTERN, key);
    }
    assert.equal(patterns['database.postgresql.hostKey'], SECRET_KEY_PATTERN);
  });

  void it('names the resource as the constants do', () => {
    const crd = loadCrd();
    assert.equal(crd.metadata.name, CRD_NAME);
    assert.equal(crd.spec.group, GROUP);
    assert.deepEqual(crd.spec.names, {
      kind: KIND,
      listKind: LIST_KIND,
      plural: PLURAL,
      singular: SINGULAR,
      shortNames: [SHORT_NAME],
    });
    assert.deepEqual(
      crd.spec.versions.map((v) => v.name),
      [VERSION],
    );
  });

  void it('points every printer column at a field the schema has', () => {
    const version = loadCrd().spec.versions[0] as unknown as {
      additionalPrinterColumns: { name: string; jsonPath: string }[];
      subresources: Record<string, unknown>;
    };
    assert.deepEqual(
      version.additionalPrinterColumns.map((c) => c.name),
      ['Phase', 'Progress', 'Current', 'Age'],
    );
    const statusFields = Object.keys(STATUS_FIELDS).map((p) => `.status.${p}`);
    for (const column of version.additionalPrinterColumns) {
      if (column.jsonPath === '.metadata.creationTimestamp') continue;
      assert.ok(statusFields.includes(column.jsonPath), `${column.name}: ${column.jsonPath}`);
    }
    assert.deepEqual(version.subresources, { status: {} });
  });

  void it('notices drift: an added, retyped or newly required schema field makes the tables differ', () => {
    const changed = structuredClone(specOf(schema)) as {
      properties: Record<string, SchemaNode>;
      required: string[];
    };
    changed.properties['maintenanceWorkMem'] = { type: 'string' };
    changed.properties['concurrency'] = { type: 'string', default: '2' };
    changed.required = [...changed.required, 'statementTimeout'];
    const flat = flatten(changed).fields;
    assert.notDeepEqual(sorted(flat), sorted(SPEC_FIELDS));
    assert.deepEqual(flat['maintenanceWorkMem'], { type: 'string', optional: true });
    assert.equal(flat['concurrency']?.type, 'string');
    assert.equal(flat['statementTimeout']?.optional, false);
  });
});
