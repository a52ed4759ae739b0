/** JSON Merge Patch (RFC 7386) and JSON Patch (RFC 6902) as the fake API server applies them. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { jsonPatch, mergePatch, PatchError, type JsonPatchOp } from './patches.js';

void describe('mergePatch', () => {
  const cases: readonly [string, unknown, unknown, unknown][] = [
    ['replaces a value', { a: 'b' }, { a: 'c' }, { a: 'c' }],
    ['adds a member', { a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
    ['removes a member with null', { a: 'b', b: 'c' }, { a: null }, { b: 'c' }],
    ['replaces arrays whole', { a: [1, 2] }, { a: [3] }, { a: [3] }],
    ['merges nested objects', { a: { b: 1, c: 2 } }, { a: { c: null, d: 3 } }, { a: { b: 1, d: 3 } }],
    ['replaces a non-object target', { a: 'x' }, { a: { b: 1 } }, { a: { b: 1 } }],
    ['replaces everything with a non-object patch', { a: 1 }, ['x'], ['x']],
  ];
  for (const [what, target, patch, expected] of cases) {
    void it(what, () => assert.deepEqual(mergePatch(target, patch), expected));
  }

  void it('leaves the target untouched', () => {
    const target = { a: { b: 1 } };
    mergePatch(target, { a: { b: 2 } });
    assert.deepEqual(target, { a: { b: 1 } });
  });
});

void describe('jsonPatch', () => {
  const doc = { metadata: { finalizers: ['a'] }, spec: { phases: ['core', 'rbac'], n: 1 } };
  const cases: readonly [string, JsonPatchOp[], unknown][] = [
    ['adds a member', [{ op: 'add', path: '/spec/x', value: 2 }], { ...doc, spec: { ...doc.spec, x: 2 } }],
    [
      'appends with -',
      [{ op: 'add', path: '/metadata/finalizers/-', value: 'b' }],
      { ...doc, metadata: { finalizers: ['a', 'b'] } },
    ],
    [
      'inserts at an index',
      [{ op: 'add', path: '/spec/phases/0', value: 'misc' }],
      { ...doc, spec: { ...doc.spec, phases: ['misc', 'core', 'rbac'] } },
    ],
    [
      'removes an array element',
      [{ op: 'remove', path: '/metadata/finalizers/0' }],
      { ...doc, metadata: { finalizers: [] } },
    ],
    ['replaces', [{ op: 'replace', path: '/spec/n', value: 5 }], { ...doc, spec: { ...doc.spec, n: 5 } }],
    [
      'moves',
      [{ op: 'move', from: '/spec/n', path: '/spec/m' }],
      { ...doc, spec: { phases: ['core', 'rbac'], m: 1 } },
    ],
    ['copies', [{ op: 'copy', from: '/spec/n', path: '/spec/m' }], { ...doc, spec: { ...doc.spec, m: 1 } }],
    ['passes a true test', [{ op: 'test', path: '/spec/n', value: 1 }], doc],
    [
      'escapes ~1 and ~0',
      [{ op: 'add', path: '/metadata/a~1b~0c', value: 1 }],
      { ...doc, metadata: { ...doc.metadata, 'a/b~c': 1 } },
    ],
  ];
  for (const [what, ops, expected] of cases) {
    void it(what, () => assert.deepEqual(jsonPatch(doc, ops), expected));
  }

  const failures: readonly [string, JsonPatchOp[]][] = [
    ['a failed test', [{ op: 'test', path: '/spec/n', value: 2 }]],
    ['removing what is not there', [{ op: 'remove', path: '/spec/nope' }]],
    ['replacing what is not there', [{ op: 'replace', path: '/spec/nope', value: 1 }]],
    ['adding under a missing parent', [{ op: 'add', path: '/status/phase', value: 'x' }]],
    ['an index past the end', [{ op: 'add', path: '/spec/phases/9', value: 'x' }]],
  ];
  for (const [what, ops] of failures) {
    void it(`rejects ${what}`, () => assert.throws(() => jsonPatch(doc, ops), PatchError));
  }

  void it('is all or nothing', () => {
    const before = structuredClone(doc);
    assert.throws(() =>
      jsonPatch(doc, [
        { op: 'replace', path: '/spec/n', value: 9 },
        { op: 'remove', path: '/x' },
      ]),
    );
    assert.deepEqual(doc, before);
  });
});
