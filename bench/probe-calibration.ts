/**
 * Does the speed probe track the builds? Per round on a seeded database: the bookkeeping's recorded
 * builds dropped (as on a freshly seeded database), `plan` (its first estimate, with the speed probe's
 * runs), the same estimate at the default rates, `up --concurrency 1` of the contextforge catalogue
 * (timed), the probe again, then `down`. Prints one JSON line per round: the probe's runs, the default
 * and the first estimate, the actual `up`, and the load average at the round's start and end. Run it
 * under the measure lock at different loads:
 *
 *   flock /work/team/measure.lock npx tsx bench/probe-calibration.ts --database <url> [--rounds 1]
 *
 * The reference time of a dialect's probe (BuildCost.probeReferenceSeconds) is what the probe took when
 * the builds ran at the default rates: probe seconds / (actual / default estimate), over such rounds.
 */
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { loadBuiltInCatalogue } from '../src/catalogue/registry.js';
import { openDialect } from '../src/dialects/open-dialect.js';
import { applyPhases, planRun, rollbackPhases } from '../src/engine/engine.js';
import { createLogger } from '../src/log.js';
import { round } from './stats.js';

const PROBES = 3;
const PROBE_TIMEOUT_MS = 30_000;
/** Dropped before each round: the recorded builds of earlier rounds would set the speed instead. */
const BOOKKEEPING = ['index_operator_index_builds', 'index_operator_migrations'];

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { database: { type: 'string' }, rounds: { type: 'string', default: '1' } },
  });
  const url = values.database;
  if (url === undefined) throw new Error('--database <url> is required');
  const db = await openDialect(url);
  const deps = { dialect: db, log: createLogger({ level: process.env['LOG_LEVEL'] ?? 'warn' }) };
  const catalogue = loadBuiltInCatalogue('contextforge');
  try {
    for (let r = 0; r < Number(values.rounds); r++) {
      for (const table of BOOKKEEPING) await db.execute(`DROP TABLE IF EXISTS ${table}`);
      const loadStart = loadavg();
      const first = await planRun(deps, catalogue, { speedProbeTimeoutMs: PROBE_TIMEOUT_MS });
      const probe = first.estimate.model.probe;
      if (probe?.status !== 'measured') throw new Error(`speed probe: ${JSON.stringify(probe)}`);
      const probes = probe.runs;
      const plan = await planRun(deps, catalogue, { speedProbeTimeoutMs: 0 });
      const defaultSeconds = plan.estimate.totalSeconds;
      const t0 = performance.now();
      const up = await applyPhases(deps, catalogue, { concurrency: 1 });
      const actualSeconds = (performance.now() - t0) / 1000;
      if (!up.ok) throw new Error(`up failed: ${JSON.stringify(up.error)}`);
      const loadEnd = loadavg();
      const probesAfter: number[] = [];
      for (let i = 0; i < PROBES; i++) probesAfter.push(await db.speedProbe(PROBE_TIMEOUT_MS));
      const down = await rollbackPhases(deps, catalogue, {});
      if (!down.ok) throw new Error(`down failed: ${JSON.stringify(down.error)}`);
      console.log(
        JSON.stringify({
          dialect: db.name,
          at: new Date().toISOString(),
          loadStart: loadStart.map((x) => round(x)),
          loadEnd: loadEnd.map((x) => round(x)),
          probes: probes.map((x) => round(x)),
          probesAfter: probesAfter.map((x) => round(x)),
          defaultSeconds: round(defaultSeconds),
          firstSource: first.estimate.model.source,
          probeFactor: round(probe.factor),
          firstEstimateSeconds: round(first.estimate.totalSeconds),
          actualSeconds: round(actualSeconds),
          upDurationSeconds: round(up.durationMs / 1000),
          actualOverDefault: round(actualSeconds / defaultSeconds),
        }),
      );
    }
  } finally {
    await db.close();
  }
}

await main();
