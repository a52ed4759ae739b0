/**
 * The README's resource reference: its example is admitted by the CRD, and its field table names
 * every spec field with the defaults the schema applies, so the documentation cannot drift either.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { createCrdValidator } from '../kube/crd-validator.js';
import { SPEC_DEFAULTS, SPEC_FIELDS } from '../../src/operator/types.js';

const README = fileURLToPath(new URL('../../README.md', import.meta.url));

function resourceSection(): string {
  const text = readFileSync(README, 'utf8');
  const start = text.indexOf('\n## The IndexMigration resource\n');
  assert.ok(start >= 0, 'README has a "The IndexMigration resource" section');
  const end = text.indexOf('\n## ', start + 1);
  return text.slice(start, end < 0 ? undefined : end);
}

/** `| \`field\` | default | rules |` rows -> field -> default cell. */
function tableRows(section: string): Map<string, string> {
  const rows = new Map<string, string>();
  for (const line of section.split('\n')) {
    const m = /^\| `([^`]+)` \|([^|]*)\|/.exec(line);
    if (m?.[1] !== undefined) rows.set(m[1], (m[2] ?? '').trim());
  }
  return rows;
}

void describe('README resource reference', () => {
  const section = resourceSection();

  void it('has an example the CRD admits', () => {
    const blocks = [...section.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1] ?? '');
    assert.ok(blocks.length > 0, 'a yaml example');
    for (const block of blocks) {
      const result = createCrdValidator().admit(parseYaml(block));
      assert.ok(result.ok, result.ok ? '' : result.causes.map((c) => c.message).join('; '));
    }
  });

  void it('lists every leaf spec field, and no other', () => {
    const leaves = Object.entries(SPEC_FIELDS)
      .filter(([, f]) => f.type !== 'object')
      .map(([path]) => path)
      .sort();
    assert.deepEqual([...tableRows(section).keys()].sort(), leaves);
  });

  void it('shows the defaults the schema applies', () => {
    const rows = tableRows(section);
    for (const [path, value] of Object.entries(SPEC_DEFAULTS)) {
      const cell = rows.get(path) ?? '';
      if (Array.isArray(value)) assert.equal(cell, 'all eight', path);
      else assert.equal(cell, `\`${String(value)}\``, path);
    }
  });
});
