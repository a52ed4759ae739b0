/**
 * verify on PostgreSQL when the planner reads a large table whole to feed a join: with one personal team
 * per user, a small install's teams table passes 1,000 rows in ~20 pages, and the planner hash-joins a
 * user's few memberships against all of it rather than probe its primary key per membership. That is
 * its cost model on data this small, not a missing index: verify passes it when an index leads with the
 * join column and the scan's own filter keeps most rows. A join column without an index, or a selective
 * filter on the scanned table, still fails.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { HotQuery } from '../../src/catalogue/catalogue.js';
import { openDialect } from '../../src/dialects/open-dialect.js';
import { formatVerifyReport, runVerify } from '../../src/verify/verify.js';
import { freshPostgres } from '../helpers/databases.js';

const url = (await freshPostgres('e14joinscan')).url;
const HEAVY = 'user0000@example.com';

const query = (name: string, join: string, extra = ''): HotQuery => ({
  name,
  description: name,
  sql:
    `SELECT teams.id, teams.name FROM teams JOIN members ON ${join} ` +
    `WHERE members.user_email = $1 AND teams.is_personal IS true${extra}`,
  params: extra === '' ? [HEAVY] : [HEAVY, 'team 7'],
  tables: ['teams', 'members'],
  phases: [],
});
const byId = query('personal_team_by_id', 'teams.id = members.team_id');
const bySlug = query('personal_team_by_slug', 'teams.slug = members.team_slug');
const selective = query('personal_team_named', 'teams.id = members.team_id', ' AND teams.name = $2');

void test('a join input read whole passes only when an index serves the join and no filter narrows the read', async () => {
  const db = await openDialect(url);
  try {
    await db.execute(
      'CREATE TABLE teams (id varchar(36) PRIMARY KEY, slug varchar(255) NOT NULL, name varchar(255) NOT NULL, ' +
        'is_personal boolean NOT NULL)',
    );
    await db.execute(
      'CREATE TABLE members (id serial PRIMARY KEY, team_id varchar(36) NOT NULL, team_slug varchar(255) NOT NULL, ' +
        'user_email varchar(255) NOT NULL)',
    );
    await db.execute(
      "INSERT INTO teams SELECT lpad(to_hex(i), 8, '0') || '-0000-4000-8000-000000000000', 'slug-' || i, " +
        "'team ' || i, i >= 100 FROM generate_series(0, 1099) i",
    );
    // Each user's personal team, and the heavy user in 9 shared teams besides.
    await db.execute(
      "INSERT INTO members (team_id, team_slug, user_email) SELECT lpad(to_hex(i), 8, '0') || " +
        "'-0000-4000-8000-000000000000', 'slug-' || i, 'user' || lpad((i - 100)::text, 4, '0') || '@example.com' " +
        'FROM generate_series(100, 1099) i',
    );
    await db.execute(
      "INSERT INTO members (team_id, team_slug, user_email) SELECT lpad(to_hex(i), 8, '0') || " +
        `'-0000-4000-8000-000000000000', 'slug-' || i, '${HEAVY}' FROM generate_series(0, 8) i`,
    );
    await db.execute('CREATE INDEX members_user ON members (user_email)');
    await db.analyze(['teams', 'members']);

    const report = await runVerify(db, [byId, bySlug, selective]);
    const [id, slug, named] = report.queries;
    assert.deepEqual(id?.seqScans, ['teams'], `the planner reads teams whole here: ${id?.summary}`);
    assert.equal(id?.outcome, 'small_scan', id?.summary);
    assert.deepEqual(id?.largeSeqScans, []);
    assert.deepEqual(id?.joinServed, ['teams (id)']);
    assert.equal(slug?.outcome, 'seq_scan', `no index leads with slug: ${slug?.summary}`);
    assert.deepEqual(slug?.largeSeqScans, ['teams']);
    assert.equal(named?.outcome, 'seq_scan', `the name filter keeps one row: ${named?.summary}`);
    assert.equal(report.ok, false);
    const text = formatVerifyReport(report);
    assert.match(text, /ok +personal_team_by_id +scan of teams for a join an index serves \(teams \(id\)\)/);
    assert.match(text, /FAIL personal_team_by_slug +SEQUENTIAL SCAN of teams/);

    // The listed table of an eager load (LEFT OUTER JOIN) is output whole, matched or not: its primary
    // key leads the join and the filter keeps most rows, but no probe could replace that scan.
    const listing: HotQuery = {
      name: 'personal_teams_listing',
      description: 'a listing with its members eager-loaded',
      sql:
        'SELECT teams.*, members_1.* FROM teams LEFT OUTER JOIN members AS members_1 ON members_1.team_id = ' +
        'teams.id WHERE teams.is_personal IS true ORDER BY teams.name DESC LIMIT $1',
      params: [51],
      tables: ['teams'],
      phases: [],
    };
    const [list] = (await runVerify(db, [listing], { largeTableRows: 1050 })).queries;
    assert.ok(list?.seqScans.includes('teams'), `teams is read whole: ${list?.summary}`);
    assert.equal(list?.outcome, 'seq_scan', `the preserved side is no join input: ${list?.summary}`);
    assert.equal(list?.joinServed, undefined, 'no join input an index serves');
  } finally {
    await db.close();
  }
});
