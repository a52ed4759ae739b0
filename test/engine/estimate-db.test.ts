/**
 * The build-time estimate against the real databases: table sizes, `plan`'s estimate (also as the CLI
 * prints it), earlier builds changing the rate, and `status` counting down during a run.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { exampleCatalogue } from '../../src/catalogue/example/example-catalogue.js';
import type { Dialect, DialectName } from '../../src/dialects/dialect.js';
import { openDialect } from '../../src/dialects/open-dialect.js';
import {
  applyPhases,
  planRun,
  readStatus,
  rollbackPhases,
  type StatusReport,
} from '../../src/engine/engine.js';
import { PRIOR_SECONDS, buildSeconds } from '../../src/engine/estimate.js';
import { SqlBookkeepingStore } from '../../src/engine/sql-bookkeeping-store.js';
import { ALL_DIALECTS } from '../helpers/databases.js';
import { describeResult, runCliProcess } from '../cli/cli-process.js';
import { engineFixture } from './engine-fixture.js';

const TABLES = ['authors', 'posts', 'comments'];
const builds = (s: StatusReport) => s.estimate?.phases.reduce((n, p) => n + p.builds, 0) ?? -1;

for (const kind of ALL_DIALECTS) {
  void describe(`estimate on ${kind}`, { concurrency: false }, () => {
    void test('tableSizes: bytes and rows of existing tables; a missing table is left out', async () => {
      const f = await engineFixture(kind, 2000);
      await f.dialect.analyze(TABLES);
      const sizes = await f.dialect.tableSizes([...TABLES, 'no_such_table']);
      assert.deepEqual([...sizes.keys()].sort(), [...TABLES].sort());
      for (const [name, size] of sizes) {
        assert.ok(size.bytes > 0, `${name} has bytes (${size.bytes})`);
        assert.ok(size.rows > 0, `${name} has rows (${size.rows})`);
      }
      const posts = sizes.get('posts');
      const authors = sizes.get('authors');
      assert.ok(posts && authors && posts.bytes > authors.bytes, 'posts (2000 rows) is larger than authors');
    });

    void test('plan: per phase and in total from the sizes and the default rate; the CLI prints it', async () => {
      const f = await engineFixture(kind, 2000);
      const plan = await planRun(f.deps(), exampleCatalogue, { speedProbeTimeoutMs: 0 });
      const { model, phases, totalSeconds } = plan.estimate;
      assert.equal(model.source, 'default');
      assert.equal(model.probe?.status, 'skipped');
      assert.deepEqual(
        { fixed: model.fixedSeconds, bytes: model.bytesPerSecond, rows: model.rowsPerSecond },
        {
          fixed: f.dialect.capabilities.buildCost.fixedSeconds,
          bytes: f.dialect.capabilities.buildCost.bytesPerSecond,
          rows: f.dialect.capabilities.buildCost.rowsPerSecond,
        },
      );
      assert.deepEqual(
        phases.map((p) => [p.name, p.builds]),
        plan.phases.map((p) => [p.name, p.indexes.filter((i) => i.action === 'create').length]),
      );
      for (const p of phases) {
        // Every table has data: each build is estimated above the fixed cost alone.
        assert.ok(p.seconds > p.builds * model.fixedSeconds, `${p.name}: ${p.seconds}s`);
      }
      const sum = phases.reduce((s, p) => s + p.seconds, 0);
      assert.ok(Math.abs(totalSeconds - sum) < 1e-9);

      const cli = await runCliProcess([
        'plan',
        '--database',
        f.db.url,
        '--catalogue',
        'example',
        '--speed-probe-timeout',
        '0',
      ]);
      assert.equal(cli.code, 0, describeResult(cli));
      assert.match(cli.stdout, /phase core: pending \(checksum [0-9a-f]{12}, estimated [0-9.]+m?s\)/);
      assert.match(
        cli.stdout,
        /Estimated build time: [0-9.]+m?s for 8 indexes \(one at a time; default rate of this dialect: .*; no speed probe: turned off/,
      );
    });

    void test('the speed probe runs on the database, writes nothing, and scales the defaults', async () => {
      const f = await engineFixture(kind, 2000);
      const before = await databaseState(f.dialect);
      const plan = await planRun(f.deps(), exampleCatalogue);
      assert.deepEqual(
        await databaseState(f.dialect),
        before,
        'schema, row counts and temp objects unchanged',
      );
      const { model } = plan.estimate;
      const probe = model.probe;
      assert.ok(probe?.status === 'measured', `probe ${JSON.stringify(probe)}`);
      assert.equal(model.source, 'probe');
      assert.ok(probe.seconds > 0);
      assert.equal(probe.referenceSeconds, f.dialect.capabilities.buildCost.probeReferenceSeconds);
      assert.equal(model.speedFactor, probe.seconds / probe.referenceSeconds);
      // Every term is the default's scaled by the probe's factor. (Not checked against a second plan
      // without the probe: MariaDB's TABLE_ROWS is an estimate InnoDB may refresh between two reads, so the
      // sizes under the two plans can differ; CI 2026-12-03 saw 1.2%.)
      const d = f.dialect.capabilities.buildCost;
      assert.equal(model.fixedSeconds, d.fixedSeconds * probe.factor);
      assert.equal(model.overheadSeconds, d.overheadSeconds * probe.factor);
      assert.equal(model.rowsPerSecond, d.rowsPerSecond / probe.factor);
      assert.equal(model.bytesPerSecond, d.bytesPerSecond / probe.factor);
      assert.equal(model.analyzeBytesPerSecond, d.analyzeBytesPerSecond / probe.factor);

      const cli = await runCliProcess([
        'plan',
        '--database',
        f.db.url,
        '--catalogue',
        'example',
        '--output',
        'json',
      ]);
      assert.equal(cli.code, 0, describeResult(cli));
      const json = JSON.parse(cli.stdout) as {
        estimate: { model: { source: string; probe: { status: string; seconds: number } } };
      };
      assert.equal(json.estimate.model.source, 'probe');
      assert.ok(json.estimate.model.probe.seconds > 0, cli.stdout);
      const text = await runCliProcess(['plan', '--database', f.db.url, '--catalogue', 'example']);
      assert.match(
        text.stdout,
        /default rate scaled by the speed probe, [0-9.]+x the default: .*; speed probe [0-9.]+s against [0-9.]+s at the default rates' speed: [0-9.]+x\)/,
      );
      assert.deepEqual(await databaseState(f.dialect), before, 'unchanged after the CLI plans too');
    });

    void test('a speed probe that runs out of time leaves the default rates, says why, and plan goes on', async () => {
      const f = await engineFixture(kind, 2000);
      const plan = await planRun(f.deps(), exampleCatalogue, { speedProbeTimeoutMs: 1 });
      const { model } = plan.estimate;
      assert.equal(model.source, 'default');
      assert.equal(model.speedFactor, 1);
      assert.ok(model.probe?.status === 'failed', `probe ${JSON.stringify(model.probe)}`);
      assert.match(model.probe.reason, /speed probe .*(statement_timeout|ran out of time)/);
      assert.equal(plan.estimate.phases.length, exampleCatalogue.phases.length);

      const cli = await runCliProcess([
        'plan',
        '--database',
        f.db.url,
        '--catalogue',
        'example',
        '--speed-probe-timeout',
        '1ms',
      ]);
      assert.equal(cli.code, 0, describeResult(cli));
      assert.match(cli.stdout, /default rate of this dialect: .*; speed probe (failed \(|ran out of time: )/);
    });

    void test('builds rolled back since still set the rate: a re-apply estimates at the speed shown', async () => {
      const f = await engineFixture(kind, 2000);
      const noProbe = { speedProbeTimeoutMs: 0 };
      const first = await planRun(f.deps(), exampleCatalogue, noProbe);
      assert.equal(first.estimate.model.source, 'default');
      const run = await applyPhases(f.deps(), exampleCatalogue);
      assert.equal(run.ok, true, run.error?.message);
      const down = await rollbackPhases(f.deps(), exampleCatalogue);
      assert.equal(down.ok, true, down.error?.message);
      const again = await planRun(f.deps(), exampleCatalogue, noProbe);
      assert.deepEqual(
        again.phases.map((p) => [p.name, p.applied]),
        first.phases.map((p) => [p.name, false]),
        'every phase rolled back',
      );
      assert.equal(again.estimate.model.source, 'measured');
      assert.equal(again.estimate.model.samples, 8, 'the 8 builds of the rolled-back run');
      // The speed is what those builds took against the default's estimate of them.
      const built = run.phases.flatMap((p) => p.indexes).filter((i) => i.action === 'create');
      const actual = built.reduce((sum, i) => sum + i.durationMs / 1000, 0);
      const sizes = await f.dialect.tableSizes(TABLES);
      const predicted = built.reduce(
        (sum, i) =>
          sum + buildSeconds(f.dialect.capabilities.buildCost, sizes.get(i.table) ?? { bytes: 0, rows: 0 }),
        0,
      );
      const speed = (actual + PRIOR_SECONDS) / (predicted + PRIOR_SECONDS);
      assert.ok(
        Math.abs(again.estimate.model.speedFactor - speed) < 1e-6 * speed,
        `speed ${again.estimate.model.speedFactor} = ${speed}`,
      );
    });

    void test('earlier builds recorded in the bookkeeping change the rate used', async () => {
      const f = await engineFixture(kind, 2000);
      const run = await applyPhases(f.deps(), exampleCatalogue, { phases: ['core'] });
      assert.equal(run.ok, true, run.error?.message);
      const measured = await planRun(f.deps(), exampleCatalogue);
      assert.equal(measured.estimate.model.source, 'measured');
      assert.equal(measured.estimate.model.samples, 3, 'the three builds of core');
      assert.notEqual(measured.estimate.model.speedFactor, 1);

      // An earlier phase that built one index on posts in 10 minutes: this database is slow, the
      // estimate follows.
      const store = new SqlBookkeepingStore(f.dialect);
      await store.upsertMigration({
        phase: 'old',
        catalogue: exampleCatalogue.name,
        checksum: 'x',
        status: 'succeeded',
        startedAt: '2020-01-01T00:00:00.000Z',
        finishedAt: '2020-01-01T00:10:00.000Z',
        durationMs: 600_000,
        indexesCreated: 1,
        indexesSkipped: 0,
        message: null,
      });
      await store.insertBuild({
        id: 'earlier-slow-build',
        runId: 'earlier-run',
        phase: 'old',
        indexName: 'idx_old_posts',
        tableName: 'posts',
        action: 'create',
        status: 'succeeded',
        attempt: 1,
        startedAt: '2020-01-01T00:00:01.000Z',
        finishedAt: '2020-01-01T00:09:59.000Z',
        durationMs: 598_000,
        errorCode: null,
        errorMessage: null,
        owned: false,
      });
      const slow = await planRun(f.deps(), exampleCatalogue);
      assert.equal(slow.estimate.model.samples, 4);
      assert.ok(
        slow.estimate.model.speedFactor > 10 * measured.estimate.model.speedFactor,
        `speed ${slow.estimate.model.speedFactor} vs ${measured.estimate.model.speedFactor}`,
      );
      assert.ok(slow.estimate.totalSeconds > 10 * measured.estimate.totalSeconds);
    });

    void test('status during a run: the time left goes down with each finished build, to 0', async () => {
      const f = await engineFixture(kind, 2000);
      // Row counts as the run's own ANALYZE after each phase will leave them (sizes stay put meanwhile).
      await f.dialect.analyze(TABLES);
      const reader = await openDialect(f.db.url);
      try {
        const readings: StatusReport[] = [];
        const run = await applyPhases(
          f.deps({
            steps: async (point) => {
              if (point === 'after:finishBuild')
                readings.push(await readStatus({ dialect: reader, log: f.deps().log }, exampleCatalogue));
            },
          }),
          exampleCatalogue,
        );
        assert.equal(run.ok, true, run.error?.message);
        assert.equal(readings.length, 8, 'one reading after each of the 8 builds');
        assert.deepEqual(readings.map(builds), [7, 6, 5, 4, 3, 2, 1, 0]);
        const left = readings.map((s) => s.estimate?.remainingSeconds ?? NaN);
        const speed = readings.map((s) => s.estimate?.model.speedFactor ?? NaN);
        assert.ok((left[0] ?? 0) > 0);
        assert.equal(left.at(-1), 0);
        // Measured in the default rate's units (each reading's speed factor taken out), the time left
        // falls with every build; in seconds it also follows the speed the run shows.
        for (let i = 1; i < left.length; i += 1) {
          const before = (left[i - 1] ?? NaN) / (speed[i - 1] ?? NaN);
          const now = (left[i] ?? NaN) / (speed[i] ?? NaN);
          assert.ok(now < before, `reading ${i}: ${now} < ${before} (${left.join(', ')})`);
        }
        const phases = readings[3]?.phases.map((p) => [p.name, (p.estimatedRemainingSeconds ?? -1) > 0]);
        assert.deepEqual(phases, [
          ['core', false],
          ['lookups', true],
          ['reporting', true],
        ]);
      } finally {
        await reader.close();
      }
    });
  });
}

/**
 * What a read-only probe must leave as it was: the schema (tables, columns, indexes), every table's row
 * count, and the temporary tables this server shows (PostgreSQL: every session's, in pg_class).
 */
