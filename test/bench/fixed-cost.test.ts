/**
 * The fixed-cost measurement at its smallest: both sides build the same indexes in alternating order,
 * the figures are computed from the rounds shown, and the database is left as it was found.
 */
import { availableParallelism } from 'node:os';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadBuiltInCatalogue } from '../../src/catalogue/registry.js';
import { openDialect } from '../../src/dialects/open-dialect.js';
import { planRun } from '../../src/engine/engine.js';
import { createLogger } from '../../src/log.js';
import { seedDatabase } from '../../src/seed/seed.js';
import { measureFixedCost } from '../../bench/measure-fixed-cost.js';
import { DIALECTS_WITHOUT_MARIADB, freshDatabase } from '../helpers/databases.js';

const catalogue = loadBuiltInCatalogue('contextforge');

for (const dialect of DIALECTS_WITHOUT_MARIADB) {
  void test(`fixed cost on ${dialect}: alternating rounds, ratio and overhead from them`, async () => {
    const fresh = await freshDatabase(dialect, 'iopfixed');
    const db = await openDialect(fresh.url);
    try {
      await seedDatabase(db, { tools: 100, seed: 3, reset: true, schema: 'pre-epic' });
      const deps = { dialect: db, log: createLogger({ level: 'warn' }) };
      const phases = ['core', 'teams'];
      const r = await measureFixedCost(deps, { catalogue, phases, rounds: 2 });
      assert.deepEqual(
        r.rounds.map((x) => x.first),
        ['direct', 'engine'],
      );
      assert.ok(r.indexes > 0);
      for (const x of r.rounds) {
        assert.ok(x.directSeconds > 0 && x.engineSeconds > 0);
        assert.ok(x.directCpuSeconds > 0 && x.engineCpuSeconds > 0);
        // Seconds, not micro- or milliseconds: one process's CPU fits in its wall time times the cores.
        const cores = availableParallelism();
        assert.ok(x.engineCpuSeconds <= x.engineSeconds * cores, `engine cpu ${x.engineCpuSeconds} s`);
        assert.ok(x.directCpuSeconds <= x.directSeconds * cores, `direct cpu ${x.directCpuSeconds} s`);
      }
      const sum = (f: (x: (typeof r.rounds)[number]) => number): number =>
        r.rounds.reduce((s, x) => s + f(x), 0);
      const direct = sum((x) => x.directSeconds);
      const engine = sum((x) => x.engineSeconds);
      assert.equal(r.ratio, engine / direct);
      assert.equal(r.overheadMsPerIndex, ((engine - direct) * 1000) / (r.indexes * 2));
      const directCpu = sum((x) => x.directCpuSeconds);
      const engineCpu = sum((x) => x.engineCpuSeconds);
      assert.equal(r.cpuRatio, engineCpu / directCpu);
      assert.equal(r.cpuOverheadMsPerIndex, ((engineCpu - directCpu) * 1000) / (r.indexes * 2));
      const after = await planRun(deps, catalogue, { phases });
      const created = after.phases.flatMap((p) => p.indexes).filter((i) => i.action === 'create');
      assert.equal(created.length, r.indexes, 'every index both sides built is gone again');
    } finally {
      await db.close();
    }
  });
}
