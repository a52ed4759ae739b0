/** Label and field selectors as the fake API server reads them from list and watch requests. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fieldMatcher, labelMatcher, SelectorError } from './selectors.js';

const job = {
  metadata: {
    name: 'mcp-core-g1',
    namespace: 'apps',
    labels: { 'index-operator.io/migration': 'mcp', tier: 'db' },
  },
};

void describe('labelMatcher', () => {
  const cases: readonly [string, boolean][] = [
    ['', true],
    ['index-operator.io/migration=mcp', true],
    ['index-operator.io/migration==mcp', true],
    ['index-operator.io/migration=other', false],
    ['index-operator.io/migration!=other', true],
    ['tier', true],
    ['!tier', false],
    ['!absent', true],
    ['tier in (db, web)', true],
    ['tier notin (db)', false],
    ['absent notin (x)', true],
    ['tier=db,index-operator.io/migration=mcp', true],
    ['tier=db,index-operator.io/migration=x', false],
  ];
  for (const [selector, expected] of cases) {
    void it(`${JSON.stringify(selector)} -> ${expected}`, () =>
      assert.equal(labelMatcher(selector)(job), expected));
  }

  void it('rejects what it cannot parse', () => {
    assert.throws(() => labelMatcher('a b c'), SelectorError);
  });
});

void describe('fieldMatcher', () => {
  const cases: readonly [string, boolean][] = [
    ['metadata.name=mcp-core-g1', true],
    ['metadata.name==other', false],
    ['metadata.name!=other', true],
    ['metadata.namespace=apps,metadata.name=mcp-core-g1', true],
    ['metadata.namespace=elsewhere', false],
  ];
  for (const [selector, expected] of cases) {
    void it(`${selector} -> ${expected}`, () => assert.equal(fieldMatcher(selector)(job), expected));
  }

  void it('rejects fields the server does not index', () => {
    assert.throws(() => fieldMatcher('status.phase=Running'), SelectorError);
  });
});
