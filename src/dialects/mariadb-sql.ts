/**
 * Pure SQL pieces of the MariaDB dialect: `$1..$n` placeholders turned into MariaDB's positional `?`
 * (a reused or reordered `$n` repeats its value), the online ALTER TABLE statements of a build, and
 * the settings of a build session. Identifiers are double-quoted: every MariaDB session of ours runs
 * with ANSI_QUOTES, so `"name"` is an identifier there as on the other dialects.
 */
import type { IndexColumn, IndexDefinition } from '../catalogue/index-definition.js';
import { UsageError } from '../errors.js';
import type { BuildOptions, ForeignKeyInfo, SchemaSnapshot } from './dialect.js';
import { quoteIdentifier } from './render-sql.js';

export interface PositionalSql {
  readonly sql: string;
  readonly values: unknown[];
}

/**
 * `$n` outside string literals, quoted identifiers and comments becomes `?`, with its value appended in
 * order of appearance. Booleans bind as 1/0 (MariaDB's BOOLEAN is TINYINT(1)); undefined as NULL.
 */
export function toPositional(sql: string, params: readonly unknown[]): PositionalSql {
  const values: unknown[] = [];
  let out = '';
  let i = 0;
  while (i < sql.length) {
    const skip = skipLength(sql, i);
    if (skip > 0) {
      out += sql.slice(i, i + skip);
      i += skip;
      continue;
    }
    const m = sql[i] === '$' ? /^\$(\d+)/.exec(sql.slice(i, i + 12)) : null;
    if (m?.[1] !== undefined) {
      const n = Number(m[1]);
      if (n < 1 || n > params.length) {
        throw new RangeError(`placeholder $${n} has no value (${params.length} given)`);
      }
      values.push(toMariadbValue(params[n - 1]));
      out += '?';
      i += m[0].length;
      continue;
    }
    out += sql[i];
    i += 1;
  }
  return { sql: out, values };
}

/**
 * The statement with `"identifiers"` written as `` `identifiers` `` (outside literals and comments), for
 * a session without ANSI_QUOTES: MariaDB's EXPLAIN FORMAT=JSON prints identifiers in the session's
 * quote character without escaping it, so under ANSI_QUOTES its JSON does not parse.
 */
export function withBacktickIdentifiers(sql: string): string {
  let out = '';
  let i = 0;
  while (i < sql.length) {
    const skip = skipLength(sql, i);
    if (skip === 0) {
      out += sql[i];
      i += 1;
      continue;
    }
    const piece = sql.slice(i, i + skip);
    out += sql[i] === '"' ? `\`${piece.slice(1, -1).replaceAll('""', '"').replaceAll('`', '``')}\`` : piece;
    i += skip;
  }
  return out;
}

/** Length of a string literal, quoted identifier or comment starting at i; 0 for anything else. */
function skipLength(sql: string, i: number): number {
  const c = sql[i];
  if (c === "'" || c === '"' || c === '`') return quotedLength(sql, i, c);
  if (c === '#' || (c === '-' && sql.startsWith('-- ', i))) {
    const end = sql.indexOf('\n', i);
    return (end < 0 ? sql.length : end) - i;
  }
  if (c === '/' && sql[i + 1] === '*') {
    const end = sql.indexOf('*/', i + 2);
    return (end < 0 ? sql.length : end + 2) - i;
  }
  return 0;
}

function quotedLength(sql: string, start: number, quote: string): number {
  let i = start + 1;
  while (i < sql.length) {
    const c = sql[i];
    if (c === '\\' && quote === "'") i += 2;
    else if (c === quote && sql[i + 1] === quote) i += 2;
    else if (c === quote) return i + 1 - start;
    else i += 1;
  }
  return sql.length - start;
}

export function toMariadbValue(v: unknown): unknown {
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (v === undefined) return null;
  return v;
}

/** A comment that marks a statement of ours in PROCESSLIST.INFO; `lock` is the runner lock's session. */
export function buildTag(lockSession: number): string {
  return `/* index-operator build lock=${lockSession} */`;
}

/** `"col"`, `"col"(191)`, `"col" DESC`. */
function keyPart(c: IndexColumn, descending: boolean): string {
  const length = c.length === undefined ? '' : `(${Math.trunc(c.length)})`;
  return `${quoteIdentifier(c.name)}${length}${descending && c.order === 'DESC' ? ' DESC' : ''}`;
}

/**
 * `ALTER TABLE "t" ADD [UNIQUE] INDEX "i" (...), ALGORITHM=INPLACE, LOCK=NONE`: concurrent reads and
 * writes go on during the build, and the statement fails instead of silently taking a blocking lock
 * when the table cannot be altered online. INCLUDE columns are left out (MariaDB has none); a
 * predicate cannot be rendered (the planner turns it into key columns before anything is built).
 */
