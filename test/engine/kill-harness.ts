/**
 * The kill test's machinery, shared by the in-suite test (a bounded sample) and scripts/kill-test.ts (as
 * many kill points as asked): a scenario (dialect, command, starting state), a reference run that is
 * never interrupted (its exit code, its step boundaries, the state it leaves), and kill runs: the CLI as
 * a child process, SIGKILLed at a step boundary (INDEX_OPERATOR_FAULT=kill:<n>[:<delayMs>], see
 * src/cli/fault-injection.ts) or at a random time, then the same command again, which must converge to
 * the reference: same exit code, same indexes by definition, nothing INVALID, no row left running, the
 * owned indexes exactly the catalogue's indexes present, `status` and `plan` agreeing phase by phase.
 * Optionally with load: a SQLite writer taking the write lock, a PostgreSQL reader holding a snapshot, a
 * MariaDB writer inserting during the online builds. `killConvergenceTest(dialect)` is the in-suite test
 * each dialect's file registers.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { exampleCatalogue } from '../../src/catalogue/example/example-catalogue.js';
import { createExampleSchema } from '../../src/catalogue/example/example-schema.js';
import { runCli } from '../../src/cli/run-cli.js';
import { openDialect } from '../../src/dialects/open-dialect.js';
import type { ExistingIndex } from '../../src/dialects/dialect.js';
import { applyPhases, planRun, readStatus } from '../../src/engine/engine.js';
import { createLogger } from '../../src/log.js';
import { SqlBookkeepingStore } from '../../src/engine/sql-bookkeeping-store.js';
import {
  adminUrl,
  dropMariadbDatabase,
  dropPostgresDatabase,
  mariadbAdmin,
  mariadbUrl,
  postgresAdmin as admin,
} from '../helpers/databases.js';
import { REPO_ROOT, startCli, waitFor, type CliResult } from '../cli/cli-process.js';
import { memoryIo } from '../cli/memory-io.js';

export type KillDialect = 'postgresql' | 'sqlite' | 'mariadb';
/** up from the schema; down from everything applied; up whose phase `lookups` fails and is rolled back. */
export type ScenarioName = 'up' | 'down' | 'up-rollback';

export interface Scenario {
  readonly dialect: KillDialect;
  readonly name: ScenarioName;
  /** Posts in the example schema (PostgreSQL builds take longer with more rows, so kills land mid-build). */
  readonly rows: number;
}

/**
 * A database made from the scenario's template: a file copy, CREATE DATABASE … TEMPLATE, or (MariaDB has
 * no template databases) a new database prepared the same way.
 */
export interface Copy {
  readonly url: string;
  /** SQLite file path, or PostgreSQL database name. */
  readonly name: string;
  drop(): Promise<void>;
}

export interface Reference {
  readonly exitCode: number;
  readonly points: readonly string[];
  readonly state: DbState;
  readonly durationMs: number;
}

export interface DbState {
  /** Every index of the database by definition (name, table, key, unique, predicate, include, valid). */
  readonly indexes: readonly string[];
  /** Phase → state as `status` reports it. */
  readonly phases: readonly string[];
}

export interface KillOutcome {
  readonly label: string;
  readonly killed: boolean;
}

const SILENT = createLogger({ level: 'silent' });

export function commandArgs(s: Scenario, url: string): string[] {
  const args = [s.name === 'down' ? 'down' : 'up', '--database', url, '--catalogue', 'example'];
  return [...args, '--lock-timeout', '5s', ...(s.name === 'down' ? [] : ['--retry-backoff', '200ms'])];
}

/** The scenario's starting state, made once; every run starts from a copy of it. */
export class Template {
  private constructor(
    readonly scenario: Scenario,
    private readonly url: string,
    private readonly dir: string | undefined,
    private readonly dbName: string,
  ) {}

  static async create(s: Scenario): Promise<Template> {
    if (s.dialect === 'sqlite') {
      const dir = mkdtempSync(join(tmpdir(), 'iokill-'));
      const file = join(dir, 'template.db');
      const t = new Template(s, `sqlite:${file}`, dir, file);
      await t.prepare(t.url);
      return t;
    }
    const name = `iokill_${s.name.replace('-', '_')}_${randomBytes(4).toString('hex')}`;
    if (s.dialect === 'mariadb') {
      // Nothing to copy from: each copy is prepared on its own (copy()).
      return new Template(s, mariadbUrl(name), undefined, name);
    }
    await admin((c) => c.query(`CREATE DATABASE "${name}"`));
    const t = new Template(s, adminUrl(name), undefined, name);
    await t.prepare(t.url);
    return t;
  }

