/**
 * What each contextforge index claims to serve, checked with EXPLAIN on every dialect, each index alone
 * on its empty table (plan-probe.ts):
 * - every partial index serves each predicate form the application writes for its filter (a bound
 *   string, `IS NOT NULL`, a comparison that implies it);
 * - every index with a boolean key column is searched on that column in each form SQLAlchemy emits:
 *   `IS true` (`.is_(True)`), `= true` (`== True`), bare (`.where(Tool.enabled)`), and their false forms,
 *   as each database spells them (SQLAlchemy 2.1 on MySQL/MariaDB: `IS true`, `= true`, `= 1`). MariaDB
 *   cannot search an index by `IS TRUE`/`IS FALSE` (it searches the columns before the boolean and
 *   checks the boolean in the index): there each such index carries the `boolean-is` adaptation that
 *   `plan` shows, and the test holds the two to each other.
 * That each index serves the queries it names is checked on seeded data: contextforge-justified.test.ts.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { contextforgeCatalogue } from '../../migrations/contextforge/index.js';
import type { Condition, IndexDefinition } from '../../src/catalogue/index-definition.js';
import type { Dialect } from '../../src/dialects/dialect.js';
import { adaptIndex } from '../../src/engine/adapt-index.js';
import { openDialect } from '../../src/dialects/open-dialect.js';
import { renderHotQuerySql } from '../../src/verify/hot-query-sql.js';
import { ALL_DIALECTS, freshDatabase } from '../helpers/databases.js';
import { createProbeTables, planUses, probeTables, sampleValue, withIndex } from './plan-probe.js';

const catalogue = contextforgeCatalogue;
const indexes = catalogue.phases.flatMap((p) => p.indexes);
const booleanColumns = new Set(
  probeTables().flatMap((t) =>
    t.columns.filter((c) => c.type === 'boolean').map((c) => `${t.name}.${c.name}`),
  ),
);

interface Form {
  readonly where: string;
  readonly params: readonly unknown[];
}

/** The forms the application writes for one predicate condition, numbered from `$n`. */
function conditionForms(table: string, c: Condition, n: number): Form[] {
  switch (c.op) {
    case 'IS NOT NULL': {
      const value = sampleValue(table, c.column);
      const compare = typeof value === 'string' && /^\d{4}-/.test(value) ? '<' : '=';
      return [
        { where: `${c.column} IS NOT NULL`, params: [] },
        { where: `${c.column} ${compare} $${n}`, params: [value] },
      ];
    }
    case '=':
      if (typeof c.value === 'boolean') {
        const v = c.value ? '{true}' : '{false}';
        const bare = c.value ? [{ where: `${c.column}{=true}`, params: [] }] : [];
        return [
          { where: `${c.column} IS ${v}`, params: [] },
          { where: `${c.column} = ${v}`, params: [] },
          ...bare,
        ];
      }
      if (typeof c.value !== 'string') throw new Error(`no forms for ${c.column} = ${String(c.value)}`);
      // SQLAlchemy binds a string literal as a parameter; a hand-written query may inline it.
      return [
        { where: `${c.column} = $${n}`, params: [c.value] },
        { where: `${c.column} = '${c.value}'`, params: [] },
      ];
    case '<>':
    case 'IN':
    case 'IS NULL':
      throw new Error(`no forms for ${c.column} ${c.op}: add them here before the catalogue uses one`);
  }
}

const BOOLEAN_FORMS = ['IS {true}', '= {true}', '{=true}', 'IS {false}', '= {false}'] as const;

/** Equality on the key columns before `k`, then the boolean at `k` in one form. */
function booleanKeyQuery(def: IndexDefinition, k: number, form: string): Form {
  const before = def.columns.slice(0, k).map((c) => c.name);
  const eqs = before.map((c, i) => `${c} = $${i + 1}`);
  const bool = def.columns[k]?.name ?? '';
  const test = form === '{=true}' ? `${bool}{=true}` : `${bool} ${form}`;
  return {
    where: [...eqs, test].join(' AND '),
    params: before.map((c) => sampleValue(def.table, c)),
  };
}

