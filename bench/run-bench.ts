/**
 * One bench run: seed, hot queries before, apply the catalogue through the engine, hot queries after,
 * write impact (no build / engine / the same statements run directly / one blocking transaction), and
 * the engine's own cost against the same statements run directly. Every compared figure is measured in
 * this run, on this data.
 */
import { cpus, loadavg, totalmem, type as osType, release } from 'node:os';
import type { Logger } from 'pino';
import type { Catalogue } from '../src/catalogue/catalogue.js';
import type { IndexDefinition } from '../src/catalogue/index-definition.js';
import type { Dialect, DialectName } from '../src/dialects/dialect.js';
import {
  applyPhases,
  planRun,
  rollbackPhases,
  type EngineDeps,
  type Estimate,
  type RunReport,
  type UpOptions,
} from '../src/engine/engine.js';
import type {
  BenchResult,
  BuildCost,
  BuildCostResult,
  NotRun,
  EstimateVsActual,
  LoadRun,
  QueryComparison,
  RequestMixResult,
  WriteImpact,
  WriteScenario,
} from './bench-result.js';
import { benchData } from './bench-seed.js';
import { beforeWrites, POOL_SIZE, resolveMix, undoWrites, type ResolvedMix } from './load-statements.js';
import { CHEAP_QUERY_RUNS, measureQueries, resolveQueries, type Repeats } from './measure-queries.js';
import { notRunReason, sectionBuilds, type SectionPlan } from './sections.js';
import { pgbenchLoad, type LoadOptions } from './pgbench-load.js';
import { clientProcessCpu, serverProcessCpu, workerLoad } from './worker-load.js';
import { buildDirect, definitionsToCreate, dropDirect, pendingDefinitions } from './direct-build.js';
import { measureFixedCost } from './measure-fixed-cost.js';
import { nowMs } from './timer.js';
import { startWriter, type WriterResult } from './writer-load.js';

export interface BenchOptions {
  readonly databaseUrl: string;
  readonly scale: string;
  readonly tools: number;
  readonly runs: number;
  readonly seed: number;
  /** Reuse the seed an earlier run left when its marker matches (see bench-seed.ts). */
  readonly reuseSeed: boolean;
  readonly catalogue: Catalogue;
  /** Builds at once for the main apply (step 3); step 6 measures 1 and 2. */
  readonly concurrency: number;
  /** Rounds of the engine-cost section's alternating direct / engine comparison at concurrency 1. */
  readonly fixedCostRounds: number;
  readonly writerIntervalMs: number;
  /** The request mix: concurrent clients, and seconds per load (before and after). */
  readonly loadClients: number;
  readonly loadSeconds: number;
  /** Stop repeating a hot query once its timed runs add up to this (at least 3 runs); undefined: never. */
  readonly queryBudgetSeconds?: number;
  /** Sections to leave out, and the time by which the run should end. */
  readonly sections: SectionPlan;
  /** Phases to apply (default all): the test runs a subset to stay quick. */
  readonly phases?: readonly string[];
  readonly log: Logger;
  readonly openDatabase: (url: string) => Promise<Dialect>;
}