  private async prepare(url: string): Promise<void> {
    const dialect = await openDialect(url);
    try {
      await createExampleSchema(dialect, { rows: this.scenario.rows });
      if (this.scenario.name === 'down') {
        const report = await applyPhases({ dialect, log: SILENT }, exampleCatalogue);
        assert.equal(report.ok, true, report.error?.message);
      }
      if (this.scenario.name === 'up-rollback') {
        // uq_authors_email (phase lookups, after two other builds) fails on this duplicate email.
        await dialect.execute(
          `INSERT INTO authors (id, email, name, team_id, active, created_at) VALUES (100000, 'author3@example.com', 'Dup', 1, TRUE, 0)`,
        );
      }
    } finally {
      await dialect.close();
    }
  }

  async copy(): Promise<Copy> {
    const id = randomBytes(4).toString('hex');
    if (this.dir !== undefined) {
      const file = join(this.dir, `run-${id}.db`);
      copyFileSync(this.dbName, file);
      return {
        url: `sqlite:${file}`,
        name: file,
        drop: () => {
          for (const f of [file, `${file}-wal`, `${file}-shm`]) rmSync(f, { force: true });
          return Promise.resolve();
        },
      };
    }
    const name = `${this.dbName}_${id}`;
    if (this.scenario.dialect === 'mariadb') {
      await mariadbAdmin((c) => c.query(`CREATE DATABASE \`${name}\``));
      await this.prepare(mariadbUrl(name));
      return { url: mariadbUrl(name), name, drop: () => dropMariadbDatabase(name) };
    }
    await admin((c) => c.query(`CREATE DATABASE "${name}" TEMPLATE "${this.dbName}"`));
    return { url: adminUrl(name), name, drop: () => dropPostgresDatabase(name) };
  }

  async drop(): Promise<void> {
    if (this.dir !== undefined) rmSync(this.dir, { recursive: true, force: true });
    else if (this.scenario.dialect === 'postgresql') await dropPostgresDatabase(this.dbName);
  }
}

/** The uninterrupted run: exit code, its step boundaries in order, and the state it leaves. */
export async function referenceRun(t: Template): Promise<Reference> {
  const copy = await t.copy();
  try {
    const started = Date.now();
    const run = await startCli(commandArgs(t.scenario, copy.url), {
      env: { INDEX_OPERATOR_FAULT: 'trace' },
    }).done;
    assert.ok(run.code === 0 || run.code === 1, `reference run: exit ${run.code}\n${run.stderr}`);
    const points = [...run.stderr.matchAll(/index-operator fault: step \d+ (\S+)/g)].map((m) => m[1] ?? '');
    return {
      exitCode: run.code ?? -1,
      points,
      state: await dbState(copy.url),
      durationMs: Date.now() - started,
    };
  } finally {
    await copy.drop();
  }
}

/** The database's state as the kill test compares it. */
export async function dbState(url: string): Promise<DbState> {
  const dialect = await openDialect(url);
  try {
    const snapshot = await dialect.introspect();
    const status = await readStatus({ dialect, log: SILENT }, exampleCatalogue);
    return {
      indexes: snapshot.indexes.map(describeIndex).sort(),
      phases: status.phases.map((p) => `${p.name}:${p.status}`),
    };
  } finally {
    await dialect.close();
  }
}

function describeIndex(i: ExistingIndex): string {
  const cols = i.columns.map((c) => `${c.name ?? '(expr)'} ${c.order}`).join(', ');
  return `${i.name} ON ${i.table} (${cols})${i.unique ? ' UNIQUE' : ''}${i.predicate ? ` WHERE ${i.predicate}` : ''}${i.include.length > 0 ? ` INCLUDE (${i.include.join(', ')})` : ''}${i.valid && i.ready ? '' : ' INVALID'}`;
}

/**
 * Load during a run: a SQLite writer taking the write lock, a PostgreSQL reader holding a snapshot, a
 * MariaDB writer.
 */