export function renderAddIndex(def: IndexDefinition, descending: boolean): string {
  if (def.where.length > 0) {
    throw new UsageError(
      `index ${def.name}: MariaDB has no partial indexes; plan and up build it with the predicate's ` +
        'columns in the key instead',
      { reason: 'unsupported' },
    );
  }
  const cols = def.columns.map((c) => keyPart(c, descending)).join(', ');
  return (
    `ALTER TABLE ${quoteIdentifier(def.table)} ADD ${def.unique ? 'UNIQUE ' : ''}INDEX ` +
    `${quoteIdentifier(def.name)} (${cols}), ALGORITHM=INPLACE, LOCK=NONE`
  );
}

/** An index to add back in the same ALTER as a drop (a foreign key's own index, see fkIndexesToRestore). */
export interface RestoredIndex {
  readonly name: string;
  readonly columns: readonly string[];
}

/**
 * `ALTER TABLE "t" DROP INDEX IF EXISTS "i"[, ADD INDEX "fk" (...)], ALGORITHM=INPLACE, LOCK=NONE`:
 * online, and a rerun converges (IF EXISTS).
 */
export function renderDropIndexOnline(
  name: string,
  table: string,
  restore: readonly RestoredIndex[] = [],
): string {
  const adds = restore.map(
    (r) => `, ADD INDEX ${quoteIdentifier(r.name)} (${r.columns.map(quoteIdentifier).join(', ')})`,
  );
  return (
    `ALTER TABLE ${quoteIdentifier(table)} DROP INDEX IF EXISTS ${quoteIdentifier(name)}${adds.join('')}, ` +
    'ALGORITHM=INPLACE, LOCK=NONE'
  );
}

/**
 * InnoDB needs an index whose leading columns are a foreign key's, and drops the one it created for
 * the key on its own when a new index serves it: the catalogue index then cannot be dropped alone
 * (ER_DROP_INDEX_FK). Dropping it adds back the key's own index (named after the constraint, as InnoDB
 * names it), so the schema after a rollback is the schema before the build.
 */
export function fkIndexesToRestore(
  name: string,
  table: string,
  snapshot: Pick<SchemaSnapshot, 'indexes' | 'foreignKeys'>,
): RestoredIndex[] {
  const onTable = snapshot.indexes.filter((i) => i.table === table);
  const dropping = onTable.find((i) => i.name === name);
  if (dropping === undefined) return [];
  const others = onTable.filter((i) => i.name !== name);
  const serves = (i: (typeof onTable)[number], cols: readonly string[]): boolean =>
    cols.every((c, k) => i.columns[k]?.name === c);
  return snapshot.foreignKeys
    .filter((f) => f.table === table && serves(dropping, f.columns))
    .filter((f) => !others.some((i) => serves(i, f.columns)))
    .map((f) => ({ name: fkIndexName(f), columns: f.columns }))
    .filter((r) => !others.some((i) => i.name === r.name));
}

/**
 * The name InnoDB gives the index it creates for a foreign key: the constraint's name when the DDL named
 * it (`CONSTRAINT fk ...`), else (a generated `<table>_ibfk_<n>`) the key's first column.
 */
export function fkIndexName(f: Pick<ForeignKeyInfo, 'name' | 'columns'>): string {
  return /_ibfk_\d+$/.test(f.name) ? (f.columns[0] ?? f.name) : f.name;
}

/** lock_wait_timeout takes whole seconds (1 at least); 0 ms means no limit (its maximum, a year). */
export const MAX_LOCK_WAIT_SECONDS = 31_536_000;

/**
 * The SET statement of a build or drop session (one statement, one round trip): `lock_wait_timeout`
 * bounds the metadata-lock waits at the start and end of an online ALTER, `innodb_lock_wait_timeout` its
 * row-lock waits, `max_statement_time` (seconds, 0 = none) the whole statement. Every value is set each
 * time, so a kept session never runs with an earlier build's.
 */
export function mariadbBuildSettings(o: BuildOptions): string {
  const lockMs = nonNegativeMs(o.lockTimeoutMs, 'lock timeout');
  const lockSeconds = lockMs === 0 ? MAX_LOCK_WAIT_SECONDS : Math.max(1, Math.ceil(lockMs / 1000));
  const statementSeconds = nonNegativeMs(o.statementTimeoutMs, 'statement timeout') / 1000;
  return (
    `SET SESSION lock_wait_timeout = ${lockSeconds}, innodb_lock_wait_timeout = ${lockSeconds}, ` +
    `max_statement_time = ${statementSeconds}`
  );
}

function nonNegativeMs(ms: number, what: string): number {
  if (!Number.isFinite(ms) || ms < 0) {
    throw new UsageError(`invalid ${what} ${ms}ms: use a duration of 0 or more`, { reason: 'bad_option' });
  }
  return Math.round(ms);
}