export async function runBench(o: BenchOptions): Promise<BenchResult> {
  const startedAt = new Date().toISOString();
  const loadAtStart = loadavg();
  const db = await o.openDatabase(o.databaseUrl);
  try {
    const deps: EngineDeps = { dialect: db, log: o.log };
    o.log.info({ tools: o.tools, reuseSeed: o.reuseSeed }, 'seeding');
    const load = await benchData(db, o);
    const countBefore = await countRows(db);
    if (countBefore.total !== load.rows)
      throw new Error(
        `bench: the database holds ${countBefore.total} rows, the seed loaded ${load.rows}; ` +
          'run without --reuse-seed to seed it afresh',
      );
    const queries = await resolveQueries(db, o.catalogue.hotQueries);
    o.log.info('measuring hot queries before');
    const before = await measureQueries(db, queries, repeats(o));
    const mixSkipped = notRunReason(o.sections, 'mix', 0, Date.now());
    const mix = mixSkipped ? undefined : await resolveMix(db, o.catalogue, o.seed);
    const loadBefore = mix && (await requestLoad(o, db, mix, 'before'));

    const firstEstimate = (await planRun(deps, o.catalogue, phases(o))).estimate;
    o.log.info('applying the catalogue');
    const applied = await mustSucceed(
      applyPhases(deps, o.catalogue, { concurrency: o.concurrency, ...phases(o) }),
    );
    o.log.info('measuring hot queries after');
    const after = await measureQueries(db, queries, repeats(o));
    const loadAfter = mix && (await requestLoad(o, db, mix, 'after'));
    const countAfter = await countRows(db);

    const comparisons: QueryComparison[] = queries.map(({ query }) => {
      const b = before.get(query.name);
      const a = after.get(query.name);
      if (!b || !a) throw new Error(`bench: query ${query.name} was not measured twice`);
      return {
        name: query.name,
        description: query.description,
        before: b,
        after: a,
        speedup: b.p50Ms / a.p50Ms,
        ...(query.shapeLimit ? { shapeLimit: query.shapeLimit } : {}),
      };
    });

    const buildSeconds = applied.durationMs / 1000;
    const costSkipped = sectionFits(o, 'engine-cost', buildSeconds);
    const cost = costSkipped ? undefined : await measureBuildCost(o, deps, firstEstimate);
    const writeSkipped = sectionFits(o, 'write-impact', buildSeconds);
    const writeImpact = writeSkipped ?? {
      intervalMs: o.writerIntervalMs,
      scenarios: await measureWriteImpact(o, deps, applied.durationMs),
    };
    return {
      version: 2,
      dialect: db.name,
      scale: o.scale,
      tools: o.tools,
      runs: o.runs,
      cheapRuns: repeats(o).cheapRuns,
      ...(o.queryBudgetSeconds === undefined ? {} : { queryBudgetSeconds: o.queryBudgetSeconds }),
      seed: o.seed,
      startedAt,
      finishedAt: new Date().toISOString(),
      loadAverage: { start: loadAtStart, end: loadavg() },
      machine: await machineInfo(db),
      load,
      dataCheck: { before: countBefore.total, after: countAfter.total, tables: countBefore.tables },
      queries: comparisons,
      requestMix:
        mix && loadBefore && loadAfter ? mixResult(o, mix, loadBefore, loadAfter) : (mixSkipped ?? notRunMix),
      build: buildSummary(applied),
      writeImpact,
      estimates: cost?.estimates ?? estimateFromApply(o, firstEstimate, applied, costSkipped),
      buildCost: cost?.buildCost ?? costSkipped ?? { notRun: 'not measured' },
    };
  } finally {
    await db.close();
  }
}

const notRunMix: NotRun = { notRun: 'not measured' };

/** The same rule on both sides: `runs` (within the budget), then on to CHEAP_QUERY_RUNS while cheap. */
function repeats(o: BenchOptions): Repeats {
  const cheapRuns = Math.max(o.runs, CHEAP_QUERY_RUNS);
  return o.queryBudgetSeconds === undefined
    ? { runs: o.runs, cheapRuns }
    : { runs: o.runs, cheapRuns, budgetMs: o.queryBudgetSeconds * 1000 };
}

/** Why a build-heavy section is left out (--skip, or it would end past --deadline), else undefined. */
function sectionFits(
  o: BenchOptions,
  section: 'engine-cost' | 'write-impact',
  buildSeconds: number,
): NotRun | undefined {
  const builds = sectionBuilds(section, o.fixedCostRounds);
  const why = notRunReason(o.sections, section, builds * buildSeconds, Date.now());
  if (why) o.log.warn({ section, why: why.notRun }, 'section not run');
  return why;
}

/**
 * Without the engine-cost section, the estimate is compared with the main apply when that ran one build
 * at a time (as `plan` assumes), with no writer: refined = first, as no build had been recorded before it.
 */
function estimateFromApply(
  o: BenchOptions,
  first: Estimate,
  applied: RunReport,
  costSkipped: NotRun | undefined,
): EstimateVsActual | NotRun {
  if (o.concurrency !== 1)
    return {
      notRun: `the engine-cost run it is compared with was not run (${costSkipped?.notRun ?? 'not measured'}), and the main apply ran at concurrency ${o.concurrency}, not 1`,
    };
  return estimateVsActual(
    first,
    first,
    applied,
    'the main apply (index-operator up, concurrency 1, no writer)',
  );
}

/** How the request mix is sent, per database (pgbench where it applies). */
const LOAD_RUNNERS: Readonly<Record<DialectName, (o: LoadOptions) => Promise<LoadRun>>> = {
  postgresql: pgbenchLoad,
  sqlite: (o) => workerLoad(o, clientProcessCpu()),
  mariadb: (o) => workerLoad(o, serverProcessCpu(['mariadbd', 'mysqld'])),
};