export async function startLoad(dialect: KillDialect, copy: Copy): Promise<{ stop(): Promise<void> }> {
  if (dialect === 'sqlite') {
    const script = `
      const Database = require('better-sqlite3');
      const db = new Database(process.argv[1]);
      db.pragma('busy_timeout = 10000');
      const sleep = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
      for (let i = 0; ; i++) {
        db.exec('BEGIN IMMEDIATE');
        db.prepare("INSERT INTO comments (post_id, author_id, body, created_at) VALUES (1, 1, 'load', ?)").run(i);
        sleep(40);
        db.exec('COMMIT');
        sleep(60);
      }`;
    const child = spawn(process.execPath, ['-e', script, copy.name], { stdio: 'ignore', cwd: REPO_ROOT });
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    return {
      stop: () => {
        child.kill('SIGKILL');
        return exited;
      },
    };
  }
  if (dialect === 'mariadb') return startMariadbWriter(copy);
  const client = new pg.Client({ connectionString: copy.url, application_name: 'kill-test-reader' });
  await client.connect();
  let running = true;
  let stopped: Promise<void> | undefined;
  const loop = (async () => {
    while (running) {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
      await client.query('SELECT count(*) FROM posts');
      await new Promise((r) => setTimeout(r, 250));
      await client.query('COMMIT');
      await new Promise((r) => setTimeout(r, 150));
    }
  })();
  return {
    stop: () =>
      (stopped ??= (async () => {
        running = false;
        await loop.catch(() => undefined);
        await client.end();
      })()),
  };
}

