/**
 * The bench at its smallest: a real run on each dialect (a few hundred tools, two phases) must complete
 * and produce a report with every section and a number in every cell. It asserts the structure and the
 * honesty of the figures (same data before and after, ratios computed from the figures shown), not speed.
 */
import { preEpicSchema } from '../../src/catalogue/contextforge/schema-facts.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadBuiltInCatalogue } from '../../src/catalogue/registry.js';
import { openDialect } from '../../src/dialects/open-dialect.js';
import { createLogger } from '../../src/log.js';
import { runBench } from '../../bench/run-bench.js';
import { writeReport } from '../../bench/report.js';
import { summarizeWriter } from '../../bench/writer-load.js';
import { summarizeFixedCost } from '../../bench/measure-fixed-cost.js';
import { ran, type BenchResult, type NotRun } from '../../bench/bench-result.js';
import { ALL_DIALECTS, freshDatabase } from '../helpers/databases.js';
import { REQUEST_MIX } from '../../bench/request-mix.js';
import { engineCostFigure, roundsStraddle } from '../../bench/report-cost.js';
import { fmt } from '../../bench/markdown.js';

const SECTIONS = [
  '## Machine',
  '## Load',
  '## Hot queries',
  '## Hot queries short of an aim',
  '## Request mix',
  '## Build',
  '## Estimated build time',
  '## Write impact',
  '## Engine cost',
  '## Aims',
  '## Charts',
];

/** Figures that may be negative: a change (e.g. CPU per request up after the catalogue on tiny data). */
const SIGNED = new Set([
  'result.requestMix.cpuReductionPct',
  // the engine's overhead: at this size it may come out below the direct statements' own time
  'result.buildCost.fixedCost.overheadMsPerIndex',
  'result.buildCost.fixedCost.cpuOverheadMsPerIndex',
  // outside the statements: the engine's steps may take less than the direct side's between-statement time
  'result.buildCost.fixedCost.statements.outsideOverheadMsPerIndex',
  'result.buildCost.fixedCost.statements.outsideOverheadMsPerIndexByRound[0]',
  'result.buildCost.fixedCost.statements.outsideOverheadMsPerIndexByRound[1]',
  'result.buildCost.fixedCost.statements.recordedOverStatementMs',
]);

function assertFiniteNumbers(value: unknown, path: string): void {
  if (typeof value === 'number') {
    assert.ok(Number.isFinite(value), `${path} is ${value}`);
    if (!SIGNED.has(path)) assert.ok(value >= 0, `${path} is negative: ${value}`);
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => assertFiniteNumbers(v, `${path}[${i}]`));
  } else if (typeof value === 'object' && value !== null) {
    for (const [k, v] of Object.entries(value)) assertFiniteNumbers(v, `${path}.${k}`);
  }
}

