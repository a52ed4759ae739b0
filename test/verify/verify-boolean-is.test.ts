/**
 * verify's note on MariaDB's `IS TRUE` limit (plan's `boolean-is`): which indexes a query's
 * `col IS true|false` changes the plan of (pure, on a snapshot), and on the real databases that the note
 * is printed under the query's verdict on MariaDB only, without changing the verdict.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { HotQuery } from '../../src/catalogue/catalogue.js';
import type { ColumnKeyInfo, ExistingIndex, SchemaSnapshot } from '../../src/dialects/dialect.js';
import { openDialect } from '../../src/dialects/open-dialect.js';
import { booleanIsLimits, formatVerifyReport, runVerify } from '../../src/verify/verify.js';
import { ALL_DIALECTS, freshDatabase } from '../helpers/databases.js';
import { existingIndex } from '../helpers/index-definitions.js';

function index(name: string, columns: readonly string[]): ExistingIndex {
  return existingIndex({
    name,
    table: 'tokens',
    columns: columns.map((c) => ({ name: c, order: 'ASC' as const })),
    definition: '',
  });
}

const key = (boolean: boolean): ColumnKeyInfo => ({ keyBytes: 4, needsPrefix: false, type: 'int', boolean });

const SNAPSHOT: SchemaSnapshot = {
  tables: new Map([
    [
      'tokens',
      {
        name: 'tokens',
        columns: ['id', 'team_id', 'active', 'created_at', 'level'],
        keyInfo: new Map([
          ['team_id', key(false)],
          ['active', key(true)],
          ['created_at', key(false)],
          ['level', key(false)],
        ]),
        estimatedRows: 5000,
      },
    ],
  ]),
  indexes: [
    index('idx_team_active_created', ['team_id', 'active', 'created_at']),
    index('idx_team_active', ['team_id', 'active']),
    index('idx_active_created', ['active', 'created_at']),
    index('idx_team', ['team_id']),
    index('idx_level_created', ['level', 'created_at']),
  ],
  foreignKeys: [],
};

const LISTING = {
  sql: 'SELECT id FROM tokens WHERE tokens.team_id = $1 AND tokens.active IS {true} ORDER BY tokens.created_at',
  tables: ['tokens'],
};

void describe('booleanIsLimits', () => {
  void it('an index the plan used with key columns after the boolean', () => {
    const got = booleanIsLimits(
      LISTING,
      { indexesUsed: ['idx_team_active_created'], seqScans: [] },
      SNAPSHOT,
      'mariadb',
    );
    assert.deepEqual(got, [
      {
        predicate: 'tokens.active IS true',
        column: 'active',
        searchable: '= true',
        indexes: ['idx_team_active_created'],
      },
    ]);
  });

  void it('not an index the plan used whose last key column is the boolean', () => {
    const got = booleanIsLimits(
      LISTING,
      { indexesUsed: ['idx_team_active'], seqScans: [] },
      SNAPSHOT,
      'mariadb',
    );
    assert.deepEqual(
      got.flatMap((l) => l.indexes),
      ['idx_team_active_created'],
      'the passed-over (team_id, active, created_at) is named, the used (team_id, active) is not',
    );
  });

  void it('every index with the boolean in its key when the plan read the table whole', () => {
    const got = booleanIsLimits(LISTING, { indexesUsed: [], seqScans: ['tokens'] }, SNAPSHOT, 'mariadb');
    assert.deepEqual(got[0]?.indexes, ['idx_team_active_created', 'idx_team_active', 'idx_active_created']);
  });

  void it('a passed-over index only when WHERE names the key before the boolean and ORDER BY one after', () => {
    const noOrder = { ...LISTING, sql: LISTING.sql.replace(/ ORDER BY .*$/, '') };
    const plan = { indexesUsed: ['idx_team'], seqScans: [] };
    assert.deepEqual(booleanIsLimits(noOrder, plan, SNAPSHOT, 'mariadb'), []);
    const otherTeam = { ...LISTING, sql: LISTING.sql.replace('tokens.team_id = $1', 'tokens.level = $1') };
    assert.deepEqual(booleanIsLimits(otherTeam, plan, SNAPSHOT, 'mariadb'), []);
    assert.deepEqual(booleanIsLimits(LISTING, plan, SNAPSHOT, 'mariadb')[0]?.indexes, [
      'idx_team_active_created',
    ]);
  });

  void it('IS NOT false reads as such and is searched by = false; a column that is not boolean is no limit', () => {
    const notFalse = { ...LISTING, sql: LISTING.sql.replace('IS {true}', 'IS NOT {false}') };
    const got = booleanIsLimits(notFalse, { indexesUsed: [], seqScans: ['tokens'] }, SNAPSHOT, 'mariadb');
    assert.equal(got[0]?.predicate, 'tokens.active IS NOT false');
    assert.equal(got[0]?.searchable, '= false');
    const onLevel = { ...LISTING, sql: 'SELECT id FROM tokens WHERE level IS {true} ORDER BY created_at' };
    assert.deepEqual(
      booleanIsLimits(onLevel, { indexesUsed: [], seqScans: ['tokens'] }, SNAPSHOT, 'mariadb'),
      [],
    );
  });
});

const URLS = new Map<string, string>();
for (const name of ALL_DIALECTS) URLS.set(name, (await freshDatabase(name, 'iopboolis')).url);

const TEAM_TOKENS: HotQuery = {
  name: 'tokens_of_team',
  description: 'active tokens of a team, newest first',
  ...LISTING,
  params: [3],
  phases: [],
};

for (const dialect of ALL_DIALECTS) {
  void describe(`${dialect}: verify and IS true`, () => {
    const opened = openDialect(URLS.get(dialect) ?? '');
    after(async () => (await opened).close());

    void it(
      dialect === 'mariadb'
        ? 'names the index IS true cannot search, under an unchanged verdict'
        : 'says nothing: this database searches a boolean key column by IS true',
      async () => {
        const db = await opened;
        await db.execute(
          'CREATE TABLE tokens (id integer PRIMARY KEY, team_id integer NOT NULL, active boolean NOT NULL, ' +
            'created_at varchar(30) NOT NULL, level integer NOT NULL)',
        );
        await db.execute('CREATE INDEX idx_team_active_created ON tokens (team_id, active, created_at)');
        const rows = Array.from({ length: 3000 }, (_, i) => [
          i,
          i % 40,
          i % 3 !== 0,
          `2026-01-01 ${i}`,
          i % 7,
        ]);
        await db.bulkInsert({
          table: 'tokens',
          columns: ['id', 'team_id', 'active', 'created_at', 'level'],
          count: rows.length,
          row: (i) => rows[i] ?? [],
        });
        await db.analyze(['tokens']);
        const report = await runVerify(db, [TEAM_TOKENS]);
        const verdict = report.queries[0];
        assert.equal(verdict?.outcome, 'index', JSON.stringify(verdict));
        const text = formatVerifyReport(report);
        if (dialect === 'mariadb') {
          assert.deepEqual(verdict.booleanIs?.[0]?.indexes, ['idx_team_active_created']);
          assert.match(
            text,
            /note: `tokens\.active IS true` cannot search active in idx_team_active_created here \(plan: boolean-is\).*`= true` can search it/,
          );
        } else {
          assert.equal(verdict.booleanIs, undefined);
          assert.doesNotMatch(text, /note:/);
        }
        assert.ok(report.ok, text);
      },
    );
  });
}
