/**
 * The engine's fixed cost: `up` at concurrency 1 against the same statements run directly (direct-build.ts)
 * on one database, in rounds whose order alternates (direct then engine, engine then direct) so that a
 * drift of the machine's load or of the database's caches weighs on both sides alike. Each side is timed
 * from outside, around the whole call (the engine's runner lock, bookkeeping and re-checks included);
 * what each side built is undone before the next, untimed.
 */
import type { Catalogue } from '../src/catalogue/catalogue.js';
import { applyPhases, rollbackPhases, type EngineDeps, type RunReport } from '../src/engine/engine.js';
import { buildDirect, dropDirect, pendingDefinitions } from './direct-build.js';
import { nowMs } from './timer.js';

export interface FixedCostOptions {
  readonly catalogue: Catalogue;
  /** Phases to build (default all). */
  readonly phases?: readonly string[];
  /** Rounds; each runs both sides once, the first side alternating between rounds. */
  readonly rounds: number;
}

export interface FixedCostRound {
  readonly first: 'direct' | 'engine';
  readonly directSeconds: number;
  readonly engineSeconds: number;
}

export interface FixedCostResult {
  /** Indexes each side built per round. */
  readonly indexes: number;
  readonly rounds: readonly FixedCostRound[];
  /** Sums over the rounds. */
  readonly directSeconds: number;
  readonly engineSeconds: number;
  /** engineSeconds / directSeconds. */
  readonly ratio: number;
  /** (engineSeconds - directSeconds) per index built, in milliseconds. */
  readonly overheadMsPerIndex: number;
}

export async function measureFixedCost(deps: EngineDeps, o: FixedCostOptions): Promise<FixedCostResult> {
  const selection = o.phases ? { phases: o.phases } : {};
  await mustSucceed(rollbackPhases(deps, o.catalogue, selection));
  const defs = await pendingDefinitions(deps, o.catalogue, selection);
  if (defs.length === 0) throw new Error('fixed cost: the selected phases have no index to build here');
  const direct = async (): Promise<number> => {
    const seconds = await buildDirect(deps.dialect, defs);
    await dropDirect(deps.dialect, defs);
    return seconds;
  };
  const engine = async (): Promise<number> => {
    const t0 = nowMs();
    const report = await mustSucceed(applyPhases(deps, o.catalogue, { concurrency: 1, ...selection }));
    const seconds = (nowMs() - t0) / 1000;
    const built = report.phases.reduce((n, p) => n + p.indexesCreated, 0);
    if (built !== defs.length) throw new Error(`fixed cost: the engine built ${built} of ${defs.length}`);
    await mustSucceed(rollbackPhases(deps, o.catalogue, selection));
    return seconds;
  };
  const rounds: FixedCostRound[] = [];
  for (let i = 0; i < o.rounds; i++) {
    const first = i % 2 === 0 ? 'direct' : 'engine';
    const a = first === 'direct' ? await direct() : await engine();
    const b = first === 'direct' ? await engine() : await direct();
    rounds.push({
      first,
      directSeconds: first === 'direct' ? a : b,
      engineSeconds: first === 'direct' ? b : a,
    });
  }
  return summarizeFixedCost(defs.length, rounds);
}

export function summarizeFixedCost(indexes: number, rounds: readonly FixedCostRound[]): FixedCostResult {
  const directSeconds = rounds.reduce((s, r) => s + r.directSeconds, 0);
  const engineSeconds = rounds.reduce((s, r) => s + r.engineSeconds, 0);
  return {
    indexes,
    rounds,
    directSeconds,
    engineSeconds,
    ratio: engineSeconds / directSeconds,
    overheadMsPerIndex: ((engineSeconds - directSeconds) * 1000) / (indexes * rounds.length),
  };
}

async function mustSucceed(run: Promise<RunReport>): Promise<RunReport> {
  const report = await run;
  if (!report.ok) throw new Error(`fixed cost: ${report.command} failed: ${report.error?.message ?? ''}`);
  return report;
}