function assertHonest(r: BenchResult): void {
  assert.equal(r.dataCheck.before, r.dataCheck.after, 'before and after were measured on the same data');
  assert.ok(r.dataCheck.before > 0);
  // Every hot query on the pre-epic schema's tables (the current schema's own are left out there).
  const onPreEpic = loadBuiltInCatalogue('contextforge').hotQueries.filter((q) =>
    q.tables.every((t) => preEpicSchema().tables.some((x) => x.name === t)),
  );
  assert.equal(r.queries.length, onPreEpic.length);
  for (const q of r.queries) {
    assert.equal(q.speedup, q.before.p50Ms / q.after.p50Ms, `${q.name}: speedup is before/after`);
    assert.equal(q.before.rows, q.after.rows, `${q.name}: same rows before and after`);
    // The same repeat rule on both sides: the runs asked, then on to cheapRuns while the query is cheap.
    for (const side of [q.before, q.after])
      assert.ok(
        side.runs !== undefined && side.runs >= r.runs && side.runs <= (r.cheapRuns ?? r.runs),
        `${q.name}: ${side.runs} runs`,
      );
  }
  const writeImpact = mustRun(r.writeImpact, 'write impact');
  const buildCost = mustRun(r.buildCost, 'engine cost');
  const scenarios = writeImpact.scenarios.map((s) => s.scenario);
  assert.deepEqual(scenarios, [
    'no build',
    'engine',
    'engine, concurrency 2',
    'engine, throttled',
    'direct concurrent',
    'blocking transaction',
  ]);
  // Each scenario names the statements this dialect really sent (MariaDB: no CONCURRENTLY).
  const direct = writeImpact.scenarios.find((s) => s.scenario === 'direct concurrent')?.what ?? '';
  const online = { postgresql: /CREATE INDEX CONCURRENTLY/, mariadb: /ALGORITHM=INPLACE, LOCK=NONE/ };
  for (const [dialect, statement] of Object.entries(online)) {
    assert.equal(statement.test(direct), r.dialect === dialect, `${r.dialect}: ${direct}`);
    assert.equal(statement.test(buildCost.directWhat), r.dialect === dialect, buildCost.directWhat);
  }
  for (const s of writeImpact.scenarios) {
    assert.ok(s.writes > 0, `${s.scenario}: the writer wrote`);
    assert.equal(s.failedWrites, 0, `${s.scenario}: no write failed`);
    assert.ok(s.latency.max >= s.latency.p99 && s.latency.p99 >= s.latency.p50);
  }
  assert.ok(r.build.indexesCreated > 0);
  assert.equal(r.build.phases.map((p) => p.phase).join(','), 'core,teams');
  assert.deepEqual(
    buildCost.engine.map((e) => e.concurrency),
    [1, 2],
  );
  for (const e of buildCost.engine) assert.equal(e.ratioToDirect, e.seconds / buildCost.directSeconds);
  assertFixedCost(r);
  assertLoadAverage(r);
  assertRequestMix(r);
  assertEstimates(r);
  assertFiniteNumbers(r, 'result');
}

/** plan's estimates per phase beside the concurrency-1 run's phases; the refined one learned from earlier builds. */
function assertEstimates(r: BenchResult): void {
  const e = mustRun(r.estimates, 'estimate');
  assert.deepEqual(
    e.phases.map((p) => p.phase),
    ['core', 'teams'],
  );
  for (const p of e.phases) {
    assert.ok(p.builds > 0, `${p.phase}: indexes to build`);
    assert.ok(p.firstEstimateSeconds > 0 && p.estimateSeconds > 0 && p.actualSeconds > 0, p.phase);
  }
  assert.equal(
    e.phases.reduce((n, p) => n + p.builds, 0),
    r.build.indexesCreated,
    'the estimate counts the indexes the first apply built',
  );
  // The bench's earlier engine runs were rolled back; their builds are measurements all the same.
  assert.ok(e.refinedSamples > 0, 'the refined estimate learned from the builds recorded earlier in the run');
  assert.ok(e.refinedSpeedFactor > 0, 'the refined estimate has a speed factor');
  const firstRound = mustRun(r.buildCost, 'engine cost').fixedCost?.rounds[0];
  assert.ok(firstRound, 'the engine-cost section ran its rounds');
  assert.ok(
    e.actualSeconds > 0 && e.actualSeconds <= firstRound.engineSeconds,
    "compared with the first round's engine run (its own duration, within the time taken around it)",
  );
}

/**
 * The engine-cost figure comes from the alternating rounds: the ratio and the overhead from the rounds
 * shown, the concurrency-1 row their mean, the aim marked from that ratio.
 */
