/**
 * The health inspector on a seeded pre-plan ContextForge database (small scale), before and after the
 * whole contextforge catalogue: the duplicate/overlap findings the catalogue adds are exactly the
 * justified overlaps computed from the schema facts (contextforge-overlaps.test.ts checks their notes);
 * the application's own overlaps are there before and after, untouched (not ours to drop).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { contextforgeCatalogue } from '../../migrations/contextforge/index.js';
import { parseOverlaps } from '../../migrations/contextforge/define.js';
import { preEpicSchema } from '../../src/catalogue/contextforge/schema-facts.js';
import type { Dialect } from '../../src/dialects/dialect.js';
import { applyPhases } from '../../src/engine/engine.js';
import { inspectHealth } from '../../src/health/health-inspector.js';
import type { DuplicateFinding } from '../../src/health/health-report.js';
import { createLogger } from '../../src/log.js';
import { SCALES } from '../../src/seed/scale.js';
import { schemaIndexes } from '../../src/seed/schema-indexes.js';
import { ALL_DIALECTS, freshDatabase } from '../helpers/databases.js';
import { seededDatabase } from '../seed/seeded.js';
import { healthFlags, overlapPairs } from './overlaps.js';

const log = createLogger({ level: 'silent' });
const catalogue = contextforgeCatalogue;
const indexes = catalogue.phases.flatMap((p) => p.indexes);
const pairs = overlapPairs(indexes, schemaIndexes(preEpicSchema()));

/** Indexes the inspector should report once the catalogue is applied, with the index each overlaps. */
const expected = new Map<string, Set<string>>();
for (const p of pairs) {
  const flagged = healthFlags(p);
  if (flagged === undefined) continue;
  expected.set(flagged, (expected.get(flagged) ?? new Set()).add(p.longer.name));
}

// Created here, at the top level, so they are dropped when the file ends.
const urls = new Map<string, string>();
for (const dialect of ALL_DIALECTS) urls.set(dialect, (await freshDatabase(dialect, 'w1health')).url);

const flaggedNames = (d: readonly DuplicateFinding[]): string[] => d.map((f) => f.index).sort();

void test('every overlap the inspector will see is justified by a note on the catalogue index', () => {
  assert.ok(expected.size > 0);
  for (const p of pairs) {
    if (healthFlags(p) === undefined) continue;
    const noted = parseOverlaps(p.explainedBy.reason).flatMap((o) => o.with);
    assert.ok(noted.includes(p.other.name), `${p.explainedBy.name} ~ ${p.other.name}`);
  }
});

for (const dialect of ALL_DIALECTS) {
  void describe(`health of a seeded ${dialect} database before and after the contextforge catalogue`, () => {
    let db: Dialect;
    before(async () => {
      ({ db } = await seededDatabase(urls.get(dialect) ?? '', SCALES.small));
    });
    after(async () => {
      await db.close();
    });

    void test('the new duplicate/overlap findings are exactly the justified overlaps', async () => {
      const beforeReport = await inspectHealth(db, catalogue);
      const already = new Set(flaggedNames(beforeReport.findings.duplicates));
      // The application's own overlaps: none of them involves a catalogue index.
      const owned = new Set(indexes.map((i) => i.name));
      for (const f of beforeReport.findings.duplicates) assert.ok(!owned.has(f.duplicateOf), f.index);

      const up = await applyPhases({ dialect: db, log }, catalogue, { concurrency: 2 });
      assert.equal(up.ok, true, up.error?.message);
      const afterReport = await inspectHealth(db, catalogue);
      const added = afterReport.findings.duplicates.filter((f) => !already.has(f.index));
      if (!db.capabilities.supportsPartialIndex) {
        // MariaDB builds a partial index as a full one with its predicate's columns in the key, so the
        // catalogue's notes (written for partial indexes) do not describe its overlaps: every new
        // finding is still an overlap (a leading prefix), never an exact duplicate, and what is missing
        // is exactly what plan skipped for MariaDB's limits.
        for (const f of added) assert.equal(f.kind, 'overlapping', `${f.index} ~ ${f.duplicateOf}`);
        const skipped = up.phases.flatMap((p) =>
          p.indexes.filter((i) => i.status === 'skipped').map((i) => i.name),
        );
        // A skipped index an existing one already serves (InnoDB's own foreign-key index) is not missing.
        const missing = afterReport.findings.missing.map((m) => m.name);
        assert.ok(
          missing.every((n) => skipped.includes(n)),
          missing.join(),
        );
        assert.ok(missing.length >= skipped.length - 1, `${missing.length} of ${skipped.length} missing`);
        assert.ok(skipped.length > 0 && skipped.length < 12, skipped.join());
        return;
      }
      const want = [...expected.keys()].filter((n) => !already.has(n)).sort();
      assert.deepEqual(flaggedNames(added), want);
      assert.equal(afterReport.findings.duplicates.length, already.size + want.length);
      for (const f of added) {
        assert.equal(f.kind, 'overlapping', f.index);
        assert.ok(expected.get(f.index)?.has(f.duplicateOf), `${f.index} overlaps ${f.duplicateOf}`);
      }
      // Every catalogue index was built and none is reported as the redundant one.
      assert.deepEqual(afterReport.findings.missing, []);
      assert.deepEqual(
        afterReport.findings.duplicates.filter((f) => owned.has(f.index)).map((f) => f.index),
        [],
      );
    });
  });
}