const keys = (def: IndexDefinition): string => def.columns.map((c) => c.name).join(', ');

// Created here, at the top level, so they are dropped when the file ends.
const urls = new Map<string, string>();
for (const dialect of ALL_DIALECTS) urls.set(dialect, (await freshDatabase(dialect, 'e14serves')).url);

for (const dialect of ALL_DIALECTS) {
  void describe(`contextforge index claims on ${dialect}`, () => {
    let db: Dialect;
    before(async () => {
      db = await openDialect(urls.get(dialect) ?? '');
      await createProbeTables(db);
    });
    after(async () => {
      await db.close();
    });

    void test('every partial index serves each form of its predicate', async () => {
      // The catalogue has no partial index today (the ones it had served no read path); any added later
      // is held to every form of its predicate here.
      const partial = indexes.filter((i) => i.where.length > 0);
      const misses: string[] = [];
      for (const def of partial) {
        await withIndex(db, def, async () => {
          for (const c of def.where) {
            for (const f of conditionForms(def.table, c, 1)) {
              const sql = renderHotQuerySql(
                `SELECT ${keys(def)} FROM ${def.table} WHERE ${f.where} ORDER BY ${def.columns[0]?.name ?? ''}`,
                dialect,
              );
              const uses = await planUses(db, sql, f.params);
              if (!uses.some((u) => u.index === def.name)) misses.push(`${def.name}: ${f.where}`);
            }
          }
        });
      }
      assert.deepEqual(misses, []);
    });

    void test('every boolean key column is searched on in each form SQLAlchemy writes, or plan says not', async () => {
      const withBoolean = indexes.filter((i) =>
        i.columns.some((c) => booleanColumns.has(`${i.table}.${c.name}`)),
      );
      assert.ok(withBoolean.length >= 10, `${withBoolean.length} indexes with a boolean key column`);
      const tables = (await db.introspect()).tables;
      const misses: string[] = [];
      const notSearchedByIs = new Set<string>();
      const adaptedForIs = new Set<string>();
      for (const def of withBoolean) {
        const k = def.columns.findIndex((c) => booleanColumns.has(`${def.table}.${c.name}`));
        const bool = def.columns[k]?.name ?? '';
        if (adaptIndex(def, db.capabilities, tables.get(def.table)).dropped.includes('boolean-is')) {
          adaptedForIs.add(def.name);
        }
        await withIndex(db, def, async () => {
          for (const form of BOOLEAN_FORMS) {
            const q = booleanKeyQuery(def, k, form);
            const sql = renderHotQuerySql(`SELECT ${keys(def)} FROM ${def.table} WHERE ${q.where}`, dialect);
            const uses = await planUses(db, sql, q.params);
            const searched = uses.some((u) => u.index === def.name && u.cond.includes(bool));
            if (!searched && form.startsWith('IS') && !db.capabilities.searchesBooleanIs) {
              // Used, searched by the key columns before the boolean (if any), never the boolean.
              assert.ok(
                uses.some((u) => u.index === def.name && !u.cond.includes(bool)),
                `${sql}`,
              );
              notSearchedByIs.add(def.name);
            } else if (!searched) misses.push(`${def.name}: ${sql} → ${JSON.stringify(uses)}`);
          }
        });
      }
      assert.deepEqual(misses, []);
      // Where `IS TRUE` cannot search a boolean key column (MariaDB), plan says so for exactly those
      // indexes; elsewhere every form searches it and plan records nothing.
      assert.deepEqual([...adaptedForIs].sort(), [...notSearchedByIs].sort());
      if (db.capabilities.searchesBooleanIs) assert.equal(notSearchedByIs.size, 0);
      else assert.equal(notSearchedByIs.size, withBoolean.length);
    });
  });
}