async function databaseState(dialect: Dialect): Promise<unknown> {
  const snapshot = await dialect.introspect();
  const tables = [...snapshot.tables.values()].map((t) => [t.name, t.columns]).sort();
  const counts: [string, number][] = [];
  for (const t of [...snapshot.tables.keys()].sort()) {
    const rows = await dialect.query<{ n: number | string | bigint }>(
      `SELECT count(*) AS n FROM ${dialect.quoteIdentifier(t)}`,
    );
    counts.push([t, Number(rows[0]?.n)]);
  }
  const indexes = snapshot.indexes.map((i) => `${i.table}.${i.name}: ${i.definition}`).sort();
  return { tables, counts, indexes, temporary: await temporaryTables(dialect) };
}

const TEMPORARY_TABLES_SQL: Readonly<Record<DialectName, string>> = {
  postgresql: "SELECT count(*) AS n FROM pg_class WHERE relpersistence = 't'",
  mariadb: "SELECT count(*) AS n FROM information_schema.TABLES WHERE TABLE_TYPE = 'TEMPORARY'",
  sqlite: 'SELECT count(*) AS n FROM sqlite_temp_master',
};

async function temporaryTables(dialect: Dialect): Promise<number> {
  const rows = await dialect.query<{ n: number | string | bigint }>(TEMPORARY_TABLES_SQL[dialect.name]);
  return Number(rows[0]?.n);
}
