/**
 * Every contextforge index is justified by what it names in `serves`, and each claim is checked:
 * - a foreign key (`fk:<table>.<column>`) exists in the application's schema, its columns lead the
 *   index key, no index of the application's own schema already leads with them, and no other
 *   catalogue index claims the same key (one index per foreign key is enough);
 * - a hot query uses THIS index: on a seeded pre-epic database, after `up` of all 8 phases and ANALYZE,
 *   EXPLAIN of the query as the application sends it names the index, on PostgreSQL and SQLite.
 *
 * Planner settings: SQLite plans as it would in production. PostgreSQL plans with its defaults first;
 * only when that plan reads the index's table with a sequential scan (no index of that table at all:
 * the test seed's small tables, a few hundred teams or roles, cost less to scan than any index) is the
 * query planned again with enable_seqscan off. That setting removes the scan, not any index: the
 * planner still picks the cheapest index by cost, so the claim checked is that THIS index is the one
 * it picks. A default plan that uses another index of the table fails the claim outright.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { contextforgeCatalogue } from '../../migrations/contextforge/index.js';
import type { IndexDefinition } from '../../src/catalogue/index-definition.js';
import {
  currentSchema,
  preEpicSchema,
  type TableFact,
} from '../../src/catalogue/contextforge/schema-facts.js';
import { keyLeadsWith, servesClaims } from '../../src/catalogue/serves.js';
import type { Dialect } from '../../src/dialects/dialect.js';
import { applyPhases } from '../../src/engine/engine.js';
import { createLogger } from '../../src/log.js';
import { schemaIndexes } from '../../src/seed/schema-indexes.js';
import { renderHotQuerySql } from '../../src/verify/hot-query-sql.js';
import { resolveParams } from '../../src/verify/resolve-params.js';
import { DIALECTS_WITHOUT_MARIADB as ALL_DIALECTS, freshDatabase } from '../helpers/databases.js';
import { seededDatabase } from '../seed/seeded.js';
import { planUses } from './plan-probe.js';

const catalogue = contextforgeCatalogue;
const indexes: readonly IndexDefinition[] = catalogue.phases.flatMap((p) => p.indexes);
const queries = new Map(catalogue.hotQueries.map((q) => [q.name, q]));
const log = createLogger({ level: 'silent' });

function tableFact(name: string): TableFact | undefined {
  return (
    preEpicSchema().tables.find((t) => t.name === name) ?? currentSchema().tables.find((t) => t.name === name)
  );
}

void test('every index names the hot queries or foreign keys it serves', () => {
  const unjustified = indexes.filter((i) => servesClaims(i).length === 0).map((i) => i.name);
  assert.deepEqual(unjustified, [], `${unjustified.length} of ${indexes.length} indexes serve nothing named`);
});

void test('every foreign key an index claims exists, leads the key, and has no other index', () => {
  const appIndexes = schemaIndexes(preEpicSchema());
  const claimedBy = new Map<string, string>();
  const problems: string[] = [];
  for (const def of indexes) {
    for (const c of servesClaims(def)) {
      if (c.kind !== 'fk') continue;
      const claim = `fk:${c.table}.${c.columns.join(',')}`;
      const fk = tableFact(c.table)?.foreign_keys.find(
        (f) => f.columns.length === c.columns.length && f.columns.every((x) => c.columns.includes(x)),
      );
      if (fk === undefined) problems.push(`${def.name}: ${claim} is no foreign key of the schema`);
      if (!keyLeadsWith(def, c.columns)) problems.push(`${def.name}: key does not lead with ${claim}`);
      const app = appIndexes.find((a) => a.table === c.table && keyLeadsWith(a, c.columns));
      if (app !== undefined) problems.push(`${def.name}: ${claim} is already served by ${app.name}`);
      const other = claimedBy.get(claim);
      if (other !== undefined) problems.push(`${def.name}: ${claim} is already claimed by ${other}`);
      claimedBy.set(claim, def.name);
    }
  }
  assert.deepEqual(problems, []);
  assert.ok(claimedBy.size >= 20, `${claimedBy.size} foreign keys claimed`);
});

/** [index, hot query] for every query claim. */
const queryClaims = indexes.flatMap((def) =>
  servesClaims(def).flatMap((c) => (c.kind === 'query' ? [[def, c.name] as const] : [])),
);

const urls = new Map<string, string>();
for (const dialect of ALL_DIALECTS) urls.set(dialect, (await freshDatabase(dialect, 'e14just')).url);

for (const dialect of ALL_DIALECTS) {
  void describe(`contextforge index claims on a seeded ${dialect} database after up`, () => {
    let db: Dialect;
    let tableOf: Map<string, string>;
    before(async () => {
      ({ db } = await seededDatabase(urls.get(dialect) ?? ''));
      const up = await applyPhases({ dialect: db, log }, catalogue, { concurrency: 2 });
      assert.equal(up.ok, true, up.error?.message);
      await db.analyze([...(await db.introspect()).tables.keys()]);
      tableOf = new Map((await db.introspect()).indexes.map((i) => [i.name, i.table]));
    });
    after(async () => {
      await db.close();
    });

    void test('each hot query an index names uses that index', async (t) => {
      assert.ok(queryClaims.length >= 50, `${queryClaims.length} query claims`);
      const misses: string[] = [];
      const forced: string[] = [];
      for (const [def, name] of queryClaims) {
        const q = queries.get(name);
        assert.ok(q, `${def.name}: hot query ${name}`);
        const sql = renderHotQuerySql(q.sql, dialect);
        const params = await resolveParams(db, q.params);
        const planned = await planUses(db, sql, params, true);
        if (planned.some((u) => u.index === def.name)) continue;
        const rival = planned.find((u) => tableOf.get(u.index) === def.table);
        const again = rival === undefined && dialect === 'postgresql';
        const forcedUses = again ? await planUses(db, sql, params, false) : [];
        if (forcedUses.some((u) => u.index === def.name)) forced.push(`${def.name} ← ${name}`);
        else misses.push(`${def.name} ← ${name}: ${JSON.stringify(again ? forcedUses : planned)}`);
      }
      t.diagnostic(
        `${queryClaims.length} claims; ${forced.length} held only with sequential scans off: ${forced.join('; ')}`,
      );
      assert.deepEqual(misses, []);
    });
  });
}