/** One load of the request mix; what its writes changed is undone after, so the data stays the same. */
async function requestLoad(
  o: BenchOptions,
  db: Dialect,
  mix: ResolvedMix,
  when: LoadRun['when'],
): Promise<LoadRun> {
  o.log.info({ when, clients: o.loadClients, seconds: o.loadSeconds }, 'request mix');
  const undo = await beforeWrites(db, mix);
  try {
    return await LOAD_RUNNERS[db.name]({
      db,
      databaseUrl: o.databaseUrl,
      statements: mix.statements,
      clients: o.loadClients,
      seconds: o.loadSeconds,
      when,
      undo,
    });
  } finally {
    await undoWrites(db, undo);
  }
}

function mixResult(o: BenchOptions, mix: ResolvedMix, before: LoadRun, after: LoadRun): RequestMixResult {
  return {
    mix: mix.statements.map((s) => ({ query: s.name, queryClass: s.queryClass, weight: s.weight })),
    leftOut: mix.leftOut,
    poolSize: POOL_SIZE,
    seconds: o.loadSeconds,
    before,
    after,
    throughputRatio: after.requestsPerSecond / before.requestsPerSecond,
    cpuReductionPct: 100 * (1 - after.cpuMsPer1000Requests / before.cpuMsPer1000Requests),
  };
}

function phases(o: BenchOptions): { phases?: readonly string[] } {
  return o.phases ? { phases: o.phases } : {};
}

async function mustSucceed(run: Promise<RunReport>): Promise<RunReport> {
  const report = await run;
  if (!report.ok)
    throw new Error(`bench: ${report.command} failed: ${report.error?.message ?? 'unknown error'}`);
  return report;
}

function buildSummary(r: RunReport): BenchResult['build'] {
  const phases = r.phases.map((p) => ({
    phase: p.name,
    seconds: p.durationMs / 1000,
    indexesCreated: p.indexesCreated,
    indexesSkipped: p.indexesSkipped,
  }));
  const indexes = r.phases.flatMap((p) =>
    p.indexes
      .filter((i) => i.action === 'create' || i.action === 'rebuild')
      .map((i) => ({ phase: p.name, index: i.name, table: i.table, ms: i.durationMs })),
  );
  return {
    totalSeconds: r.durationMs / 1000,
    indexesCreated: phases.reduce((n, p) => n + p.indexesCreated, 0),
    phases,
    indexes,
  };
}

async function countRows(db: Dialect): Promise<{ total: number; tables: number }> {
  const snapshot = await db.introspect();
  let total = 0;
  let tables = 0;
  for (const name of snapshot.tables.keys()) {
    if (name.startsWith('index_operator_')) continue;
    const rows = await db.query<{ n: number | string }>(
      `SELECT count(*) AS n FROM ${db.quoteIdentifier(name)}`,
    );
    total += Number(rows[0]?.n ?? 0);
    tables++;
  }
  return { total, tables };
}

async function resetCatalogue(o: BenchOptions, deps: EngineDeps): Promise<void> {
  await mustSucceed(rollbackPhases(deps, o.catalogue, phases(o)));
}

/**
 * What a hand-written Alembic or Umzug migration does: plain CREATE INDEX, all in one transaction.
 * The dialect's rendering without CONCURRENTLY (PostgreSQL refuses CONCURRENTLY in a transaction), and
 * on MariaDB with ALGORITHM=COPY, LOCK=SHARED instead of the online clause (a table copy, writes wait).
 */
async function buildBlocking(db: Dialect, defs: readonly IndexDefinition[]): Promise<number> {
  const t0 = nowMs();
  await db.transaction(async (tx) => {
    for (const d of defs) await tx.execute(blocking(db.renderCreateIndex(d)));
  });
  return (nowMs() - t0) / 1000;
}

/**
 * The kind of statement the dialect renders for an online build, in words for the report: its first
 * keywords and its online clause (`CREATE INDEX CONCURRENTLY`; `ALTER TABLE … ADD INDEX, ALGORITHM=INPLACE,
 * LOCK=NONE`; SQLite's plain `CREATE INDEX`).
 */
export function statementKind(sql: string): string {
  const head =
    /^\s*(CREATE\s+(?:UNIQUE\s+)?INDEX(?:\s+CONCURRENTLY)?|ALTER\s+TABLE)/i.exec(sql)?.[1] ?? 'index';
  const online = /ALGORITHM=\w+,\s*LOCK=\w+/i.exec(sql)?.[0];
  const words = head.replace(/\s+/g, ' ').replace(/ UNIQUE/i, '');
  return words.toUpperCase().startsWith('ALTER')
    ? `${words} … ADD INDEX${online ? `, ${online}` : ''}`
    : words;
}

