/**
 * The CRD installs on every Kubernetes version the chart claims (Chart.yaml kubeVersion, oldest first),
 * checked the way those API servers check it (test/kube/crd-compatibility.ts), since no real API server
 * runs here: no field the oldest version does not know, every CEL rule under the static cost budget of
 * the pre-1.29 estimator (an enum does not bound a string there). The fake API server admits a CRD with
 * the same check, so a CRD 1.26 refuses is refused in every operator test too.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { crdProblems, oldestSupportedMinor } from '../kube/crd-compatibility.js';
import { MAX_REQUEST_SIZE_BYTES, ruleCost, STATIC_ESTIMATED_COST_LIMIT } from '../kube/cel-cost.js';
import { loadCrd, type CrdDocument, type SchemaNode } from '../kube/crd-validator.js';
import { FakeApiServer } from '../kube/fake-api-server.js';

const CURRENT_MINOR = 35;
const crd = loadCrd();
const chartCrd = loadCrd(
  new URL('../../charts/index-operator/crds/index-operator.io_indexmigrations.yaml', import.meta.url)
    .pathname,
);

function specSchema(doc: CrdDocument): Record<string, SchemaNode> {
  const spec = doc.spec.versions[0]?.schema.openAPIV3Schema.properties?.['spec']?.properties;
  assert.ok(spec);
  return spec;
}

/** A copy of the CRD with fn applied to its spec schema. */
function mutated(fn: (spec: Record<string, Record<string, unknown>>) => void): CrdDocument {
  const copy = structuredClone(crd);
  fn(specSchema(copy));
  return copy;
}

/** The phases rule and database fieldPath/reason the CRD had at 4c6b6bb (what 1.26 refused). */
const OLD_PHASES_RULE = {
  rule: 'self.all(x, self.exists_one(y, y == x))',
  message: 'phases must not repeat a phase',
};

void describe('CRD on the Kubernetes versions the chart claims', () => {
  void it('the chart claims 1.26 and later', () => {
    assert.equal(oldestSupportedMinor(), 26);
  });

  void it('installs on every version from the oldest claimed to the current one', () => {
    for (let minor = oldestSupportedMinor(); minor <= CURRENT_MINOR; minor++) {
      assert.deepEqual(crdProblems(crd, minor), [], `Kubernetes 1.${minor}`);
      assert.deepEqual(crdProblems(chartCrd, minor), [], `the chart's copy on Kubernetes 1.${minor}`);
    }
  });

  void it('refuses x-kubernetes-validations fieldPath and reason before 1.28, as strict decoding does', () => {
    const withFieldPath = mutated((spec) => {
      const rules = spec['database']?.['x-kubernetes-validations'] as Record<string, unknown>[];
      Object.assign(rules[0] ?? {}, { fieldPath: '.postgresql', reason: 'FieldValueRequired' });
    });
    const problems = crdProblems(withFieldPath, 26).map((p) => p.message);
    assert.deepEqual(problems, [
      'strict decoding error: unknown field "spec.versions[0].schema.openAPIV3Schema.properties[spec].properties[database].x-kubernetes-validations[0].fieldPath"',
      'strict decoding error: unknown field "spec.versions[0].schema.openAPIV3Schema.properties[spec].properties[database].x-kubernetes-validations[0].reason"',
    ]);
    assert.equal(crdProblems(withFieldPath, 27).length, 2);
    assert.deepEqual(crdProblems(withFieldPath, 28), []);
  });

  void it('refuses a field no version knows', () => {
    const typo = mutated((spec) => Object.assign(spec['concurrency'] ?? {}, { maximun: 16 }));
    assert.match(
      crdProblems(typo, CURRENT_MINOR)[0]?.message ?? '',
      /unknown field ".*properties\[concurrency\]\.maximun"/,
    );
  });

  void it('refuses the 4c6b6bb phases rule before 1.29 with the API server words and factor (2.0x)', () => {
    const old = mutated((spec) =>
      Object.assign(spec['phases'] ?? {}, { 'x-kubernetes-validations': [OLD_PHASES_RULE] }),
    );
    for (const minor of [26, 27, 28]) {
      assert.deepEqual(
        crdProblems(old, minor).map((p) => p.message),
        [
          'spec.versions[0].schema.openAPIV3Schema.properties[spec].properties[phases].x-kubernetes-validations[0].rule: Forbidden: estimated rule cost exceeds budget by factor of 2.0x (try simplifying the rule, or adding maxItems, maxProperties, and maxLength where arrays, maps, and strings are declared)',
        ],
        `1.${minor}`,
      );
    }
    assert.deepEqual(crdProblems(old, 29), [], 'from 1.29 the enum bounds the items');
    const bounded = mutated((spec) => {
      Object.assign(spec['phases'] ?? {}, { 'x-kubernetes-validations': [OLD_PHASES_RULE] });
      Object.assign(spec['phases']?.['items'] ?? {}, { maxLength: 12 });
    });
    assert.deepEqual(crdProblems(bounded, 26), [], 'maxLength on the items bounds it on 1.26 too');
  });

  void it('every CEL rule reads only bounded strings, lists and maps, and none repeats the schema', () => {
    const spec = specSchema(crd);
    assert.equal(
      spec['phases']?.['x-kubernetes-validations'],
      undefined,
      'list-type set already rejects repeats',
    );
    assert.equal(spec['phases']?.['x-kubernetes-list-type'], 'set');
    assert.equal(spec['database']?.properties?.['dialect']?.['maxLength'], 10);
  });
});