function assertFixedCost(r: BenchResult): void {
  const c = mustRun(r.buildCost, 'engine cost');
  const f = c.fixedCost;
  assert.ok(f, 'the engine-cost section has its alternating rounds');
  assert.deepEqual(
    f.rounds.map((x) => x.first),
    ['direct', 'engine'],
  );
  assert.equal(f.indexes, r.build.indexesCreated, 'each side built what the main apply built');
  const direct = f.rounds.reduce((n, x) => n + x.directSeconds, 0);
  const engine = f.rounds.reduce((n, x) => n + x.engineSeconds, 0);
  assert.equal(f.ratio, engine / direct);
  assert.equal(f.overheadMsPerIndex, ((engine - direct) * 1000) / (f.indexes * f.rounds.length));
  assert.equal(c.directSeconds, direct / 2);
  assert.equal(c.engine.find((x) => x.concurrency === 1)?.seconds, engine / 2);
  const figure = engineCostFigure(r);
  assert.ok(ran(figure) && figure.rounds === 2 && figure.aim === 1.2 && figure.wholeRatio === f.ratio);
  // Where the statements are timed (PostgreSQL) the aim is marked on the ratio rebuilt from the parts.
  const s = f.statements;
  assert.equal(s !== undefined, r.dialect === 'postgresql', 'statements are timed on PostgreSQL');
  assert.equal(figure.basis, s ? 'parts' : 'whole');
  assert.equal(figure.ratio, s ? s.partsRatio : f.ratio);
  assert.equal(figure.met, figure.ratio <= 1.2);
  if (s) {
    assert.equal(s.buildPairs, f.indexes * 2, 'every index paired in every round');
    for (const x of f.rounds) {
      const inside = Object.values(x.engineStatements ?? {}).reduce((a, b) => a + b, 0) / 1000;
      assert.ok(inside > 0 && inside < x.engineSeconds, 'the statements lie within the whole call');
    }
  }
}

function mustRun<T extends object>(section: T | NotRun, label: string): T {
  if (!ran(section)) assert.fail(`${label} was not run: ${section.notRun}`);
  return section;
}

function assertLoadAverage(r: BenchResult): void {
  for (const at of [r.loadAverage.start, r.loadAverage.end])
    assert.equal(at.length, 3, 'loadavg: 1, 5, 15 min');
}

/** The request mix ran before and after, every query of the mix answered, figures computed from each other. */
function assertRequestMix(r: BenchResult): void {
  const m = mustRun(r.requestMix, 'request mix');
  assert.deepEqual(m.leftOut, [], 'every query of the mix runs on the pre-epic schema');
  assert.deepEqual(
    m.mix.map((x) => x.query),
    REQUEST_MIX.map((x) => x.query),
  );
  for (const l of [m.before, m.after]) {
    assert.equal(l.failedRequests, 0, `${l.when}: no request failed`);
    assert.ok(l.requests > 0 && l.windowSeconds > 0, `${l.when}: requests in a measured window`);
    assert.equal(l.requestsPerSecond, l.requests / l.windowSeconds);
    assert.ok(l.cpuSeconds > 0, `${l.when}: the database used CPU (${l.cpuSource})`);
    assert.equal(l.cpuMsPer1000Requests, (1_000_000 * l.cpuSeconds) / l.requests);
    assert.deepEqual(
      l.classes.map((c) => c.queryClass),
      ['auth', 'rbac', 'listings', 'metrics', 'writes'],
    );
    for (const c of l.classes) assert.ok(c.requests > 0 && c.p99Ms >= c.p50Ms, `${l.when} ${c.queryClass}`);
    const share = l.classes.reduce((n, c) => n + c.timeSharePct, 0);
    assert.ok(Math.abs(share - 100) < 1e-6, `${l.when}: class time shares add up to 100 (${share})`);
  }
  assert.equal(m.throughputRatio, m.after.requestsPerSecond / m.before.requestsPerSecond);
  assert.equal(m.cpuReductionPct, 100 * (1 - m.after.cpuMsPer1000Requests / m.before.cpuMsPer1000Requests));
}