/** statementKind of what `db` sends for the first of `defs` (optionally rewritten by `as`). */
function kindOf(db: Dialect, defs: readonly IndexDefinition[], as = (sql: string) => sql): string {
  const first = defs[0];
  return first === undefined ? 'CREATE INDEX' : statementKind(as(db.renderCreateIndex(first)));
}

function blocking(sql: string): string {
  return sql
    .replace(' CONCURRENTLY ', ' ')
    .replace('ALGORITHM=INPLACE, LOCK=NONE', 'ALGORITHM=COPY, LOCK=SHARED');
}

async function withWriter(
  o: BenchOptions,
  scenario: WriteScenario,
  what: string,
  work: () => Promise<number>,
): Promise<WriteImpact> {
  o.log.info({ scenario }, 'write impact');
  const writer = await startWriter(o.databaseUrl, o.writerIntervalMs);
  let buildSeconds: number;
  let result: WriterResult;
  try {
    buildSeconds = await work();
  } finally {
    result = await writer.stop();
  }
  return {
    scenario,
    what,
    buildSeconds,
    latency: result.latency,
    longestStallMs: result.longestStallMs,
    writes: result.samples.length,
    failedWrites: result.failed,
    series: downsample(
      result.samples.map((s) => [s.at / 1000, s.latencyMs] as const),
      600,
    ),
  };
}

/** Keeps at most `max` points, always keeping the slowest of each bucket so stalls stay visible. */
function downsample(
  points: readonly (readonly [number, number])[],
  max: number,
): (readonly [number, number])[] {
  if (points.length <= max) return [...points];
  const size = Math.ceil(points.length / max);
  const out: (readonly [number, number])[] = [];
  for (let i = 0; i < points.length; i += size) {
    const bucket = points.slice(i, i + size);
    out.push(bucket.reduce((w, p) => (p[1] > w[1] ? p : w)));
  }
  return out;
}

/**
 * The engine under the writer: at concurrency 1 (the same one-at-a-time order as the direct run, so the
 * two compare like for like), at concurrency 2, and throttled (a pause between builds and no parallel
 * maintenance workers on PostgreSQL, trading build time for less contention with the application).
 */
const ENGINE_WRITE_RUNS: readonly { scenario: WriteScenario; what: string; options: UpOptions }[] = [
  { scenario: 'engine', what: 'index-operator up, concurrency 1', options: { concurrency: 1 } },
  {
    scenario: 'engine, concurrency 2',
    what: 'index-operator up, concurrency 2',
    options: { concurrency: 2 },
  },
  {
    scenario: 'engine, throttled',
    what: 'index-operator up, concurrency 1, --pause-between-builds 100ms, --max-parallel-maintenance-workers 0',
    options: { concurrency: 1, pauseBetweenBuildsMs: 100, maxParallelMaintenanceWorkers: 0 },
  },
];

async function measureWriteImpact(
  o: BenchOptions,
  deps: EngineDeps,
  buildMs: number,
): Promise<WriteImpact[]> {
  const db = deps.dialect;
  await resetCatalogue(o, deps);
  const defs = await pendingDefinitions(deps, o.catalogue, phases(o));
  const idleSeconds = Math.min(30, Math.max(3, buildMs / 1000));
  const concurrent = db.capabilities.supportsConcurrentBuild;
  const scenarios: WriteImpact[] = [];
  scenarios.push(
    await withWriter(o, 'no build', `nothing, ${idleSeconds.toFixed(1)} s`, async () => {
      await new Promise((r) => setTimeout(r, idleSeconds * 1000));
      return 0;
    }),
  );
  for (const run of ENGINE_WRITE_RUNS) {
    scenarios.push(
      await withWriter(o, run.scenario, run.what, async () => {
        const r = await mustSucceed(applyPhases(deps, o.catalogue, { ...run.options, ...phases(o) }));
        return r.durationMs / 1000;
      }),
    );
    await resetCatalogue(o, deps);
  }
  scenarios.push(
    await withWriter(
      o,
      'direct concurrent',
      concurrent
        ? `the same ${kindOf(db, defs)} statements, one after another`
        : 'the same CREATE INDEX statements, one transaction each',
      () => buildDirect(db, defs),
    ),
  );
  await dropDirect(db, defs);
  scenarios.push(
    await withWriter(
      o,
      'blocking transaction',
      `${kindOf(db, defs, blocking)} for every definition in one transaction`,
      () => buildBlocking(db, defs),
    ),
  );
  await dropDirect(db, defs);
  return scenarios;
}