void describe('CEL cost estimate', () => {
  const list = (items: SchemaNode, maxItems?: number): SchemaNode => ({
    type: 'array',
    items,
    ...(maxItems === undefined ? {} : { maxItems }),
  });
  const enumString: SchemaNode = { type: 'string', enum: ['core', 'associations'] };

  void it('an unbounded string is as long as a 3 MiB request; maxLength counts 4 bytes a rune', () => {
    const str: SchemaNode = { type: 'object', properties: { s: { type: 'string' } } };
    // has(): 1 + select operand (self: 1); == literal: 0.1 per char of the smaller side.
    assert.equal(ruleCost("has(self.s) && self.s == 'abc'", str, { minor: 26 }), 2 + 2 + 1);
    const pair: SchemaNode = { type: 'object', properties: { a: { type: 'string' }, b: { type: 'string' } } };
    assert.equal(
      ruleCost('self.a == self.b', pair, { minor: 26 }),
      4 + Math.ceil((MAX_REQUEST_SIZE_BYTES - 2) * 0.1),
    );
    const bounded: SchemaNode = {
      type: 'object',
      properties: { a: { type: 'string', maxLength: 10 }, b: { type: 'string', maxLength: 10 } },
    };
    assert.equal(ruleCost('self.a == self.b', bounded, { minor: 26 }), 4 + 4);
  });

  void it('a comprehension costs its range times the step; an enum bounds items only from 1.29', () => {
    const rule = 'self.all(x, self.exists_one(y, y == x))';
    assert.ok(ruleCost(rule, list(enumString, 8), { minor: 26 }) > 2 * STATIC_ESTIMATED_COST_LIMIT);
    assert.ok(ruleCost(rule, list(enumString, 8), { minor: 29 }) < 1_000);
    assert.ok(
      ruleCost('self.all(x, x.startsWith("a"))', list({ type: 'string' }), { minor: 26 }) >
        (MAX_REQUEST_SIZE_BYTES - 2) / 3,
      'an unbounded list is as long as a request of empty strings',
    );
  });

  void it('the fake API server refuses the CRD a 1.26 API server refuses, and takes it on 1.29', async () => {
    const old = mutated((spec) =>
      Object.assign(spec['phases'] ?? {}, { 'x-kubernetes-validations': [OLD_PHASES_RULE] }),
    );
    const server = await FakeApiServer.start();
    try {
      server.delete('customresourcedefinitions', undefined, 'indexmigrations.index-operator.io');
      const res = await fetch(`${server.url}/apis/apiextensions.k8s.io/v1/customresourcedefinitions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(old),
      });
      assert.equal(res.status, 422);
      const body = (await res.json()) as { message: string };
      assert.match(body.message, /estimated rule cost exceeds budget by factor of 2\.0x/);
    } finally {
      await server.close();
    }
    const newer = await FakeApiServer.start({ kubernetesMinor: 29 });
    try {
      newer.delete('customresourcedefinitions', undefined, 'indexmigrations.index-operator.io');
      assert.ok(newer.create('customresourcedefinitions', old));
    } finally {
      await newer.close();
    }
  });
});

void describe('the claimed range is stated alike everywhere', () => {
  void it('Chart.yaml, the README and docs/minikube.md name 1.26', () => {
    const chart = parseYaml(
      readFileSync(new URL('../../charts/index-operator/Chart.yaml', import.meta.url), 'utf8'),
    ) as {
      kubeVersion: string;
    };
    assert.equal(chart.kubeVersion, '>=1.26.0-0');
    for (const doc of ['../../README.md', '../../docs/minikube.md']) {
      const text = readFileSync(new URL(doc, import.meta.url), 'utf8');
      assert.match(text, /Kubernetes 1\.26 or later/, doc);
    }
  });
});
