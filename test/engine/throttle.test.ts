/**
 * Throttling of `up` (issue 8): the pause between builds (pacer), and the flags that set it and
 * PostgreSQL's max_parallel_maintenance_workers, from the command line to the engine.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { exampleCatalogue } from '../../src/catalogue/example/example-catalogue.js';
import { runCli } from '../../src/cli/run-cli.js';
import { parseUpConfig } from '../../src/config.js';
import type { Clock } from '../../src/engine/clock.js';
import { DEFAULT_RUN_OPTIONS, applyPhases, type RunReport } from '../../src/engine/engine.js';
import { createPacer, pauseLeft } from '../../src/engine/pacer.js';
import { validateRunOptions } from '../../src/engine/validate-run-options.js';
import { UsageError } from '../../src/errors.js';
import { memoryIo } from '../cli/memory-io.js';
import { assertBookkeepingMatchesDatabase, engineFixture } from './engine-fixture.js';

/** Time that moves only when slept: every pause the engine takes is recorded, none is waited. */
function virtualClock(onSleep: (ms: number) => void = () => undefined) {
  let t = 1_700_000_000_000;
  const sleeps: number[] = [];
  const clock: Clock = {
    now: () => t,
    sleep: (ms, signal) => {
      if (signal?.aborted) return Promise.reject(new Error('aborted'));
      sleeps.push(ms);
      onSleep(ms);
      t += ms;
      return Promise.resolve();
    },
  };
  return { clock, sleeps, advance: (ms: number) => (t += ms) };
}

void describe('pacer', () => {
  void it('pauseLeft: nothing before the first build or without a pause; the rest of the pause after one', () => {
    const table: [number | undefined, number, number, number][] = [
      // lastEndedAt, now, pauseMs, expected
      [undefined, 1000, 5000, 0],
      [1000, 1000, 0, 0],
      [1000, 1000, 5000, 5000],
      [1000, 4000, 5000, 2000],
      [1000, 6000, 5000, 0],
      [1000, 9000, 5000, 0],
    ];
    for (const [last, now, pause, expected] of table) {
      assert.equal(pauseLeft(last, now, pause), expected, `${String(last)} ${now} ${pause}`);
    }
  });

  void it('the first build starts now; the next waits the pause from the end of the last', async () => {
    const v = virtualClock();
    const pacer = createPacer(5000, v.clock);
    assert.equal(await pacer.turn(undefined), 'now');
    v.advance(1234);
    pacer.buildEnded();
    v.advance(1000);
    assert.equal(await pacer.turn(undefined), 'waited');
    assert.deepEqual(v.sleeps, [4000]);
  });

  void it('a build ending during the pause restarts it from that end', async () => {
    const ref: { pacer?: ReturnType<typeof createPacer> } = {};
    const v = virtualClock((ms) => {
      if (ms === 5000) {
        v.advance(2000); // another slot's build ends 2 s into this pause
        ref.pacer?.buildEnded();
        v.advance(-2000);
      }
    });
    const pacer = createPacer(5000, v.clock);
    ref.pacer = pacer;
    pacer.buildEnded();
    assert.equal(await pacer.turn(undefined), 'waited');
    assert.deepEqual(v.sleeps, [5000, 2000]);
  });

  void it('an aborted run stops waiting; no pause means no wait', async () => {
    const v = virtualClock();
    const paced = createPacer(5000, v.clock);
    paced.buildEnded();
    const controller = new AbortController();
    controller.abort();
    assert.equal(await paced.turn(controller.signal), 'aborted');
    const unpaced = createPacer(0, v.clock);
    unpaced.buildEnded();
    assert.equal(await unpaced.turn(undefined), 'now');
    assert.deepEqual(v.sleeps, []);
  });
});

function builtCount(report: RunReport): number {
  return report.phases
    .flatMap((p) => p.indexes)
    .filter((i) => i.action === 'create' && i.status === 'succeeded').length;
}

