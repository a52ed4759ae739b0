/**
 * The request mix the load section replays: the database side of a ContextForge gateway's traffic, as
 * weighted query classes. Each entry names a hot query of the catalogue (its SQL per dialect comes from
 * there) or one of the two writes below, with its share of the database requests and where its varying
 * parameters come from.
 *
 * Why these weights (per 100 database requests):
 * - auth 40: every request to the gateway checks its token: is the JWT's jti revoked, the user behind
 *   it, their teams; API tokens are looked up by hash. The largest class because it is on every request.
 * - rbac 20: permission checks (the user's roles, with personal-team roles filtered out), a user's role
 *   in one team: on most requests that reach a service (tool calls, admin pages), fewer than auth.
 * - listings 15: tools/list and resources/list, the admin catalogue pages and a virtual server's tools.
 * - metrics 10: metrics windows and the last execution of a tool, read by dashboards and tool details.
 * - writes 15: every tool call writes a metrics row; session traffic touches its session.
 */
import { formatTimestamp } from '../src/catalogue/contextforge/sample-param.js';

export const QUERY_CLASSES = ['auth', 'rbac', 'listings', 'metrics', 'writes'] as const;
export type QueryClass = (typeof QUERY_CLASSES)[number];

/** Parameters drawn per request: the columns `sql` returns fill the positions `at` (1-based). */
export interface VaryingParams {
  readonly sql: string;
  readonly at: readonly number[];
}

export interface MixEntry {
  /** A hot query's name, or the name of one of WRITES. */
  readonly query: string;
  readonly queryClass: QueryClass;
  readonly weight: number;
  /** Undefined: the hot query's own (resolved) parameters on every request. */
  readonly vary?: VaryingParams;
}

/**
 * The writes of the mix: `$n` placeholders; `{id}` marks the new row's id, drawn per request (last in
 * the statement, since SQLite numbers `$n` parameters in the order they appear).
 */
export interface WriteStatement {
  readonly name: string;
  readonly description: string;
  readonly sql: string;
  readonly tables: readonly string[];
  /** Parameters other than the id; sampled like a hot query's `vary`. */
  readonly params: readonly unknown[];
}

const NOW = formatTimestamp(new Date(Date.UTC(2026, 5, 1)));

export const WRITES: readonly WriteStatement[] = [
  {
    name: 'tool_metric_insert',
    description: 'a tool call records its metrics row (id from a sequence, as SERIAL does)',
    sql:
      'INSERT INTO tool_metrics (tool_id, timestamp, response_time, is_success, error_message, id) ' +
      'VALUES ($1, $2, 0.25, TRUE, NULL, {id})',
    tables: ['tool_metrics'],
    params: ['', NOW],
  },
  {
    name: 'session_touch',
    description: 'session traffic marks its session as used',
    sql: 'UPDATE mcp_sessions SET last_accessed = $1 WHERE session_id = $2',
    tables: ['mcp_sessions'],
    params: [NOW, ''],
  },
];

const users = (table: string, column: string): VaryingParams => ({
  sql: `SELECT ${column} FROM ${table} WHERE ${column} IS NOT NULL`,
  at: [1],
});

export const REQUEST_MIX: readonly MixEntry[] = [
  { query: 'auth_token_revoked', queryClass: 'auth', weight: 12, vary: users('email_api_tokens', 'jti') },
  { query: 'auth_user_by_email', queryClass: 'auth', weight: 10, vary: users('email_users', 'email') },
  {
    query: 'auth_team_ids',
    queryClass: 'auth',
    weight: 8,
    vary: users('email_team_members', 'user_email'),
  },
  {
    query: 'auth_api_token_by_hash',
    queryClass: 'auth',
    weight: 6,
    vary: users('email_api_tokens', 'token_hash'),
  },
  {
    query: 'auth_personal_team',
    queryClass: 'auth',
    weight: 4,
    vary: users('email_team_members', 'user_email'),
  },
  { query: 'rbac_user_roles', queryClass: 'rbac', weight: 8, vary: users('user_roles', 'user_email') },
  {
    query: 'rbac_user_roles_in_team',
    queryClass: 'rbac',
    weight: 4,
    vary: { sql: 'SELECT user_email, scope_id FROM user_roles WHERE scope_id IS NOT NULL', at: [1, 5] },
  },
  {
    query: 'rbac_team_role_of_user',
    queryClass: 'rbac',
    weight: 4,
    vary: { sql: 'SELECT user_email, team_id FROM email_team_members', at: [1, 2] },
  },
  {
    query: 'auth_team_roles',
    queryClass: 'rbac',
    weight: 4,
    vary: users('email_team_members', 'user_email'),
  },
  { query: 'tools_listing', queryClass: 'listings', weight: 4 },
  {
    query: 'tools_listing_for_user',
    queryClass: 'listings',
    weight: 4,
    vary: {
      sql:
        'SELECT user_email, min(team_id) AS t1, max(team_id) AS t2 FROM email_team_members ' +
        'GROUP BY user_email',
      at: [2, 3, 4],
    },
  },
  {
    query: 'server_tools',
    queryClass: 'listings',
    weight: 3,
    vary: users('server_tool_association', 'server_id'),
  },
  { query: 'resources_listing', queryClass: 'listings', weight: 2 },
  { query: 'servers_listing', queryClass: 'listings', weight: 2 },
  {
    query: 'tool_metrics_last_24h',
    queryClass: 'metrics',
    weight: 4,
    vary: users('tool_metrics', 'tool_id'),
  },
  { query: 'tool_latest_metric', queryClass: 'metrics', weight: 3, vary: users('tool_metrics', 'tool_id') },
  {
    query: 'server_metrics_last_24h',
    queryClass: 'metrics',
    weight: 3,
    vary: users('server_metrics', 'server_id'),
  },
  { query: 'tool_metric_insert', queryClass: 'writes', weight: 10, vary: users('tools', 'id') },
  {
    query: 'session_touch',
    queryClass: 'writes',
    weight: 5,
    vary: { sql: 'SELECT session_id FROM mcp_sessions', at: [2] },
  },
];