/**
 * The engine against the same statements run directly: at concurrency 1 in rounds of alternating order
 * (measureFixedCost, the figure the engine-cost aim is judged on), then once at concurrency 2. The first
 * round's engine run is also what `plan`'s estimate (which assumes one build at a time) is compared with,
 * phase by phase; the refined estimate is taken just before the rounds.
 */
async function measureBuildCost(
  o: BenchOptions,
  deps: EngineDeps,
  firstEstimate: Estimate,
): Promise<{ buildCost: BuildCostResult; estimates: EstimateVsActual }> {
  const db = deps.dialect;
  await resetCatalogue(o, deps);
  const plan = await planRun(deps, o.catalogue, phases(o));
  const refined = plan.estimate;
  const kind = kindOf(db, definitionsToCreate(plan));
  let firstRun: RunReport | undefined;
  o.log.info({ rounds: o.fixedCostRounds }, 'build cost: engine and direct, alternating');
  const fixedCost = await measureFixedCost(deps, {
    catalogue: o.catalogue,
    rounds: o.fixedCostRounds,
    ...phases(o),
    onEngineRun: (report) => (firstRun ??= report),
  });
  if (!firstRun) throw new Error('bench: no concurrency-1 run to compare the estimate with');
  const rounds = fixedCost.rounds.length;
  const directSeconds = fixedCost.directSeconds / rounds;
  const c1Seconds = fixedCost.engineSeconds / rounds;
  o.log.info({ concurrency: 2 }, 'build cost: engine');
  const t0 = nowMs();
  await mustSucceed(applyPhases(deps, o.catalogue, { concurrency: 2, ...phases(o) }));
  const c2Seconds = (nowMs() - t0) / 1000;
  const engine: BuildCost[] = [
    { label: `index-operator up, mean of ${rounds}`, concurrency: 1, seconds: c1Seconds },
    { label: 'index-operator up', concurrency: 2, seconds: c2Seconds },
  ].map((e) => ({ ...e, ratioToDirect: e.seconds / directSeconds }));
  return {
    buildCost: {
      directSeconds,
      directWhat: `${fixedCost.indexes} ${kind} statements one after another, with ANALYZE after each phase as the engine does (mean of ${rounds})`,
      engine,
      fixedCost,
      peakRssMiB: process.resourceUsage().maxRSS / 1024,
    },
    estimates: estimateVsActual(
      firstEstimate,
      refined,
      firstRun,
      'index-operator up, concurrency 1, no writer (the engine side of the first engine-cost round)',
    ),
  };
}

function estimateVsActual(
  first: Estimate,
  refined: Estimate,
  run: RunReport,
  actualWhat: string,
): EstimateVsActual {
  const phases = run.phases.map((p) => ({
    phase: p.name,
    builds: refined.phases.find((e) => e.name === p.name)?.builds ?? 0,
    firstEstimateSeconds: first.phases.find((e) => e.name === p.name)?.seconds ?? 0,
    estimateSeconds: refined.phases.find((e) => e.name === p.name)?.seconds ?? 0,
    actualSeconds: p.durationMs / 1000,
  }));
  return {
    actualWhat,
    refinedSamples: refined.model.samples,
    refinedSpeedFactor: refined.model.speedFactor,
    first: {
      source: first.model.source,
      speedFactor: first.model.speedFactor,
      ...(first.model.probe === undefined ? {} : { probe: first.model.probe }),
    },
    phases,
    firstEstimateSeconds: first.totalSeconds,
    estimateSeconds: refined.totalSeconds,
    actualSeconds: run.durationMs / 1000,
  };
}

const VERSION_SQL: Readonly<Record<DialectName, string>> = {
  postgresql: 'SELECT version() AS v',
  sqlite: 'SELECT sqlite_version() AS v',
  mariadb: 'SELECT version() AS v',
};

async function machineInfo(db: Dialect): Promise<BenchResult['machine']> {
  const version = await db.query<{ v: string }>(VERSION_SQL[db.name]);
  const cpu = cpus();
  return {
    cpuModel: cpu[0]?.model.trim() ?? 'unknown',
    cpus: cpu.length,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    os: `${osType()} ${release()}`,
    node: process.version,
    database: `${db.name} ${(version[0]?.v ?? '').split(' on ')[0] ?? ''}`.trim(),
  };
}
