/**
 * A build's row is written before its statement starts, also now that the dialect's own checks before
 * the statement (its session, the wait for writers) run while the row is being written: with the row's
 * write held up, nothing is built until it is written; a row that cannot be written fails the build with
 * nothing created. On every dialect.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { exampleCatalogue } from '../../src/catalogue/example/example-catalogue.js';
import { applyPhases } from '../../src/engine/engine.js';
import type { StepPoint } from '../../src/engine/steps.js';
import { ALL_DIALECTS } from '../helpers/databases.js';
import { assertBookkeepingMatchesDatabase, catalogueIndexesInDb, engineFixture } from './engine-fixture.js';

const core = exampleCatalogue.phases.find((p) => p.name === 'core');
const coreNames = new Set(core?.indexes.map((i) => i.name));

for (const dialect of ALL_DIALECTS) {
  void test(`${dialect}: with the build row's write held up, no statement runs before it is written`, async () => {
    const f = await engineFixture(dialect);
    const built = async (): Promise<number> =>
      [...(await catalogueIndexesInDb(f.dialect))].filter(([name]) => coreNames.has(name)).length;
    const running = async (): Promise<number> =>
      Number(
        (
          await f.dialect.query<{ n: unknown }>(
            `SELECT count(*) AS n FROM index_operator_index_builds WHERE status = 'running'`,
          )
        )[0]?.n ?? 0,
      );
    const seen: string[] = [];
    const steps = async (point: StepPoint): Promise<void> => {
      if (point === 'before:insertBuild') {
        const before = await built();
        await sleep(300);
        seen.push(`held: ${before} -> ${await built()} built`);
      }
      if (point === 'during:build') seen.push(`during: ${await running()} running`);
    };
    const report = await applyPhases(f.deps({ steps }), exampleCatalogue, { phases: ['core'] });
    assert.equal(report.ok, true, report.error?.message);
    const n = core?.indexes.length ?? 0;
    assert.equal(seen.filter((s) => s.startsWith('held')).length, n);
    for (let i = 0; i < n; i++) {
      assert.ok(
        seen.includes(`held: ${i} -> ${i} built`),
        `build ${i + 1} waited for its row: ${seen.join('; ')}`,
      );
    }
    assert.deepEqual(
      seen.filter((s) => s.startsWith('during')),
      Array.from({ length: n }, () => 'during: 1 running'),
      'each statement in flight has its row written, running',
    );
    await assertBookkeepingMatchesDatabase(f.dialect);
  });

  void test(`${dialect}: a build row that cannot be written fails the build; nothing is created`, async () => {
    const f = await engineFixture(dialect);
    const steps = async (point: StepPoint): Promise<void> => {
      if (point !== 'before:insertBuild') return;
      await sleep(100); // the dialect's own checks get under way meanwhile
      throw new Error('bookkeeping write refused (test)');
    };
    const report = await applyPhases(f.deps({ steps }), exampleCatalogue, {
      phases: ['core'],
      retries: { limit: 0, backoffMs: 10 },
    });
    assert.equal(report.ok, false);
    assert.match(report.error?.message ?? '', /bookkeeping write refused \(test\)/);
    const present = [...(await catalogueIndexesInDb(f.dialect))].filter(([name]) => coreNames.has(name));
    assert.deepEqual(present, [], 'no index of the phase, valid or INVALID');
  });
}
