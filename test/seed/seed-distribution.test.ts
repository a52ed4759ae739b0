/**
 * The seed's data is shaped like a real install (issue 14 part 4), checked on the loaded databases: one
 * personal team per user, owned by that user alone; skewed shared teams (the largest holds far more
 * members and tools than the median team); most entities private in a personal team, some team-visible,
 * some public; most enabled; a share of inactive memberships; revoked tokens inactive; the same data on
 * every database for one seed. Pre-epic on every dialect; the current schema where the seed loads its
 * data (PostgreSQL, SQLite; MariaDB is issue 15).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Dialect } from '../../src/dialects/dialect.js';
import { openDialect } from '../../src/dialects/open-dialect.js';
import { seedDatabase, type SchemaVariant } from '../../src/seed/seed.js';
import { ALL_DIALECTS, freshDatabase } from '../helpers/databases.js';

const TOOLS = 2_000;
const PRE_EPIC: SchemaVariant = 'pre-epic';
const CURRENT: SchemaVariant = 'current';
const CASES = [
  ...ALL_DIALECTS.map((dialect) => ({ dialect, schema: PRE_EPIC })),
  ...ALL_DIALECTS.filter((d) => d !== 'mariadb').map((dialect) => ({ dialect, schema: CURRENT })),
];
const URLS = new Map<string, string>();
for (const c of CASES) URLS.set(`${c.dialect} ${c.schema}`, (await freshDatabase(c.dialect, 'e14dist')).url);

const num = async (db: Dialect, sql: string): Promise<number> =>
  Number(Object.values((await db.query<Record<string, unknown>>(sql))[0] ?? {})[0] ?? NaN);
const counts = async (db: Dialect, sql: string): Promise<number[]> =>
  (await db.query<{ n: unknown }>(sql)).map((r) => Number(r.n)).sort((a, b) => a - b);
const median = (xs: readonly number[]): number => xs[Math.floor(xs.length / 2)] ?? 0;
const PERSONAL = 'is_personal = TRUE';

/** What the data looks like, as numbers every dialect must agree on for one seed. */
async function shape(db: Dialect) {
  const share = async (where: string, table = 'tools'): Promise<number> =>
    (await num(db, `SELECT count(*) FROM ${table} WHERE ${where}`)) /
    (await num(db, `SELECT count(*) FROM ${table}`));
  const sharedMembers = await counts(
    db,
    `SELECT count(*) AS n FROM email_team_members m JOIN email_teams t ON t.id = m.team_id WHERE NOT t.${PERSONAL} GROUP BY m.team_id`,
  );
  const sharedTools = await counts(
    db,
    `SELECT count(*) AS n FROM tools x JOIN email_teams t ON t.id = x.team_id WHERE NOT t.${PERSONAL} GROUP BY x.team_id`,
  );
  return {
    users: await num(db, 'SELECT count(*) FROM email_users'),
    personalTeams: await num(db, `SELECT count(*) FROM email_teams WHERE ${PERSONAL}`),
    // Users whose one membership in a personal team is the active ownership of their own team.
    usersOwningOnePersonalTeam: await num(
      db,
      'SELECT count(*) FROM (SELECT m.user_email FROM email_team_members m JOIN email_teams t ON t.id = m.team_id ' +
        `WHERE t.${PERSONAL} AND t.created_by = m.user_email AND m.role = 'owner' AND m.is_active = TRUE ` +
        'GROUP BY m.user_email HAVING count(*) = 1) x',
    ),
    personalMembershipsOfOthers: await num(
      db,
      'SELECT count(*) FROM email_team_members m JOIN email_teams t ON t.id = m.team_id ' +
        `WHERE t.${PERSONAL} AND t.created_by <> m.user_email`,
    ),
    largestSharedTeam: sharedMembers.at(-1) ?? 0,
    medianSharedTeam: median(sharedMembers),
    mostToolsInATeam: sharedTools.at(-1) ?? 0,
    medianToolsInATeam: median(sharedTools),
    privateTools: await share("visibility = 'private'"),
    teamTools: await share("visibility = 'team'"),
    publicTools: await share("visibility = 'public'"),
    privateToolsOutsidePersonalTeams: await num(
      db,
      `SELECT count(*) FROM tools x JOIN email_teams t ON t.id = x.team_id WHERE x.visibility = 'private' AND NOT t.${PERSONAL}`,
    ),
    enabledTools: await share('enabled = TRUE'),
    inactiveMemberships: await share('is_active = FALSE', 'email_team_members'),
    activeRevokedTokens: await num(
      db,
      'SELECT count(*) FROM email_api_tokens k JOIN token_revocations r ON r.jti = k.jti WHERE k.is_active = TRUE',
    ),
    revokedTokens: await share('jti IN (SELECT jti FROM token_revocations)', 'email_api_tokens'),
    personalTeamGrants: await num(
      db,
      `SELECT count(*) FROM user_roles g JOIN email_teams t ON t.id = g.scope_id WHERE t.${PERSONAL} AND t.created_by = g.user_email`,
    ),
  };
}

const shapes = new Map<string, Awaited<ReturnType<typeof shape>>>();

for (const { dialect, schema } of CASES) {
  void test(`${dialect} ${schema}: the seeded data has the shape of a real install`, async () => {
    const db = await openDialect(URLS.get(`${dialect} ${schema}`) ?? '');
    try {
      await seedDatabase(db, { tools: TOOLS, seed: 11, reset: false, schema });
      const s = await shape(db);
      assert.equal(s.personalTeams, s.users, 'one personal team per user');
      assert.equal(s.usersOwningOnePersonalTeam, s.users, 'each owned by its user, active');
      assert.equal(s.personalMembershipsOfOthers, 0, 'no one else in a personal team');
      assert.equal(s.personalTeamGrants, s.users, 'a team role on each personal team');
      assert.ok(s.largestSharedTeam >= 10 * s.medianSharedTeam, JSON.stringify(s));
      assert.ok(s.mostToolsInATeam >= 10 * s.medianToolsInATeam, JSON.stringify(s));
      assert.ok(s.privateTools > 0.45 && s.privateTools < 0.65, `private ${s.privateTools}`);
      assert.ok(s.teamTools > 0.2 && s.teamTools < 0.4, `team ${s.teamTools}`);
      assert.ok(s.publicTools > 0.08 && s.publicTools < 0.25, `public ${s.publicTools}`);
      assert.equal(s.privateToolsOutsidePersonalTeams, 0);
      assert.ok(s.enabledTools > 0.85 && s.enabledTools < 0.95, `enabled ${s.enabledTools}`);
      assert.ok(
        s.inactiveMemberships > 0.02 && s.inactiveMemberships < 0.1,
        `inactive ${s.inactiveMemberships}`,
      );
      assert.equal(s.activeRevokedTokens, 0, 'a revoked token is inactive');
      assert.ok(s.revokedTokens > 0.09 && s.revokedTokens < 0.11, `revoked ${s.revokedTokens}`);
      const other = shapes.get(schema);
      if (other === undefined) shapes.set(schema, s);
      else assert.deepEqual(s, other, `${dialect} holds the same data as the first database`);
    } finally {
      await db.close();
    }
  });
}
