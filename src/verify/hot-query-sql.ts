/**
 * Renders a hot query's SQL for one dialect the way SQLAlchemy writes it there, so the text a partial
 * index predicate must be proven against is exact:
 * - `{true}` / `{false}`: an inline boolean literal (`Column.is_(True)`, `Column == True`): PostgreSQL
 *   `true`/`false`, SQLite `1`/`0`. `enabled IS {true}` reads `enabled IS true` / `enabled IS 1`.
 * - `{=true}` after a column: the column used bare as a condition (`.where(Tool.enabled)`): nothing on
 *   PostgreSQL (`WHERE tools.enabled`), ` = 1` on SQLite, which has no native boolean.
 */
import type { HotQuery } from '../catalogue/catalogue.js';
import type { DialectName } from '../dialects/dialect.js';
import { renderLiteral, type BooleanStyle } from '../dialects/render-sql.js';

interface BooleanRendering {
  /** How an inline boolean literal is written. */
  readonly literals: BooleanStyle;
  /** What follows a boolean column used bare as a condition. */
  readonly bare: string;
}

/** SQLAlchemy's rendering per database (native booleans on PostgreSQL; none on SQLite). */
const BOOLEANS: Readonly<Record<DialectName, BooleanRendering>> = {
  postgresql: { literals: 'keyword', bare: '' },
  sqlite: { literals: 'integer', bare: ' = 1' },
  // MariaDB's BOOLEAN is TINYINT(1) (no native boolean: a bare column is `= 1`); `IS` takes only the
  // keywords TRUE/FALSE there, so literals are keywords.
  mariadb: { literals: 'keyword', bare: ' = 1' },
};

const TOKEN = /\{(true|false|=true)\}/g;

export function renderHotQuerySql(sql: string, dialect: DialectName): string {
  const style = BOOLEANS[dialect];
  return sql.replace(TOKEN, (_m, v: string) =>
    v === '=true' ? style.bare : renderLiteral(v === 'true', style.literals),
  );
}

export function hotQuerySql(q: Pick<HotQuery, 'sql'>, dialect: DialectName): string {
  return renderHotQuerySql(q.sql, dialect);
}
