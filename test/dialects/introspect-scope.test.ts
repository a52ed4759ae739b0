/**
 * A scoped introspection (what the engine's re-check before each build reads) holds the scope's tables,
 * every index on them and every index of the scope's names wherever it is, as the full read has them.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { openDialect } from '../../src/dialects/open-dialect.js';
import { ALL_DIALECTS, freshDatabase } from '../helpers/databases.js';

for (const dialect of ALL_DIALECTS) {
  void describe(`scoped introspection on ${dialect}`, () => {
    void it('holds the tables, their indexes and the named indexes elsewhere, as the full read does', async () => {
      const fresh = await freshDatabase(dialect, 'iopscope');
      const db = await openDialect(fresh.url);
      try {
        for (const t of ['alpha', 'beta', 'gamma']) {
          await db.execute(`CREATE TABLE ${t} (id INTEGER PRIMARY KEY, v INTEGER, w INTEGER)`);
          await db.execute(`CREATE INDEX ix_${t}_v ON ${t} (v)`);
        }
        await db.execute('CREATE INDEX ix_elsewhere ON gamma (w)');
        const full = await db.introspect();
        const scoped = await db.introspect({ tables: ['alpha'], indexes: ['ix_elsewhere', 'ix_missing'] });
        assert.deepEqual(scoped.tables.get('alpha'), full.tables.get('alpha'));
        assert.equal(scoped.tables.has('beta'), false, 'a table outside the scope is not read');
        const names = (s: typeof full, keep: (table: string, name: string) => boolean): string[] =>
          s.indexes
            .filter((i) => keep(i.table, i.name))
            .map((i) => JSON.stringify(i))
            .sort();
        const wanted = (table: string, name: string): boolean => table === 'alpha' || name === 'ix_elsewhere';
        assert.deepEqual(names(scoped, wanted), names(full, wanted));
        assert.ok(names(scoped, wanted).some((i) => i.includes('"ix_elsewhere"')));
        assert.ok(names(scoped, wanted).some((i) => i.includes('"ix_alpha_v"')));
      } finally {
        await db.close();
      }
    });
  });
}
