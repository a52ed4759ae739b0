/**
 * Synthetic rows for every table of the ContextForge schema, driven by the schema facts: each column
 * gets a value maker chosen from its name and type (foreign keys point at existing rows, unique columns
 * get unique values), and a few tables get rules of their own so the data looks like a deployment
 * (teams, memberships, owned entities, tokens and role grants follow the team layout, team-rules.ts;
 * skewed metrics, one busy server).
 */
import type { ColumnFact, TableFact } from '../catalogue/contextforge/schema-facts.js';
import type { BulkRows } from '../dialects/dialect.js';
import { DEFAULT_TABLE_ROWS } from './scale.js';
import { layoutOf, teamRule } from './team-rules.js';
import {
  emailFor,
  hashFor,
  pick,
  rng,
  timestampAround,
  timestampBefore,
  uuidFor,
  type Rng,
} from './value-makers.js';

export type ValueMaker = (i: number) => unknown;

/** A table's rows, made on demand (what the dialect's bulkInsert loads). */
export interface TableData extends BulkRows {
  row(i: number): unknown[];
}

interface Context {
  readonly sizes: Readonly<Record<string, number>>;
  readonly seed: number;
  readonly r: Rng;
  readonly table: TableFact;
}

const EMAIL_COLUMNS =
  /(^|_)(email|created_by|modified_by|invited_by|revoked_by|approved_by|reviewed_by|action_by|granted_by|user_id)$/;
const MOSTLY_TRUE = new Set([
  'enabled',
  'is_active',
  'reachable',
  'is_enabled',
  'is_success',
  'success',
  'granted',
]);

export function sizeOf(sizes: Readonly<Record<string, number>>, table: string): number {
  return sizes[table] ?? DEFAULT_TABLE_ROWS;
}

/** Row counts of the tables whose size follows from the team layout (members, member history). */
export function resolvedSizes(sizes: Readonly<Record<string, number>>): Record<string, number> {
  const out = { ...sizes };
  const layout = layoutOf({ seed: 0, sizeOf: (t) => sizeOf(sizes, t) });
  out['email_team_members'] = layout.memberships;
  out['email_team_member_history'] = layout.memberships;
  return out;
}

/**
 * The value of a key column of row i of a table (what a foreign key to it holds): the primary key by
 * default. A user's email is `emailFor(i)` whether it is the primary key (pre-epic schema) or a unique
 * column beside an `id` key (current schema), so foreign keys to either column find their row.
 */
export function keyOf(table: TableFact, i: number, column = table.primary_key[0]): unknown {
  if (table.name === 'email_users' && column === 'email') return emailFor(i);
  const key = table.columns.find((c) => c.name === column);
  if (key?.type === 'integer' || key?.type === 'bigint') return i + 1;
  return uuidFor(column === table.primary_key[0] ? table.name : `${table.name}.${column ?? ''}`, i);
}

export function tableData(
  table: TableFact,
  all: ReadonlyMap<string, TableFact>,
  sizes: Readonly<Record<string, number>>,
  seed: number,
): TableData {
  const ctx: Context = { sizes, seed, r: rng(seed, table.name), table };
  const makers = table.columns.map(
    (c) => specialMaker(ctx, c) ?? foreignKeyMaker(ctx, c, all) ?? defaultMaker(ctx, c),
  );
  return {
    table: table.name,
    columns: table.columns.map((c) => c.name),
    count: sizeOf(sizes, table.name),
    row: (i) => makers.map((m) => m(i)),
  };
}

function foreignKeyMaker(
  ctx: Context,
  c: ColumnFact,
  all: ReadonlyMap<string, TableFact>,
): ValueMaker | undefined {
  const fk = ctx.table.foreign_keys.find((f) => f.columns.length === 1 && f.columns[0] === c.name);
  const ref = fk === undefined ? undefined : all.get(fk.ref_table);
  if (ref === undefined) return undefined;
  const n = sizeOf(ctx.sizes, ref.name);
  const { r } = ctx;
  const refColumn = fk?.ref_columns[0];
  const key = (k: number): unknown => keyOf(ref, k, refColumn);
  if (ref.name === ctx.table.name) return (i) => (i === 0 || r() < 0.7 ? null : key(Math.floor(r() * i)));
  // In a key or unique constraint: spread deterministically so the combinations stay unique.
  const keyed = ctx.table.primary_key.includes(c.name) || isUnique(ctx.table, c);
  if (keyed) return (i) => key(i % n);
  if (c.nullable) return () => (r() < 0.2 ? null : key(Math.floor(r() * n)));
  return () => key(Math.floor(r() * n));
}

