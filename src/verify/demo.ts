/**
 * The demo: seed a ContextForge-shaped database, time the hot queries, apply every phase of the
 * catalogue (timed per phase), time the queries again and report before/after with the verify result.
 */
import type { Logger } from 'pino';
import type { Catalogue } from '../catalogue/catalogue.js';
import type { Dialect } from '../dialects/dialect.js';
import { applyPhases, type RunReport } from '../engine/engine.js';
import { seedDatabase, type SeedReport } from '../seed/seed.js';
import { timeQueries, type QueryTiming } from './time-queries.js';
import { queriesOnTables, runVerify, type VerifyReport } from './verify.js';

export interface DemoOptions {
  readonly tools: number;
  readonly seed: number;
  readonly runs: number;
  readonly reset: boolean;
  /** One line per step as it starts (progress for people). */
  readonly step?: (text: string) => void;
  readonly signal?: AbortSignal;
}

export interface DemoQueryRow {
  readonly name: string;
  readonly beforeMs: number;
  readonly afterMs: number;
  readonly speedup: number;
  readonly indexBefore: readonly string[];
  readonly indexAfter: readonly string[];
}

export interface DemoReport {
  readonly target: string;
  readonly seed: SeedReport;
  readonly run: RunReport;
  readonly queries: readonly DemoQueryRow[];
  readonly verifyBefore: VerifyReport;
  readonly verifyAfter: VerifyReport;
  readonly ok: boolean;
}

export async function runDemo(
  db: Dialect,
  catalogue: Catalogue,
  log: Logger,
  options: DemoOptions,
): Promise<DemoReport> {
  const step = options.step ?? ((): void => undefined);
  step(`seeding ${db.target} (${options.tools.toLocaleString('en-US')} tools, seed ${options.seed})`);
  const seed = await seedDatabase(db, {
    tools: options.tools,
    seed: options.seed,
    reset: options.reset,
    schema: 'pre-epic',
  });
  // Only the queries on tables this schema has (the others are hot paths of a newer schema).
  const hot = await queriesOnTables(db, catalogue.hotQueries);
  step(`timing ${hot.length} hot queries before (median of ${options.runs} runs)`);
  const verifyBefore = await runVerify(db, hot);
  const before = await timeQueries(db, hot, options.runs);
  step(`applying ${catalogue.phases.length} phases`);
  const run = await applyPhases(
    { dialect: db, log, ...(options.signal ? { signal: options.signal } : {}) },
    catalogue,
  );
  await db.analyze([...(await db.introspect()).tables.keys()]);
  step('timing the hot queries after');
  const after = await timeQueries(db, hot, options.runs);
  const verifyAfter = await runVerify(db, hot);
  const queries = compare(before, after, verifyBefore, verifyAfter);
  return { target: db.target, seed, run, queries, verifyBefore, verifyAfter, ok: run.ok && verifyAfter.ok };
}

function compare(
  before: readonly QueryTiming[],
  after: readonly QueryTiming[],
  verifyBefore: VerifyReport,
  verifyAfter: VerifyReport,
): DemoQueryRow[] {
  return before.map((b, i) => {
    const afterMs = after[i]?.medianMs ?? 0;
    return {
      name: b.name,
      beforeMs: b.medianMs,
      afterMs,
      speedup: afterMs > 0 ? b.medianMs / afterMs : 0,
      indexBefore: verifyBefore.queries[i]?.indexesUsed ?? [],
      indexAfter: verifyAfter.queries[i]?.indexesUsed ?? [],
    };
  });
}
