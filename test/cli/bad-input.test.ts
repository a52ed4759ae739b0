/**
 * Bad input: exit code 2, a message that says what to fix, and nothing changed in the database
 * (no bookkeeping tables, no indexes, the tables intact). Real CLI process, real databases.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ALL_DIALECTS,
  freshDatabase,
  type FreshDatabase,
  type DialectUnderTest,
} from '../helpers/databases.js';
import { describeResult, runCliJson, runCliProcess, type CliResult } from './cli-process.js';
import {
  bookkeepingTablesExist,
  createExample,
  listIndexes,
  queryRows,
  writeCatalogueFile,
} from './fixtures.js';

const INJECTION = 'authors; DROP TABLE posts; --';

function catalogue(overrides: Record<string, unknown>): unknown {
  return {
    name: 'custom',
    description: 'test catalogue',
    phases: [
      {
        name: 'only',
        description: 'one index',
        indexes: [
          {
            name: 'idx_posts_title',
            table: 'posts',
            columns: ['title'],
            reason: 'title search',
            ...overrides,
          },
        ],
      },
    ],
  };
}

async function assertUnchanged(dialect: DialectUnderTest, db: FreshDatabase, r: CliResult): Promise<void> {
  assert.equal(await bookkeepingTablesExist(dialect, db), false, `bookkeeping created\n${describeResult(r)}`);
  assert.deepEqual(await listIndexes(dialect, db), [], 'no index may be created');
  const posts = await queryRows<{ n: number | string }>(dialect, db, 'SELECT count(*) AS n FROM posts');
  assert.equal(Number(posts[0]?.n), 200, 'posts intact');
}

// One database per dialect for the whole file (created at load, dropped when the file ends).
const databases = new Map<DialectUnderTest, FreshDatabase>();
for (const dialect of ALL_DIALECTS) {
  const db = await freshDatabase(dialect, 'e3bad');
  await createExample(db);
  databases.set(dialect, db);
}

for (const dialect of ALL_DIALECTS) {
  void describe(
    `bad input on ${dialect}: exit 2, helpful message, nothing changed`,
    { concurrency: false },
    () => {
      const db = databases.get(dialect) as FreshDatabase;
      const run = async (args: readonly string[]): Promise<CliResult> => {
        const r = await runCliProcess(['--database', db.url, ...args]);
        assert.equal(r.code, 2, describeResult(r));
        await assertUnchanged(dialect, db, r);
        return r;
      };

      void test('unknown phase names the known phases', async () => {
        const r = await run(['up', '--catalogue', 'example', '--phases', 'core,nope']);
        assert.match(r.stderr, /--phases: unknown phase 'nope'; known phases: core, lookups, reporting/);
      });
    },
  );
}

// Flags and catalogues are checked before any connection is made: one dialect is enough to show that.
void describe(
  'bad flags and catalogues: exit 2, every problem listed, nothing changed',
  { concurrency: false },
  () => {
    const db = databases.get('postgresql') as FreshDatabase;
    const run = async (args: readonly string[]): Promise<CliResult> => {
      const r = await runCliProcess(['--database', db.url, ...args]);
      assert.equal(r.code, 2, describeResult(r));
      await assertUnchanged('postgresql', db, r);
      return r;
    };

    void test('a phase name that tries SQL injection is just an unknown phase', async () => {
      const r = await run(['up', '--catalogue', 'example', '--phases', "core'; DROP TABLE posts; --"]);
      assert.match(r.stderr, /unknown phase/);
    });

    void test('unknown flag, bad durations and a bad mode are reported together', async () => {
      const flag = await run(['up', '--catalogue', 'example', '--phase', 'core']);
      assert.match(flag.stderr, /unknown flag '--phase'.*accepts: .*--phases/);
      const values = await run([
        'up',
        '--catalogue',
        'example',
        '--lock-timeout',
        'soon',
        '--concurrency',
        'many',
        '--on-failure',
        'panic',
      ]);
      assert.match(values.stderr, /3 problems/);
      assert.match(values.stderr, /--lock-timeout 'soon' is not a duration: use e\.g\. 250ms, 5s, 2m, 1h/);
      assert.match(
        values.stderr,
        /--on-failure 'panic' is not accepted: use one of rollback-phase, rollback-all, halt/,
      );
    });

    void test('unknown built-in catalogue lists the known ones', async () => {
      const r = await run(['plan', '--catalogue', 'nosuch']);
      assert.match(r.stderr, /unknown catalogue 'nosuch'; built-in catalogues: .*example/);
    });

    void test('an invalid catalogue file lists every problem', async () => {
      const file = writeCatalogueFile({
        name: 'custom',
        description: 'two problems and an unknown key',
        phases: [
          {
            name: 'only',
            description: 'x',
            indexes: [
              { name: 'idx_a', table: 'posts', columns: ['title'], reason: 'r' },
              { name: 'idx_a', table: 'posts', columns: ['Title Case'], reason: 'r' },
            ],
          },
        ],
      });
      const r = await run(['up', '--catalogue-file', file]);
      assert.match(r.stderr, /catalogue file .*\.json has 2 problems; fix:/);
      assert.match(r.stderr, /duplicate index name 'idx_a'/);
      assert.match(r.stderr, /column "Title Case" is not a valid identifier/);
      const r1 = await run(['up', '--catalogue-file', writeCatalogueFile(catalogue({ colour: 'red' }))]);
      assert.match(r1.stderr, /unknown key 'colour'/);
      const r2 = await run([
        'plan',
        '--catalogue-file',
        writeCatalogueFile({ ...(catalogue({}) as object), phases: [] }),
      ]);
      assert.match(r2.stderr, /a catalogue needs at least one phase/);
      const r3 = await run(['up', '--catalogue-file', writeCatalogueFile('{"name": ')]);
      assert.match(r3.stderr, /is not valid JSON/);
      const r4 = await run(['up', '--catalogue-file', '/nonexistent/catalogue.json']);
      assert.match(r4.stderr, /cannot read catalogue file \/nonexistent\/catalogue\.json/);
    });

    void test('identifiers that try SQL injection are rejected before anything runs', async () => {
      for (const overrides of [
        { table: INJECTION },
        { name: 'idx"; DROP TABLE posts; --' },
        { columns: ['title); DROP TABLE posts; --'] },
        { include: ['title" DESC'] },
        { where: [{ column: 'status = status OR 1=1 --', op: 'IS NULL' }] },
      ]) {
        const r = await run(['up', '--catalogue-file', writeCatalogueFile(catalogue(overrides))]);
        assert.match(
          r.stderr,
          /catalogue file .*\.json has \d+ problems?; fix:[\s\S]*is not a valid identifier/,
          describeResult(r),
        );
      }
    });
  },
);

void test('an unreachable host: exit 2, the message names host and port, never the password', async () => {
  const r = await runCliProcess([
    'up',
    '--catalogue',
    'example',
    '--database',
    'postgres://app:TopSecret99@127.0.0.1:1/appdb',
  ]);
  assert.equal(r.code, 2, describeResult(r));
  assert.match(r.stderr, /cannot connect to PostgreSQL at 127\.0\.0\.1:1 \(database appdb, user app\)/);
  assert.doesNotMatch(r.stdout + r.stderr, /TopSecret99/);
  const json = await runCliJson<{ ok: boolean; error: { class: string; message: string } }>([
    'plan',
    '--catalogue',
    'example',
    '--database',
    'postgres://app:TopSecret99@127.0.0.1:1/appdb',
  ]);
  assert.equal(json.code, 2);
  assert.equal(json.json.error.class, 'usage');
  assert.match(json.json.error.message, /127\.0\.0\.1:1/);
  assert.doesNotMatch(json.stdout + json.stderr, /TopSecret99/);
});

void test('malformed and unsupported database URLs say what a valid one looks like', async () => {
  for (const url of ['postgres://', 'mysql://u@h/', 'mssql://u@h/d', 'sqlite:', 'not a url']) {
    const r = await runCliProcess(['plan', '--catalogue', 'example', '--database', url]);
    assert.equal(r.code, 2, describeResult(r));
    assert.match(r.stderr, /invalid database URL.*expected postgresql:\/\/user\[:password\]@host/);
  }
  const none = await runCliProcess(['plan', '--catalogue', 'example']);
  assert.equal(none.code, 2, describeResult(none));
  assert.match(none.stderr, /no database given: pass --database <url> or set DATABASE_URL/);
});