for (const dialect of ALL_DIALECTS) {
  void test(`bench runs end to end on ${dialect} and reports every section`, async () => {
    const db = await freshDatabase(dialect, 'iopbench');
    const out = mkdtempSync(join(tmpdir(), 'iop-bench-'));
    try {
      const result = await runBench({
        databaseUrl: db.url,
        scale: 'test',
        tools: 200,
        runs: 2,
        seed: 7,
        reuseSeed: false,
        sections: { skip: [] },
        catalogue: loadBuiltInCatalogue('contextforge'),
        concurrency: 2,
        fixedCostRounds: 2,
        writerIntervalMs: 5,
        loadClients: 2,
        loadSeconds: 2,
        phases: ['core', 'teams'],
        log: createLogger({ level: 'warn' }),
        openDatabase: (url) => openDialect(url),
      });
      assertHonest(result);
      const written = await writeReport(result, out, `${dialect}-test`);
      const md = readFileSync(written.markdown, 'utf8');
      for (const s of SECTIONS) assert.ok(md.includes(`\n${s}\n`), `report has ${s}`);
      const fixed = mustRun(result.buildCost, 'engine cost').fixedCost;
      assert.ok(
        md.includes(`ratio ${fmt(fixed?.ratio ?? NaN)}x, overhead`),
        "report gives the rounds' ratio",
      );
      assert.match(md, /- Engine build time at most 1\.2x .*: (met|not met) \(.*, 2 alternating rounds\)\./);
      // Every query short of either aim is in the list, and only those.
      const list = md.slice(
        md.indexOf('\n## Hot queries short of an aim\n'),
        md.indexOf('\n## Request mix\n'),
      );
      for (const q of result.queries)
        assert.equal(
          list.includes(`\n| ${q.name} |`),
          q.speedup < 10 || q.after.p50Ms >= 1,
          `${q.name} is listed exactly when it misses an aim`,
        );
      // PostgreSQL: the server's own time of every query, on both sides.
      for (const q of result.queries)
        for (const side of [q.before, q.after])
          assert.equal(side.server !== undefined && side.server.runs >= 1, dialect === 'postgresql', q.name);
      const cells = md
        .split('\n')
        .filter((l) => l.startsWith('| ') && !l.startsWith('| ---'))
        .flatMap((l) => l.split(' | ').map((c) => c.replace(/^\| |\s\|$/g, '').trim()));
      assert.ok(!cells.includes(''), 'no empty table cell');
      assert.ok(!cells.includes('n/a'), 'no missing number');
      assert.ok(!cells.includes('NaN'), 'no NaN');
      assert.equal(written.charts.length, 4);
      for (const chart of written.charts) assert.match(readFileSync(chart, 'utf8'), /^<svg[\s\S]*<\/svg>$/);
      assert.equal((JSON.parse(readFileSync(written.json, 'utf8')) as BenchResult).dialect, dialect);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
}

void test('the longest stall is the longest time without a completed write, less the interval', () => {
  const r = summarizeWriter(
    [
      { at: 0, latencyMs: 1, op: 'insert', ok: true },
      { at: 5, latencyMs: 1, op: 'update', ok: true },
      { at: 10, latencyMs: 2000, op: 'insert', ok: true },
      { at: 2015, latencyMs: 1, op: 'update', ok: true },
    ],
    5,
  );
  assert.equal(r.longestStallMs, 2010 - 6 - 5);
  assert.equal(r.latency.max, 2000);
  assert.equal(summarizeWriter([], 5).longestStallMs, 0);
});

void test('rounds whose own ratios fall on both sides of the aim are named; rounds on one side are not', () => {
  const round = (directSeconds: number, engineSeconds: number) => ({
    first: 'direct' as const,
    directSeconds,
    engineSeconds,
    directCpuSeconds: 0,
    engineCpuSeconds: 0,
  });
  const cost = (rounds: ReturnType<typeof round>[]) => ({
    directSeconds: 1,
    directWhat: 'direct',
    engine: [],
    peakRssMiB: 1,
    fixedCost: summarizeFixedCost(70, rounds),
  });
  assert.deepEqual(roundsStraddle(cost([round(100, 63), round(38, 52)]), 1.05), { min: 0.63, max: 52 / 38 });
  assert.equal(roundsStraddle(cost([round(100, 101), round(50, 51)]), 1.05), undefined);
  assert.equal(roundsStraddle(cost([round(100, 63)]), 1.05), undefined, 'one round: nothing to compare');
  assert.equal(roundsStraddle({ notRun: 'skipped' }, 1.05), undefined);
});
