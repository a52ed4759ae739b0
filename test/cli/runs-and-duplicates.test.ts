/**
 * On PostgreSQL and SQLite, through the real CLI process: two `up` runs started together (exactly one
 * builds, no duplicate work), and a unique index over duplicate data (the phase fails and is rolled
 * back; the message names the index and the duplicate key).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ALL_DIALECTS, freshDatabase } from '../helpers/databases.js';
import { describeResult, runCliProcess, startCli } from './cli-process.js';
import {
  buildRows,
  createExample,
  execSql,
  listIndexes,
  migrationRows,
  writeCatalogueFile,
} from './fixtures.js';
import type { RunReport } from '../../src/engine/engine.js';

const EXAMPLE_INDEXES = 8;

for (const dialect of ALL_DIALECTS) {
  void describe(`runs and duplicates on ${dialect}`, { concurrency: false }, () => {
    void test('two up runs started together: one builds, the other finds nothing to do', async () => {
      const db = await freshDatabase(dialect, 'e3twice');
      await createExample(db, 2000);
      const args = [
        'up',
        '--database',
        db.url,
        '--catalogue',
        'example',
        '--lock-wait',
        '2m',
        '--output',
        'json',
      ];
      const [a, b] = await Promise.all([startCli(args).done, startCli(args).done]);
      assert.equal(a.code, 0, describeResult(a));
      assert.equal(b.code, 0, describeResult(b));

      const reports = [a, b].map((r) => JSON.parse(r.stdout) as RunReport);
      const created = reports.map((r) => r.phases.reduce((n, p) => n + p.indexesCreated, 0));
      assert.deepEqual(
        [...created].sort(),
        [0, EXAMPLE_INDEXES],
        `exactly one run builds: ${JSON.stringify(created)}`,
      );
      const idle = reports[created.indexOf(0)];
      assert.ok(
        idle?.phases.every((p) => p.outcome === 'unchanged'),
        JSON.stringify(idle?.phases),
      );

      const indexes = await listIndexes(dialect, db);
      assert.equal(indexes.length, EXAMPLE_INDEXES);
      assert.ok(indexes.every((i) => i.valid));
      const builds = (await buildRows(dialect, db)).filter((r) => r.action === 'create');
      const perIndex = new Map<string, number>();
      for (const r of builds) perIndex.set(r.index_name, (perIndex.get(r.index_name) ?? 0) + 1);
      assert.equal(perIndex.size, EXAMPLE_INDEXES);
      assert.ok(
        [...perIndex.values()].every((n) => n === 1),
        `each index built once: ${JSON.stringify([...perIndex])}`,
      );
      assert.ok(builds.every((r) => r.status === 'succeeded'));
    });

    void test('a unique index over duplicate data fails the phase, which is rolled back', async () => {
      const db = await freshDatabase(dialect, 'e3dup');
      await execSql(dialect, db, [
        'CREATE TABLE members (id INTEGER PRIMARY KEY, team_id INTEGER NOT NULL, email VARCHAR(200) NOT NULL)',
        `INSERT INTO members (id, team_id, email) VALUES (1, 1, 'ann@example.com'), (2, 1, 'bob@example.com'),
           (3, 2, 'cy@example.com'), (4, 2, 'bob@example.com')`,
      ]);
      const catalogue = writeCatalogueFile({
        name: 'duptest',
        description: 'unique over duplicates',
        phases: [
          {
            name: 'members_phase',
            description: 'team lookups, then a unique email',
            indexes: [
              {
                name: 'idx_members_team_id',
                table: 'members',
                columns: ['team_id'],
                reason: 'members of a team',
              },
              {
                name: 'uq_members_email',
                table: 'members',
                columns: ['email'],
                unique: true,
                reason: 'login',
              },
            ],
          },
        ],
      });
      const r = await runCliProcess(['up', '--database', db.url, '--catalogue-file', catalogue]);
      assert.equal(r.code, 1, describeResult(r));
      const message = /^error .*$/m.exec(r.stdout)?.[0] ?? '';
      assert.match(message, /uq_members_email/, describeResult(r));
      assert.match(message, /bob@example\.com/, `the duplicate key is named\n${describeResult(r)}`);

      assert.deepEqual(
        await listIndexes(dialect, db),
        [],
        'the phase is rolled back (idx_members_team_id dropped)',
      );
      const [migration] = await migrationRows(dialect, db);
      assert.ok(migration && ['rolled_back', 'failed'].includes(migration.status), JSON.stringify(migration));
      const failed = (await buildRows(dialect, db)).find((b) => b.index_name === 'uq_members_email');
      assert.equal(failed?.status, 'failed');
      assert.ok((await buildRows(dialect, db)).every((b) => b.status !== 'running'));
    });
  });
}
