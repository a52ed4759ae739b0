/**
 * The fixed-cost measurement at its smallest: both sides build the same indexes in alternating order,
 * the figures are computed from the rounds shown, and the database is left as it was found (on MariaDB
 * too, where a catalogue index takes over a foreign key's own index: the direct side's drop adds it back
 * as `down` does).
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
import { ActivitySampler } from '../../bench/activity-sampler.js';
import { ALL_DIALECTS, freshDatabase } from '../helpers/databases.js';

const catalogue = loadBuiltInCatalogue('contextforge');

for (const dialect of ALL_DIALECTS) {
  void test(`fixed cost on ${dialect}: alternating rounds, ratio and overhead from them`, async () => {
    const fresh = await freshDatabase(dialect, 'iopfixed');
    const db = await openDialect(fresh.url);
    try {
      await seedDatabase(db, { tools: 100, seed: 3, reset: true, schema: 'pre-epic' });
      const deps = { dialect: db, log: createLogger({ level: 'warn' }) };
      const phases = ['core', 'teams'];
      // The application's tables' indexes (the engine's bookkeeping tables appear with its first run).
      const indexesNow = async (): Promise<string[]> =>
        (await db.introspect()).indexes
          .filter((i) => !i.table.startsWith('index_operator_'))
          .map((i) => `${i.table}.${i.name}(${i.columns.map((c) => c.name).join(',')})`)
          .sort();
      const before = await indexesNow();
      const monitor = dialect === 'postgresql' ? await openMonitor(fresh.url) : undefined;
      const sampler = monitor && new ActivitySampler(monitor.db, monitor.database, 20);
      const measured = measureFixedCost(deps, {
        catalogue,
        phases,
        rounds: 2,
        onSide: (side) => sampler?.label(side),
      });
      const r = await measured.finally(async () => {
        await sampler?.stop().catch(() => undefined);
        await monitor?.db.close();
      });
      const activity = await sampler?.stop();
      if (activity) {
        // The runner lock's session is the engine's alone; the direct side's statements ran on the pool.
        const roles = (side: string): string[] =>
          Object.keys(activity.sides[side]?.sessions ?? {}).map((k) => k.split(' | ')[0] ?? '');
        assert.ok(roles('engine').includes('lock'), `engine roles ${roles('engine').join(', ')}`);
        assert.ok(!roles('direct').includes('lock'), `direct roles ${roles('direct').join(', ')}`);
      }
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
      const s = r.statements;
      if (dialect === 'postgresql') {
        assert.ok(s, 'statements timed on PostgreSQL');
        assert.equal(s.buildPairs, r.indexes * 2, 'every index timed on both sides in both rounds');
        for (const x of r.rounds) {
          const engine = Object.keys(x.engineStatements ?? {}).sort();
          assert.deepEqual(engine, Object.keys(x.directStatements ?? {}).sort(), 'the same statements');
          assert.equal(engine.filter((k) => k.startsWith('create:')).length, r.indexes);
          assert.equal(Object.keys(x.engineRecordedMs ?? {}).length, r.indexes);
        }
        assert.ok(s.engineOutsideSeconds > 0 && s.directOutsideSeconds >= 0);
        assert.ok(s.directBuildSeconds + s.directAnalyzeSeconds + s.directOutsideSeconds <= direct + 1e-9);
      } else {
        assert.equal(s, undefined, 'statements are timed on PostgreSQL only');
      }
      const after = await planRun(deps, catalogue, { phases });
      const created = after.phases.flatMap((p) => p.indexes).filter((i) => i.action === 'create');
      assert.equal(created.length, r.indexes, 'every index both sides built is gone again');
      assert.deepEqual(await indexesNow(), before, 'and the indexes the tables had are there as before');
    } finally {
      await db.close();
    }
  });
}

/** The sampler's session on the same server's `postgres` database (see activity-sampler.ts). */
async function openMonitor(url: string) {
  const u = new URL(url);
  const database = u.pathname.slice(1);
  u.pathname = '/postgres';
  return { db: await openDialect(u.toString()), database };
}