void describe('pause between builds in a run', () => {
  void it('pauses between every two builds, across phases, and not before the first', async () => {
    const f = await engineFixture('sqlite');
    const v = virtualClock();
    const report = await applyPhases(f.deps({ clock: v.clock }), exampleCatalogue, {
      pauseBetweenBuildsMs: 5000,
      concurrency: 2,
    });
    assert.equal(report.ok, true, report.error?.message);
    const built = builtCount(report);
    assert.equal(built, 8, 'every index of the three phases is built');
    assert.deepEqual(
      v.sleeps,
      Array<number>(built - 1).fill(5000),
      'one full pause before each build but the first (builds take no virtual time)',
    );
    await assertBookkeepingMatchesDatabase(f.dialect);
  });

  void it('does not pause without the option, or for indexes that need no build', async () => {
    const f = await engineFixture('sqlite');
    const v = virtualClock();
    const first = await applyPhases(f.deps({ clock: v.clock }), exampleCatalogue, { phases: ['core'] });
    assert.equal(first.ok, true, first.error?.message);
    assert.deepEqual(v.sleeps, [], 'no pause by default');
    assert.equal(DEFAULT_RUN_OPTIONS.pauseBetweenBuildsMs, 0);
    await f.dialect.execute('DELETE FROM index_operator_migrations');
    const again = await applyPhases(f.deps({ clock: v.clock }), exampleCatalogue, {
      phases: ['core'],
      pauseBetweenBuildsMs: 5000,
    });
    assert.equal(again.ok, true, again.error?.message);
    assert.deepEqual(
      again.phases[0]?.indexes.map((i) => i.action),
      ['exists', 'exists', 'exists'],
    );
    assert.deepEqual(v.sleeps, [], 'indexes that exist are not builds: no pause');
  });
});

void describe('throttle options', () => {
  const phases = ['core'];
  const defaults = DEFAULT_RUN_OPTIONS;

  void it('parses --pause-between-builds and --max-parallel-maintenance-workers', () => {
    const config = parseUpConfig(
      { 'pause-between-builds': '30s', 'max-parallel-maintenance-workers': '0' },
      phases,
      defaults,
    );
    assert.equal(config.pauseBetweenBuildsMs, 30_000);
    assert.equal(config.maxParallelMaintenanceWorkers, 0);
    const absent = parseUpConfig({}, phases, defaults);
    assert.equal(absent.pauseBetweenBuildsMs, undefined);
    assert.equal(absent.maxParallelMaintenanceWorkers, undefined);
    assert.equal(
      parseUpConfig({ 'pause-between-builds': '250ms' }, phases, defaults).pauseBetweenBuildsMs,
      250,
    );
    assert.equal(
      parseUpConfig({ 'max-parallel-maintenance-workers': '4' }, phases, defaults)
        .maxParallelMaintenanceWorkers,
      4,
    );
  });

  void it('reports bad values of both flags together', () => {
    for (const [pause, workers] of [
      ['soon', '-1'],
      ['-5s', '1025'],
      ['1x', '1.5'],
    ] as const) {
      assert.throws(
        () =>
          parseUpConfig(
            { 'pause-between-builds': pause, 'max-parallel-maintenance-workers': workers },
            phases,
            defaults,
          ),
        (e: unknown) =>
          e instanceof UsageError &&
          e.message.includes(`--pause-between-builds '${pause}' is not a duration`) &&
          e.message.includes(
            `--max-parallel-maintenance-workers '${workers}' must be a whole number from 0 to 1024`,
          ),
        `${pause} ${workers}`,
      );
    }
  });

  void it('the engine rejects a negative pause and a bad worker count (API callers)', () => {
    assert.throws(
      () =>
        validateRunOptions(
          { pauseBetweenBuildsMs: -1, maxParallelMaintenanceWorkers: 1.5 },
          exampleCatalogue,
        ),
      (e: unknown) =>
        e instanceof UsageError &&
        /pause between builds must be a number ≥ 0/.test(e.message) &&
        /max parallel maintenance workers must be a whole number from 0 to 1024/.test(e.message),
    );
    assert.doesNotThrow(() =>
      validateRunOptions({ pauseBetweenBuildsMs: 0, maxParallelMaintenanceWorkers: 0 }, exampleCatalogue),
    );
  });

  void it('up --help lists both flags', async () => {
    const io = memoryIo();
    assert.equal(await runCli(['up', '--help'], io), 0);
    assert.match(io.out(), /--pause-between-builds <duration>\s+idle time between two builds/);
    assert.match(
      io.out(),
      /--max-parallel-maintenance-workers <n>\s+PostgreSQL max_parallel_maintenance_workers/,
    );
  });

  void it('up takes both flags from the command line to a run', async () => {
    const f = await engineFixture('sqlite');
    const io = memoryIo();
    const args = [
      'up',
      '--database',
      f.db.url,
      '--catalogue',
      'example',
      '--phases',
      'core',
      '--output',
      'json',
    ];
    const code = await runCli(
      [...args, '--pause-between-builds', '20ms', '--max-parallel-maintenance-workers', '0'],
      io,
    );
    assert.equal(code, 0, io.out() + io.err());
    const report = JSON.parse(io.out()) as RunReport;
    assert.equal(builtCount(report), 3);
    const bad = memoryIo();
    assert.equal(await runCli([...args, '--pause-between-builds', 'later'], bad), 2);
    assert.match(bad.out() + bad.err(), /--pause-between-builds 'later' is not a duration/);
  });
});