/** A MariaDB writer inserting comments while the online builds run (they let writes through). */
async function startMariadbWriter(copy: Copy): Promise<{ stop(): Promise<void> }> {
  const writer = await openDialect(copy.url);
  let running = true;
  let stopped: Promise<void> | undefined;
  const loop = (async () => {
    for (let i = 1; running; i++) {
      await writer.execute(
        'INSERT INTO comments (id, post_id, author_id, body, created_at) VALUES ($1, 1, 1, $2, 0)',
        [10_000_000 + i, 'load'],
      );
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  return {
    stop: () =>
      (stopped ??= (async () => {
        running = false;
        await loop.catch(() => undefined);
        await writer.close();
      })()),
  };
}

/**
 * One kill: from a fresh copy, the command killed at `step` (with `delayMs` during a statement) or after
 * `afterMs`; then the same command again in process; then the checks against the reference.
 */
export async function killAndConverge(
  t: Template,
  ref: Reference,
  kill: { readonly step?: number; readonly delayMs?: number; readonly afterMs?: number },
  load: boolean,
): Promise<KillOutcome> {
  const s = t.scenario;
  const copy = await t.copy();
  const background = load ? await startLoad(s.dialect, copy) : undefined;
  const label =
    kill.step !== undefined
      ? `${s.dialect} ${s.name} kill at step ${kill.step} (${ref.points[kill.step - 1] ?? '?'})` +
        `${kill.delayMs ? ` +${kill.delayMs}ms` : ''}${load ? ' under load' : ''}`
      : `${s.dialect} ${s.name} kill after ${kill.afterMs}ms${load ? ' under load' : ''}`;
  try {
    const env =
      kill.step === undefined ? {} : { INDEX_OPERATOR_FAULT: `kill:${kill.step}:${kill.delayMs ?? 0}` };
    const child = startCli(commandArgs(s, copy.url), { env });
    if (kill.afterMs !== undefined) {
      const timer = setTimeout(() => child.child.kill('SIGKILL'), kill.afterMs);
      void child.done.then(() => clearTimeout(timer));
    }
    const first: CliResult = await child.done;
    const killed = first.signal === 'SIGKILL';
    if (s.dialect === 'postgresql') await waitForOrphans(copy);
    const io = memoryIo();
    const code = await runCli(commandArgs(s, copy.url), io);
    await background?.stop();
    assert.equal(
      code,
      ref.exitCode,
      `${label}: the rerun exits as the reference run\n${io.out()}\n${io.err()}`,
    );
    await assertConverged(copy.url, ref, label);
    return { label, killed };
  } finally {
    await background?.stop().catch(() => undefined);
    await copy.drop();
  }
}

/**
 * A killed runner's build session may still run on the server until it notices its client is gone
 * (client_connection_check_interval, 2 s): wait for it, as a restarted Job does by taking seconds to start.
 */
async function waitForOrphans(copy: Copy): Promise<void> {
  await admin((c) =>
    waitFor(
      "the killed runner's sessions to end",
      async () =>
        (
          await c.query(
            `SELECT 1 FROM pg_stat_activity WHERE datname = $1 AND application_name LIKE 'index-operator%'`,
            [copy.name],
          )
        ).rowCount === 0,
      30_000,
    ),
  );
}

export async function assertConverged(url: string, ref: Reference, label: string): Promise<void> {
  const state = await dbState(url);
  assert.deepEqual(state.indexes, ref.state.indexes, `${label}: the same indexes as an uninterrupted run`);
  assert.ok(!state.indexes.some((i) => i.endsWith(' INVALID')), `${label}: nothing INVALID`);
  assert.deepEqual(state.phases, ref.state.phases, `${label}: the same phase states as an uninterrupted run`);
  const dialect = await openDialect(url);
  try {
    const deps = { dialect, log: SILENT };
    // No speed probe: it is tested in estimate-db.test.ts, and here it would run at every kill point.
    const [plan, status] = [
      await planRun(deps, exampleCatalogue, { speedProbeTimeoutMs: 0 }),
      await readStatus(deps, exampleCatalogue),
    ];
    assert.deepEqual(
      plan.phases.map((p) => `${p.name}:${p.status}`),
      status.phases.map((p) => `${p.name}:${p.status}`),
      `${label}: status and plan agree`,
    );
    for (const p of plan.phases) {
      const built = p.indexes.filter((i) => i.action === 'exists').length;
      if (p.applied)
        assert.equal(built + p.indexes.filter((i) => i.action === 'skip').length, p.indexes.length);
    }
    const store = new SqlBookkeepingStore(dialect);
    assert.deepEqual(await store.listRunningBuilds(), [], `${label}: no build row left running`);
    const catalogueNames = new Set(exampleCatalogue.phases.flatMap((p) => p.indexes.map((i) => i.name)));
    const present = (await dialect.introspect()).indexes
      .filter((i) => catalogueNames.has(i.name))
      .map((i) => i.name);
    const owned = (await store.listOwned()).map((o) => o.indexName);
    assert.deepEqual(
      [...new Set(owned)].sort(),
      [...present].sort(),
      `${label}: owned = catalogue indexes present`,
    );
  } finally {
    await dialect.close();
  }
}

/** Small seeded PRNG (mulberry32): the same seed picks the same kill points. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * One step number per distinct boundary kind not in `skip` (a random occurrence of each), plus `extra`
 * random steps.
 */
export function pickSteps(
  points: readonly string[],
  random: () => number,
  extra: number,
  skip: ReadonlySet<string> = new Set(),
): number[] {
  const byKind = new Map<string, number[]>();
  points.forEach((p, i) => byKind.set(p, [...(byKind.get(p) ?? []), i + 1]));
  const picked = new Set<number>();
  for (const [kind, steps] of byKind) {
    if (!skip.has(kind)) picked.add(steps[Math.floor(random() * steps.length)] ?? 1);
  }
  for (let i = 0; i < extra && points.length > 0; i++) picked.add(1 + Math.floor(random() * points.length));
  return [...picked].sort((a, b) => a - b);
}

export function writeSummary(path: string, lines: readonly string[]): void {
  writeFileSync(path, `${lines.join('\n')}\n`);
}

export interface SuiteOptions {
  readonly seed: number;
  /** Random step numbers beyond one of each boundary kind. */
  readonly extraSteps: number;
  /** Kills at a random time during the run. */
  readonly randomTimes: number;
  /** Every step, not a sample (the by-hand script). */
  readonly everyStep?: boolean;
  /** A boundary kind already killed at in an earlier scenario is not picked again (the bounded test). */
  readonly newKindsOnly?: boolean;
  readonly scenarios?: readonly ScenarioName[];
  readonly rows?: Readonly<Record<KillDialect, number>>;
  readonly log?: (line: string) => void;
}

export interface SuiteResult {
  readonly outcomes: readonly KillOutcome[];
  /** Boundary kinds each scenario's reference run went through. */
  readonly kinds: ReadonlyMap<string, readonly string[]>;
}

/**
 * Every scenario of a dialect: a reference run, then kills at one occurrence of each step boundary kind
 * (or every step), `extraSteps` random steps and `randomTimes` random times; every other run under load.
 */
export async function killSuite(dialect: KillDialect, o: SuiteOptions): Promise<SuiteResult> {
  const random = seededRandom(o.seed);
  const outcomes: KillOutcome[] = [];
  const kinds = new Map<string, readonly string[]>();
  const covered = new Set<string>();
  const say = o.log ?? (() => undefined);
  for (const name of o.scenarios ?? (['up', 'down', 'up-rollback'] as const)) {
    const rows = o.rows?.[dialect] ?? (dialect === 'sqlite' ? 300 : 3000);
    const template = await Template.create({ dialect, name, rows });
    try {
      const ref = await referenceRun(template);
      kinds.set(`${dialect} ${name}`, [...new Set(ref.points)]);
      say(
        `${dialect} ${name}: reference exit ${ref.exitCode}, ${ref.points.length} step boundaries, ${ref.durationMs}ms`,
      );
      const steps = o.everyStep
        ? ref.points.map((_, i) => i + 1)
        : pickSteps(ref.points, random, o.extraSteps, o.newKindsOnly ? covered : new Set());
      for (const step of steps) covered.add(ref.points[step - 1] ?? '');
      let n = 0;
      for (const step of steps) {
        const during = ref.points[step - 1]?.startsWith('during:') ?? false;
        const delayMs = during ? Math.floor(random() * 40) : 0;
        const outcome = await killAndConverge(template, ref, { step, delayMs }, n++ % 2 === 1);
        say(`  ok: ${outcome.label}${outcome.killed ? '' : ' (finished before the kill)'}`);
        outcomes.push(outcome);
      }
      // The bounded test kills at random times in the first scenario only.
      const randomTimes = o.newKindsOnly && kinds.size > 1 ? 0 : o.randomTimes;
      for (let i = 0; i < randomTimes; i++) {
        const afterMs = 300 + Math.floor(random() * Math.max(1, ref.durationMs));
        const outcome = await killAndConverge(template, ref, { afterMs }, i % 2 === 0);
        say(`  ok: ${outcome.label}${outcome.killed ? '' : ' (finished before the kill)'}`);
        outcomes.push(outcome);
      }
    } finally {
      await template.drop();
    }
  }
  return { outcomes, kinds };
}

/** Every step boundary kind the bounded test must have gone through. */
const BOUNDARY_KINDS = [
  'before:upsertMigration',
  'after:upsertMigration',
  'before:insertBuild',
  'after:insertBuild',
  'before:finishBuild',
  'after:finishBuild',
  'before:disown',
  'after:disown',
  'during:build',
  'during:drop',
  'during:rollback',
] as const;

/**
 * The in-suite kill test of one dialect (a bounded sample: one occurrence of each boundary kind and a
 * random time; scripts/kill-test.ts runs every step). The seed is printed; KILL_SEED=<n> repeats a run.
 */
export function killConvergenceTest(dialect: KillDialect): void {
  void test(`${dialect}: killed at every kind of step boundary and at random times, the rerun converges`, async (t) => {
    const seed = Number(process.env['KILL_SEED'] ?? Math.floor(Math.random() * 2 ** 31));
    t.diagnostic(`seed ${seed} (KILL_SEED=${seed} repeats it)`);
    const result = await killSuite(dialect, {
      seed,
      extraSteps: 0,
      randomTimes: 1,
      newKindsOnly: true,
      log: (line) => t.diagnostic(line),
    });
    const killed = result.outcomes.filter((o) => o.killed).length;
    t.diagnostic(`${result.outcomes.length} kill runs, ${killed} killed before the end; seed ${seed}`);
    for (const [scenario, kinds] of result.kinds) t.diagnostic(`${scenario}: ${kinds.join(' ')}`);
    const all = new Set([...result.kinds.values()].flat());
    for (const kind of BOUNDARY_KINDS) assert.ok(all.has(kind), `the runs went through ${kind}`);
    assert.ok(killed >= result.outcomes.length - 3, 'almost every run was killed before it ended');
  });
}
