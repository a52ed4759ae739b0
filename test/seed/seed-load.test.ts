/**
 * The fast load keeps what seed promises: the fast timestamp text is formatTimestamp's, the DDL split
 * (unique indexes before the rows, other indexes and PostgreSQL's foreign keys after) ends in exactly
 * the schema the one-table-at-a-time DDL creates.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { currentSchema, upstreamEpicIndexes } from '../../src/catalogue/contextforge/schema-facts.js';
import { formatTimestamp } from '../../src/catalogue/contextforge/sample-param.js';
import type { Dialect, DialectName } from '../../src/dialects/dialect.js';
import { openDialect } from '../../src/dialects/open-dialect.js';
import {
  createSchemaIndexDdl,
  createTableDdl,
  schemaDdlParts,
  tablesInDependencyOrder,
} from '../../src/seed/schema-ddl.js';
import { tableIndexes, upstreamIndexesFor } from '../../src/seed/schema-indexes.js';
import { schemaFor, seedDatabase, type SchemaVariant } from '../../src/seed/seed.js';
import { ANCHOR_MS, DAY_MS, timestampText } from '../../src/seed/value-makers.js';
import { ALL_DIALECTS, freshDatabase } from '../helpers/databases.js';
import { schemaShape } from './seeded.js';

const VARIANTS = [
  { schema: 'pre-epic', tools: 200 },
  { schema: 'current', tools: 200 },
] as const;
const DBS = new Map<string, { seeded: string; classic: string }>();
for (const name of ALL_DIALECTS) {
  for (const v of VARIANTS) {
    DBS.set(`${name} ${v.schema}`, {
      seeded: (await freshDatabase(name, 'e9seedload')).url,
      classic: (await freshDatabase(name, 'e9seedddl')).url,
    });
  }
}

/** The DDL as seed ran it before the fast load: each table with its foreign keys, then its indexes. */
function classicDdl(variant: SchemaVariant, dialect: DialectName): string[] {
  const schema = schemaFor(variant);
  const own = tablesInDependencyOrder(schema).flatMap((t) => [
    createTableDdl(t, dialect),
    ...tableIndexes(t)
      .filter((i) => i.kind === 'index')
      .map((i) => createSchemaIndexDdl(i, dialect)),
  ]);
  const upstream = variant === 'current' ? upstreamIndexesFor(schema, upstreamEpicIndexes()) : [];
  return [...own, ...upstream.map((i) => createSchemaIndexDdl(i, dialect))];
}

/**
 * Foreign-key values with no row behind them, per key (SQLite does not check them while loading, so the
 * data is checked here on both dialects; PostgreSQL would refuse the key). Issue 14: the current schema
 * keys email_users by id, and teams' created_by pointed at emails no user had.
 */
async function danglingReferences(db: Dialect, variant: SchemaVariant): Promise<string[]> {
  const out: string[] = [];
  for (const t of schemaFor(variant).tables) {
    for (const fk of t.foreign_keys) {
      const [col, ref] = [fk.columns[0] ?? '', fk.ref_columns[0] ?? ''];
      const rows = await db.query<{ n: unknown }>(
        `SELECT count(*) AS n FROM ${t.name} c WHERE c.${col} IS NOT NULL AND NOT EXISTS ` +
          `(SELECT 1 FROM ${fk.ref_table} p WHERE p.${ref} = c.${col})`,
      );
      const n = Number(rows[0]?.n ?? 0);
      if (n > 0) out.push(`${t.name}.${col} → ${fk.ref_table}.${ref}: ${n}`);
    }
  }
  return out;
}

async function shapeWithNames(db: Dialect): Promise<string[]> {
  const snap = await db.introspect();
  const fkNames = snap.foreignKeys.map((f) => `fk-name ${f.table} ${f.name}`);
  return [...(await schemaShape(db)), ...fkNames].sort();
}

void describe('fast timestamp text', () => {
  void it('is exactly what formatTimestamp writes, across days, hours and milliseconds', () => {
    const start = ANCHOR_MS - 40 * DAY_MS;
    for (let ms = start; ms < ANCHOR_MS + 40 * DAY_MS; ms += 3_600_007) {
      for (const t of [ms, ms + 999, ms - (ms % DAY_MS), ms - (ms % DAY_MS) - 1]) {
        assert.equal(timestampText(t), formatTimestamp(new Date(t)), String(t));
      }
    }
  });
});

void describe('seed DDL split', () => {
  const schema = currentSchema();
  const fks = schema.tables.reduce((n, t) => n + t.foreign_keys.length, 0);
  void it('PostgreSQL adds every foreign key after the load; SQLite keeps them in CREATE TABLE', () => {
    const pg = schemaDdlParts(schema, 'postgresql');
    assert.equal(pg.foreignKeys.length, fks);
    assert.ok(pg.tables.every((sql) => !sql.includes('FOREIGN KEY')));
    const lite = schemaDdlParts(schema, 'sqlite');
    assert.deepEqual(lite.foreignKeys, []);
    const inline = lite.tables.join('\n').match(/FOREIGN KEY/g) ?? [];
    assert.equal(inline.length, fks);
  });

  void it('MariaDB adds the other indexes and foreign keys of a table after the load in one ALTER', () => {
    const parts = schemaDdlParts(schema, 'mariadb');
    assert.deepEqual(parts.foreignKeys, []);
    const tables = parts.indexes.map((sql) => /ALTER TABLE "([^"]+)"/.exec(sql)?.[1]);
    assert.equal(new Set(tables).size, parts.indexes.length, 'one statement per table');
    assert.ok(parts.indexes.every((sql) => sql.startsWith('SET STATEMENT foreign_key_checks = 0 FOR ')));
    const all = parts.indexes.join('\n');
    assert.equal(all.match(/ADD FOREIGN KEY/g)?.length, fks);
    const later = schemaDdlParts(schema, 'postgresql').indexes.length;
    assert.equal(all.match(/ADD INDEX/g)?.length, later);
    assert.equal(parts.indexCount, schemaDdlParts(schema, 'postgresql').indexCount);
  });

  void it('unique indexes come before the rows, the others after', () => {
    const parts = schemaDdlParts(schema, 'sqlite');
    const indexes = parts.tables.filter((sql) => sql.startsWith('CREATE UNIQUE INDEX'));
    assert.ok(indexes.length > 0);
    assert.ok(parts.indexes.length > 0);
    assert.ok(parts.indexes.every((sql) => sql.startsWith('CREATE INDEX')));
  });
});

for (const dialect of ALL_DIALECTS) {
  for (const { schema, tools } of VARIANTS) {
    void it(`${dialect}: seed's ${schema} schema is the schema the per-table DDL creates`, async () => {
      const urls = DBS.get(`${dialect} ${schema}`);
      assert.ok(urls);
      const seeded = await openDialect(urls.seeded);
      const classic = await openDialect(urls.classic);
      try {
        const report = await seedDatabase(seeded, { tools, seed: 5, reset: false, schema });
        assert.ok(report.rows > 0, `${report.rows} rows`);
        for (const sql of classicDdl(schema, dialect)) await classic.execute(sql);
        assert.deepEqual(await shapeWithNames(seeded), await shapeWithNames(classic));
        assert.deepEqual(await danglingReferences(seeded, schema), [], 'every reference finds its row');
      } finally {
        await seeded.close();
        await classic.close();
      }
    });
  }
}