function defaultMaker(ctx: Context, c: ColumnFact): ValueMaker {
  const { r, table } = ctx;
  if (c.primary_key && table.primary_key.length === 1) return (i) => keyOf(table, i);
  const users = sizeOf(ctx.sizes, 'email_users');
  if (c.nullable && (c.type === 'text' || c.type === 'json')) return () => null;
  const maybe = (m: ValueMaker): ValueMaker => (c.nullable ? (i) => (r() < 0.3 ? null : m(i)) : m);
  switch (c.type) {
    case 'boolean':
      if (MOSTLY_TRUE.has(c.name)) return () => r() < 0.9;
      return () => (c.default === true ? r() < 0.9 : r() < 0.05);
    case 'timestamptz':
      if (c.name.startsWith('expires') || c.name.endsWith('_until'))
        return maybe(() => timestampAround(r, 30));
      return maybe(() => timestampBefore(r, 30));
    case 'integer':
    case 'bigint':
      return maybe(() => Math.floor(r() * 1000));
    case 'float':
      return maybe(() => Math.round(r() * 200_000) / 100);
    case 'json':
      return c.name === 'tags' ? () => '["prod","mcp"]' : () => '{}';
    case 'text':
      return (i) => `${c.name} ${i}`;
    case 'varchar':
    default:
      if (EMAIL_COLUMNS.test(c.name) && isUnique(table, c)) return (i) => emailFor(users + i);
      if (EMAIL_COLUMNS.test(c.name)) return maybe(() => emailFor(Math.floor(r() * users)));
      return maybe(stringMaker(table.name, c, isUnique(table, c)));
  }
}

function isUnique(table: TableFact, c: ColumnFact): boolean {
  return c.unique === true || table.unique_constraints.some((u) => u.columns.includes(c.name));
}

/** `unique`: the column is in a unique constraint, so a constant default would repeat a key. */
function stringMaker(table: string, c: ColumnFact, unique: boolean): ValueMaker {
  const length = Number(/\((\d+)\)/.exec(c.type)?.[1] ?? 255);
  if (length === 36) return (i) => uuidFor(`${table}.${c.name}`, i);
  if (c.default !== undefined && c.default !== null && !unique) return () => c.default;
  const prefix = c.name.slice(0, Math.max(1, length - 9));
  return (i) => `${prefix}-${i}`;
}

/** Rules that make the data look like a deployment; undefined leaves the column to the defaults. */
function specialMaker(ctx: Context, c: ColumnFact): ValueMaker | undefined {
  const { r, sizes, table } = ctx;
  const ruleContext = { ...ctx, table: table.name, sizeOf: (t: string) => sizeOf(sizes, t) };
  const teamShaped = teamRule(ruleContext, c.name);
  if (teamShaped !== undefined) return teamShaped;
  const teams = sizeOf(sizes, 'email_teams');
  const teamId = (t: number): string => uuidFor('email_teams', t);
  const key = `${table.name}.${c.name}`;
  switch (key) {
    case 'server_tool_association.server_id':
      return (i) => uuidFor('servers', i < 100 ? 0 : 1 + (i % (sizeOf(sizes, 'servers') - 1)));
    case 'token_usage_logs.token_jti':
      return () => uuidFor('email_api_tokens.jti', Math.floor(r() * sizeOf(sizes, 'email_api_tokens')));
    case 'email_api_tokens.token_hash':
      return (i) => hashFor(i, r);
    case 'tool_metrics.tool_id':
      return () => uuidFor('tools', Math.floor(r() ** 2 * sizeOf(sizes, 'tools')));
    case 'roles.scope':
      return () => pick(r, ['global', 'team', 'team', 'personal']);
    case 'permission_audit_log.team_id':
    case 'audit_trails.team_id':
      return () => (r() < 0.3 ? null : teamId(Math.floor(r() * teams)));
    case 'email_team_join_requests.status':
    case 'pending_user_approvals.status':
      return () => pick(r, ['pending', 'approved', 'approved', 'rejected']);
    case 'email_users.locked_until':
      return () => (r() < 0.03 ? timestampAround(r, 1) : null);
    case 'email_users.email':
      return (i) => emailFor(i);
    case 'email_users.is_admin':
      return (i) => i < 3;
    case 'observability_events.exception_type':
      return () => (r() < 0.1 ? pick(r, ['TimeoutError', 'ValueError', 'HTTPError']) : null);
    default:
      break;
  }
  if (c.name === 'import_batch_id')
    return () => (r() < 0.05 ? uuidFor('import_batches', Math.floor(r() * 20)) : null);
  if (c.name === 'federation_source') return () => null;
  return undefined;
}
