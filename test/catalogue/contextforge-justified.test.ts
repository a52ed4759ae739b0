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
import type { HotQuery } from '../../src/catalogue/catalogue.js';
import type { IndexDefinition } from '../../src/catalogue/index-definition.js';
import {
  currentSchema,
  preEpicSchema,
  type TableFact,
} from '../../src/catalogue/contextforge/schema-facts.js';
import { keyLeadsWith, servesClaims } from '../../src/catalogue/serves.js';
import type { Dialect } from '../../src/dialects/dialect.js';
import { adaptIndex } from '../../src/engine/adapt-index.js';
import { applyPhases, planRun, type DroppedFeature } from '../../src/engine/engine.js';
import { createLogger } from '../../src/log.js';
import { schemaIndexes } from '../../src/seed/schema-indexes.js';
import { renderHotQuerySql } from '../../src/verify/hot-query-sql.js';
import { resolveParams } from '../../src/verify/resolve-params.js';
import { ALL_DIALECTS, freshDatabase } from '../helpers/databases.js';
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
      const snapshot = await db.introspect();
      // What this database cannot build (plan skips it and says why: MariaDB's long UNIQUE hash key on
      // resources) serves nothing here; its claims are listed, not counted as held.
      const plan = await planRun({ dialect: db, log }, catalogue);
      const skipped = new Map(
        plan.phases.flatMap((p) =>
          p.indexes.filter((i) => i.action === 'skip').map((i) => [i.index.name, i.reason]),
        ),
      );
      const held = new Map<Verdict, string[]>();
      const misses: string[] = [];
      for (const [def, name] of queryClaims) {
        const q = queries.get(name);
        assert.ok(q, `${def.name}: hot query ${name}`);
        const skip = skipped.get(def.name);
        if (skip !== undefined) {
          held.set('skipped', [...(held.get('skipped') ?? []), `${def.name} ← ${name} (${skip})`]);
          continue;
        }
        const adapted = adaptIndex(def, db.capabilities, snapshot.tables.get(def.table)).dropped;
        const verdict = await judge(db, def, q.sql, q.params, tableOf, adapted);
        if (typeof verdict === 'string')
          held.set(verdict, [...(held.get(verdict) ?? []), `${def.name} ← ${name}`]);
        else misses.push(`${def.name} ← ${name}: ${verdict.miss}`);
      }
      const list = (v: Verdict): string[] => held.get(v) ?? [];
      t.diagnostic(
        `${queryClaims.length} claims; ${list('forced').length} held only with sequential scans off: ` +
          `${list('forced').join('; ')}; ${list('planning').length} answered while planning from the ` +
          `index: ${list('planning').join('; ')}; ${list('boolean-is').length} held only with \`= true\` ` +
          `for the application's IS TRUE/IS FALSE (plan's boolean-is adaptation): ${list('boolean-is').join('; ')}; ` +
          `${list('skipped').length} of indexes plan skips here: ${list('skipped').join('; ')}`,
      );
      assert.deepEqual(misses, []);
      if (db.capabilities.searchesBooleanIs) assert.deepEqual(list('boolean-is'), []);
      if (db.capabilities.indexLimits === undefined) assert.deepEqual(list('skipped'), []);
    });
  });
}

/**
 * How a claim holds: `plain` (the plan uses the index), `forced` (only with full scans made dearer:
 * PostgreSQL enable_seqscan off, MariaDB FORCE INDEX of all the table's indexes, see withoutTableScan), `planning` (MariaDB answered the query while planning, from the index: MIN/MAX from an
 * index end, or a const row read by a unique key; the plan names no access, so the claim is shown by
 * making THIS index invisible to the optimizer and seeing the table read instead), `boolean-is` (not as
 * the application spells it: its `col IS TRUE` cannot search the index's boolean key column on this
 * database, which `plan` says with the boolean-is adaptation; the same query with `col = TRUE` uses
 * the index). Anything else is a miss.
 */
type Verdict = 'plain' | 'forced' | 'planning' | 'boolean-is' | 'skipped';

async function judge(
  db: Dialect,
  def: IndexDefinition,
  text: string,
  rawParams: HotQuery['params'],
  tableOf: ReadonlyMap<string, string>,
  adapted: readonly DroppedFeature[],
): Promise<Verdict | { miss: string }> {
  const sql = renderHotQuerySql(text, db.name);
  const params = await resolveParams(db, rawParams);
  const plan = await db.explain(sql, params);
  if (plan.searches.some((u) => u.index === def.name)) return 'plain';
  const rival = plan.searches.find((u) => tableOf.get(u.index) === def.table);
  const forced =
    rival === undefined
      ? await planUses(db, withoutTableScan(db, sql, def.table, tableOf), params, false)
      : [];
  if (forced.some((u) => u.index === def.name)) return 'forced';
  if (plan.searches.length === 0 && /^answered while planning/.test(plan.summary)) {
    if (await readsTableWithout(db, def, sql, params, tableOf)) return 'planning';
  }
  if (adapted.includes('boolean-is') && isSpelledOnBooleanKey(def, text)) {
    const equal = renderHotQuerySql(text.replace(/ IS (\{(?:true|false)\})/g, ' = $1'), db.name);
    if ((await planUses(db, equal, params, true)).some((u) => u.index === def.name)) return 'boolean-is';
  }
  return { miss: `${plan.summary} ${JSON.stringify(rival === undefined ? forced : plan.searches)}` };
}

/** The query tests one of the index's key columns with `IS {true|false}`. */
function isSpelledOnBooleanKey(def: IndexDefinition, text: string): boolean {
  return def.columns.some((c) => new RegExp(`\\b${def.table}\\.${c.name} IS \\{(true|false)\\}`).test(text));
}

/**
 * With `def` ignored by the optimizer (MariaDB's IGNORED index, a metadata-only change), the plan reads
 * its table: the answer found while planning came from this index.
 */
async function readsTableWithout(
  db: Dialect,
  def: IndexDefinition,
  sql: string,
  params: readonly unknown[],
  tableOf: ReadonlyMap<string, string>,
): Promise<boolean> {
  const alter = (how: string): string =>
    `ALTER TABLE ${db.quoteIdentifier(def.table)} ALTER INDEX ${db.quoteIdentifier(def.name)} ${how}`;
  await db.execute(alter('IGNORED'));
  try {
    const without = await db.explain(sql, params);
    return (
      without.seqScans.includes(def.table) || without.searches.some((u) => tableOf.get(u.index) === def.table)
    );
  } finally {
    await db.execute(alter('NOT IGNORED'));
  }
}

/**
 * PostgreSQL makes full scans dearer by a setting (Dialect.explain's `preferIndexes`); MariaDB 10.11 has
 * none, so there the table's references get `FORCE INDEX (every index of the table)`: a table scan is
 * then dearer than any of them, and the optimizer still picks among them by cost (a rival can win).
 */
function withoutTableScan(
  db: Dialect,
  sql: string,
  table: string,
  tableOf: ReadonlyMap<string, string>,
): string {
  if (db.name !== 'mariadb') return sql;
  const all = [...tableOf].filter(([, t]) => t === table).map(([i]) => db.quoteIdentifier(i));
  const ref = new RegExp(`\\b(FROM|JOIN) ${table}( AS \\w+)?(?=[\\s,)]|$)`, 'g');
  return sql.replace(ref, (m) => `${m} FORCE INDEX (${all.join(', ')})`);
}
