/**
 * plan / up / down / status through the real CLI process, on PostgreSQL and SQLite, with the built-in
 * `example` catalogue: round trip up → down → up, a second up changes nothing, down --to, ownership
 * (an index the engine did not create is never dropped), JSON output, and no password anywhere.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ALL_DIALECTS, freshDatabase, PG_HOST, PG_PORT, PG_USER } from '../helpers/databases.js';
import { describeResult, runCliJson, runCliProcess } from './cli-process.js';
import { bookkeepingTablesExist, buildRows, createExample, execSql, listIndexes } from './fixtures.js';
import type { Plan, RunReport, StatusReport } from '../../src/engine/engine.js';

const ALL = [
  'idx_comments_author_id',
  'idx_comments_post_id',
  'idx_comments_post_id_created_at',
  'idx_posts_author_id',
  'idx_posts_created_at',
  'idx_posts_published_author',
  'idx_authors_team_id_active',
  'uq_authors_email',
].sort();
const CORE = ['idx_comments_author_id', 'idx_comments_post_id', 'idx_posts_author_id'];

for (const dialect of ALL_DIALECTS) {
  void describe(`CLI commands on ${dialect}`, { concurrency: false }, () => {
    void test('plan, up, up again, status, down --to, down, up: the round trip converges', async () => {
      const db = await freshDatabase(dialect, 'e3cmd');
      await createExample(db);
      await execSql(dialect, db, ['CREATE INDEX users_own_posts_title ON posts (title)']);
      const base = ['--database', db.url, '--catalogue', 'example'];

      const plan = await runCliJson<Plan>(['plan', ...base]);
      assert.equal(plan.code, 0, describeResult(plan));
      assert.equal(plan.json.counts.create, ALL.length);
      assert.deepEqual(
        plan.json.phases.map((p) => p.status),
        ['pending', 'pending', 'pending'],
      );
      assert.equal(await bookkeepingTablesExist(dialect, db), false, 'plan must not create anything');

      const up = await runCliProcess(['up', ...base]);
      assert.equal(up.code, 0, describeResult(up));
      for (const name of ALL) assert.match(up.stdout, new RegExp(`create\\s+${name}\\s+\\d`), name);
      assert.match(up.stdout, /up succeeded/);
      const first = await listIndexes(dialect, db);
      assert.deepEqual(
        first.map((i) => i.name),
        [...ALL, 'users_own_posts_title'].sort(),
      );
      assert.ok(first.every((i) => i.valid));

      const again = await runCliJson<RunReport>(['up', ...base]);
      assert.equal(again.code, 0, describeResult(again));
      assert.deepEqual(
        again.json.phases.map((p) => p.outcome),
        ['unchanged', 'unchanged', 'unchanged'],
      );
      assert.deepEqual(await listIndexes(dialect, db), first, 'a second up changes nothing');
      const replan = await runCliJson<Plan>(['plan', ...base]);
      assert.equal(replan.json.counts.create, 0);
      assert.equal(replan.json.counts.exists, ALL.length);

      const status = await runCliJson<StatusReport>(['status', ...base, '--indexes']);
      assert.equal(status.code, 0, describeResult(status));
      assert.deepEqual(
        status.json.phases.map((p) => [p.name, p.status]),
        [
          ['core', 'succeeded'],
          ['lookups', 'succeeded'],
          ['reporting', 'succeeded'],
        ],
      );
      assert.deepEqual([...status.json.ownedIndexes].sort(), ALL);
      const text = await runCliProcess(['status', ...base, '--indexes']);
      assert.match(text.stdout, /core\s+succeeded/);
      assert.match(text.stdout, /uq_authors_email\s+create\s+succeeded/);

      const downTo = await runCliProcess(['down', ...base, '--to', 'core']);
      assert.equal(downTo.code, 0, describeResult(downTo));
      assert.deepEqual(
        (await listIndexes(dialect, db)).map((i) => i.name),
        [...CORE, 'users_own_posts_title'].sort(),
      );

      const down = await runCliProcess(['down', ...base]);
      assert.equal(down.code, 0, describeResult(down));
      assert.deepEqual(
        (await listIndexes(dialect, db)).map((i) => i.name),
        ['users_own_posts_title'],
      );

      const up2 = await runCliProcess(['up', ...base]);
      assert.equal(up2.code, 0, describeResult(up2));
      assert.deepEqual(await listIndexes(dialect, db), first, 'up → down → up leaves identical indexes');
      const builds = await buildRows(dialect, db);
      assert.ok(builds.every((b) => b.status !== 'running'));
    });

    void test('--phases applies only the named phases, in catalogue order', async () => {
      const db = await freshDatabase(dialect, 'e3cmd');
      await createExample(db);
      const r = await runCliJson<RunReport>([
        'up',
        '--database',
        db.url,
        '--catalogue',
        'example',
        '--phases',
        'reporting,core',
        '--concurrency',
        '2',
      ]);
      assert.equal(r.code, 0, describeResult(r));
      assert.deepEqual(
        r.json.phases.filter((p) => p.outcome === 'succeeded').map((p) => p.name),
        ['core', 'reporting'],
      );
      const names = (await listIndexes(dialect, db)).map((i) => i.name);
      assert.ok(!names.includes('uq_authors_email'), 'lookups was not asked for');
      assert.ok(names.includes('idx_posts_created_at') && names.includes('idx_posts_author_id'));
    });
  });
}

void test('the database password never appears in output or logs, even at debug level', async () => {
  const db = await freshDatabase('postgresql', 'e3cmd');
  await createExample(db);
  const secret = 'Sup3rSecretPw';
  // trust authentication ignores the password, so the URL works while carrying one
  const url = `postgres://${PG_USER}:${secret}@${PG_HOST}:${PG_PORT}/${db.name}`;
  const cases: [string[], Record<string, string>][] = [
    [['up', '--catalogue', 'example', '--log-level', 'debug', '--database', url], {}],
    [['status', '--catalogue', 'example', '--log-level', 'trace', '--output', 'json'], { DATABASE_URL: url }],
    [['up', '--catalogue', 'example', '--phases', 'nope', '--log-level', 'debug'], { DATABASE_URL: url }],
  ];
  for (const [args, env] of cases) {
    const r = await runCliProcess(args, { env });
    assert.ok(r.code === 0 || r.code === 2, describeResult(r));
    assert.ok(!r.stdout.includes(secret) && !r.stderr.includes(secret), describeResult(r));
  }
  const unreachable = await runCliProcess([
    'plan',
    '--catalogue',
    'example',
    '--database',
    `postgres://u:${secret}@127.0.0.1:1/x`,
  ]);
  assert.equal(unreachable.code, 2, describeResult(unreachable));
  assert.ok(!unreachable.stderr.includes(secret));
});
