/**
 * Shared setup for engine tests: a fresh database of a dialect with the example schema, engine deps
 * with a silent logger and a recording observer, and a check that bookkeeping matches the database.
 */
import assert from 'node:assert/strict';
import { after } from 'node:test';
import { Writable } from 'node:stream';
import { createLogger } from '../../src/log.js';
import { openDialect } from '../../src/dialects/open-dialect.js';
import type { Dialect } from '../../src/dialects/dialect.js';
import { createExampleSchema } from '../../src/catalogue/example/example-schema.js';
import { exampleCatalogue } from '../../src/catalogue/example/example-catalogue.js';
import type { Catalogue } from '../../src/catalogue/catalogue.js';
import type { Clock } from '../../src/engine/clock.js';
import { applyPhases, readStatus, type EngineDeps, type RunReport } from '../../src/engine/engine.js';
import { RUN_OBSERVER_EVENTS, type RunObserver } from '../../src/engine/run-observer.js';
import { SqlBookkeepingStore } from '../../src/engine/sql-bookkeeping-store.js';
import { freshDatabase, type DialectUnderTest, type FreshDatabase } from '../helpers/databases.js';

export interface RecordedEvent {
  readonly event: keyof RunObserver;
  readonly payload: Record<string, unknown>;
}

export interface EngineFixture {
  readonly db: FreshDatabase;
  readonly dialect: Dialect;
  readonly events: RecordedEvent[];
  readonly logLines: string[];
  deps(extra?: Partial<EngineDeps>): EngineDeps;
}

export async function engineFixture(kind: DialectUnderTest, rows = 200): Promise<EngineFixture> {
  const db = await freshDatabase(kind, 'ioengine');
  const dialect = await openDialect(db.url);
  after(() => dialect.close());
  await createExampleSchema(dialect, { rows });
  const events: RecordedEvent[] = [];
  const logLines: string[] = [];
  const observer: RunObserver = Object.fromEntries(
    RUN_OBSERVER_EVENTS.map((event) => [
      event,
      (payload: Record<string, unknown>) => events.push({ event, payload }),
    ]),
  );
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      logLines.push(chunk.toString());
      cb();
    },
  });
  const log = createLogger({ level: 'debug', destination: sink });
  return {
    db,
    dialect,
    events,
    logLines,
    deps: (extra = {}) => ({ dialect, log, observer, random: () => 0, ...extra }),
  };
}

/** Indexes of the catalogue present in the database, name → valid. */
export async function catalogueIndexesInDb(dialect: Dialect, catalogue: Catalogue = exampleCatalogue) {
  const names = new Set(catalogue.phases.flatMap((p) => p.indexes.map((i) => i.name)));
  const snapshot = await dialect.introspect();
  return new Map(snapshot.indexes.filter((i) => names.has(i.name)).map((i) => [i.name, i.valid && i.ready]));
}

/** Every owned index exists and is valid, nothing is INVALID, no row is left running. */
export async function assertBookkeepingMatchesDatabase(
  dialect: Dialect,
  preExisting: readonly string[] = [],
) {
  const store = new SqlBookkeepingStore(dialect);
  const owned = (await store.listOwned()).map((o) => o.indexName).sort();
  const present = await catalogueIndexesInDb(dialect);
  const invalid = [...present].filter(([, valid]) => !valid).map(([n]) => n);
  assert.deepEqual(invalid, [], 'no INVALID index remains');
  const expectedOwned = [...present.keys()].filter((n) => !preExisting.includes(n)).sort();
  assert.deepEqual(
    owned,
    expectedOwned,
    'owned indexes == catalogue indexes in the database (minus pre-existing)',
  );
  assert.deepEqual(await store.listRunningBuilds(), [], 'no build row left running');
  const running = (await store.listMigrations()).filter((m) => m.status === 'running');
  assert.deepEqual(running, [], 'no phase left running');
}

/**
 * `core` of the example catalogue applied while a session of the test's own blocks `comments`: the
 * first build of idx_comments_post_id times out, the retry waits for `release` (a condition, not a
 * timer), and the retry builds it. Checks the one retry, its recorded code and the bookkeeping.
 */
export async function assertLockTimeoutRetried(
  f: EngineFixture,
  release: () => Promise<void>,
  o: { readonly lockTimeoutMs: number; readonly concurrency?: number; readonly errorCode: string },
): Promise<RunReport> {
  const clock: Clock = { now: () => Date.now(), sleep: () => release() };
  const report = await applyPhases(f.deps({ clock }), exampleCatalogue, {
    phases: ['core'],
    ...(o.concurrency === undefined ? {} : { concurrency: o.concurrency }),
    lockTimeoutMs: o.lockTimeoutMs,
    retries: { limit: 3, backoffMs: 10 },
  });
  assert.equal(report.ok, true, report.error?.message);
  const retries = f.events.filter((e) => e.event === 'indexRetry');
  assert.equal(retries.length, 1);
  assert.equal(retries[0]?.payload['reason'], 'lock_timeout');
  const builds = (await readStatus(f.deps())).phases[0]?.builds.filter(
    (b) => b.indexName === 'idx_comments_post_id',
  );
  assert.deepEqual(
    builds?.map((b) => [b.attempt, b.status, b.errorCode]),
    [
      [1, 'failed', o.errorCode],
      [2, 'succeeded', null],
    ],
  );
  await assertBookkeepingMatchesDatabase(f.dialect);
  return report;
}

/**
 * A failed run of `core` of the example catalogue: the phase failed, what it built (idx_posts_author_id)
 * was dropped again, the bookkeeping matches the database and the status says it was rolled back.
 */
export async function assertCoreRolledBack(f: EngineFixture, report: RunReport): Promise<void> {
  assert.equal(report.phases[0]?.outcome, 'failed');
  assert.deepEqual(
    [...(await catalogueIndexesInDb(f.dialect)).keys()],
    [],
    'idx_posts_author_id rolled back',
  );
  await assertBookkeepingMatchesDatabase(f.dialect);
  const status = await readStatus(f.deps(), exampleCatalogue);
  assert.equal(status.phases[0]?.status, 'failed');
  assert.match(status.phases[0]?.message ?? '', /rolled back: dropped 1 index built by this run/);
}
