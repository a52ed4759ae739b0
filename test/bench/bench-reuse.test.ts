/**
 * What makes a 1m bench feasible without hiding anything: --reuse-seed (the marker must match, the data
 * is brought back to the seed), the per-query repeat budget (the runs made are reported), and sections
 * left out reported as "not run" with the reason.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadBuiltInCatalogue } from '../../src/catalogue/registry.js';
import { openDialect } from '../../src/dialects/open-dialect.js';
import { createLogger } from '../../src/log.js';
import { runBench, type BenchOptions } from '../../bench/run-bench.js';
import { writeReport } from '../../bench/report.js';
import { ran } from '../../bench/bench-result.js';
import { MIN_RUNS } from '../../bench/measure-queries.js';
import { notRunReason, parseDeadline, parseSkip } from '../../bench/sections.js';
import { generatorFiles, generatorVersion, markerMismatches } from '../../bench/seed-marker.js';
import { ALL_DIALECTS, freshDatabase } from '../helpers/databases.js';

function options(url: string, over: Partial<BenchOptions>): BenchOptions {
  return {
    databaseUrl: url,
    scale: 'test',
    tools: 200,
    runs: 5,
    seed: 7,
    reuseSeed: false,
    catalogue: loadBuiltInCatalogue('contextforge'),
    concurrency: 1,
    fixedCostRounds: 1,
    writerIntervalMs: 5,
    loadClients: 2,
    loadSeconds: 1,
    phases: ['core'],
    sections: { skip: ['mix', 'engine-cost', 'write-impact'] },
    log: createLogger({ level: 'warn' }),
    openDatabase: (u) => openDialect(u),
    ...over,
  };
}

for (const dialect of ALL_DIALECTS) {
  void test(`bench reuses its seed on ${dialect} only when the marker matches, and says what it left out`, async () => {
    const db = await freshDatabase(dialect, 'iopreuse');
    const out = mkdtempSync(join(tmpdir(), 'iop-reuse-'));
    try {
      // A tiny budget: every query stops at the minimum number of runs, and the result says so.
      const first = await runBench(options(db.url, { queryBudgetSeconds: 1e-9 }));
      assert.equal(first.load.seed?.reused, false);
      for (const q of first.queries) assert.deepEqual([q.before.runs, q.after.runs], [MIN_RUNS, MIN_RUNS]);
      for (const section of [first.requestMix, first.buildCost, first.writeImpact])
        assert.ok(!ran(section) && /--skip/.test(section.notRun));
      // concurrency 1 and no engine-cost run: the estimate is compared with the main apply
      assert.ok(ran(first.estimates) && first.estimates.actualSeconds === first.build.totalSeconds);

      // The catalogue is still applied and a writer row sits above the seed's: a reuse undoes both.
      const conn = await openDialect(db.url);
      try {
        await conn.execute(
          "INSERT INTO tool_metrics (id, tool_id, timestamp, response_time, is_success) SELECT 99999999, id, '2026-01-01 00:00:00', 1, TRUE FROM tools WHERE id = (SELECT MIN(id) FROM tools)",
        );
      } finally {
        await conn.close();
      }
      const second = await runBench(options(db.url, { reuseSeed: true }));
      assert.equal(second.load.seed?.reused, true);
      assert.equal(second.load.rows, first.load.rows);
      assert.equal(second.dataCheck.before, first.dataCheck.before, 'the writer row was removed');
      assert.equal(second.build.indexesCreated, first.build.indexesCreated, 'the catalogue was dropped');
      // No budget: every run asked, and on to cheapRuns while a query is cheap.
      for (const q of second.queries)
        assert.ok(
          q.before.runs !== undefined && q.before.runs >= 5 && q.before.runs <= (second.cheapRuns ?? 5),
          `${q.name}: no budget, every run (${q.before.runs})`,
        );
      const written = await writeReport(second, out, 'reuse');
      const md = readFileSync(written.markdown, 'utf8');
      assert.match(md, /## Request mix\n\nNot run: left out with --skip mix\./);
      assert.match(md, /## Write impact\n\nNot run: left out with --skip write-impact\./);
      assert.match(md, /reused the seed made at/);

      await assert.rejects(
        runBench(options(db.url, { reuseSeed: true, seed: 8 })),
        /not this run's \(seed: the database has 7, this run wants 8\)/,
      );
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
}

void test('a marker differing in anything this run wants is listed, field by field', () => {
  const marker = {
    scale: '1m',
    tools: 1_000_000,
    seed: 42,
    schema: 'pre-epic' as const,
    generator: generatorVersion('pre-epic'),
    rows: 1,
    loadSeconds: 1,
    rowsPerSecond: 1,
    seededAt: '2026-12-02T00:00:00Z',
    toolMetricsMaxId: 1,
    indexes: [],
  };
  assert.deepEqual(markerMismatches(marker, { ...marker }), []);
  assert.deepEqual(markerMismatches(marker, { ...marker, scale: '100k', generator: 'other' }), [
    'scale: the database has 1m, this run wants 100k',
    `generator: the database has ${marker.generator}, this run wants other`,
  ]);
  assert.notEqual(generatorVersion('pre-epic'), generatorVersion('current'));
});

void test('the generator version covers what makes the rows, not the load sequence', () => {
  const files = generatorFiles('current').map((f) => f.split(/[\\/]/).slice(-2).join('/'));
  for (const f of [
    'seed/data-generator.ts',
    'seed/value-makers.ts',
    'seed/team-layout.ts',
    'seed/schema-ddl.ts',
  ])
    assert.ok(files.includes(f), `${f} is hashed`);
  assert.ok(!files.includes('seed/seed.ts'), 'seed.ts only sequences the load');
  assert.ok(files.includes('facts/schema.json') && !files.includes('facts/schema-pre-epic.json'));
});

void test('a section is not run when skipped or when its predicted time ends past the deadline', () => {
  const now = Date.parse('2026-12-02T17:00:00Z');
  const deadlineMs = parseDeadline('17:30', new Date(now));
  assert.equal(deadlineMs, Date.parse('2026-12-02T17:30:00Z'));
  assert.equal(notRunReason({ skip: [], deadlineMs }, 'write-impact', 29 * 60, now), undefined);
  assert.match(
    notRunReason({ skip: [], deadlineMs }, 'write-impact', 31 * 60, now)?.notRun ?? '',
    /predicted to take about 31 min, past --deadline 2026-12-02T17:30:00.000Z \(30 min left/,
  );
  assert.equal(notRunReason({ skip: ['mix'] }, 'mix', 0, now)?.notRun, 'left out with --skip mix');
  assert.deepEqual(parseSkip('mix, write-impact', ['mix', 'engine-cost', 'write-impact']), [
    'mix',
    'write-impact',
  ]);
  assert.throws(() => parseSkip('mixx', ['mix']), /unknown section mixx/);
  assert.throws(() => parseDeadline('soon', new Date(now)), /--deadline must be/);
});
