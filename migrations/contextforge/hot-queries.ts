/**
 * The hot queries the plan targets, written as the application issues them (parameters bound; booleans
 * bound too, as SQLAlchemy does). `verify` EXPLAINs each one; `demo` times them before and after.
 * Parameters are picked from the data (see sample-param.ts) so the suite runs on any deployment.
 */
import type { HotQuery } from '../../src/catalogue/catalogue.js';
import { hoursBeforeLatest, sample } from '../../src/catalogue/contextforge/sample-param.js';

const NO_ID = '00000000-0000-0000-0000-000000000000';
const NO_EMAIL = 'nobody@example.com';

const firstOf = (table: string, column: string, order = 'id'): ReturnType<typeof sample> =>
  sample(`SELECT ${column} FROM ${table} WHERE ${column} IS NOT NULL ORDER BY ${order} LIMIT 1`, NO_ID);

const team = firstOf('email_teams', 'id');
const memberTeam = firstOf('email_team_members', 'team_id');
const memberEmail = sample('SELECT user_email FROM email_team_members ORDER BY id LIMIT 1', NO_EMAIL);

function teamListing(table: string, noun: string): HotQuery {
  return {
    name: `${table}_by_team_enabled`,
    description: `${noun} of a team, enabled, newest first (first page)`,
    sql: `SELECT id, created_at, visibility FROM ${table} WHERE team_id = $1 AND enabled = $2 ORDER BY created_at DESC LIMIT 50`,
    params: [team, true],
    tables: [table],
    expectIndexes: [`idx_${table}_team_id_enabled_created_at`],
  };
}

function visibilityListing(table: string, noun: string): HotQuery {
  return {
    name: `${table}_public_listing`,
    description: `public ${noun}, enabled, ordered by creation time (first page)`,
    sql: `SELECT id, created_at, team_id FROM ${table} WHERE visibility = $1 AND enabled = $2 ORDER BY created_at LIMIT 50`,
    params: ['public', true],
    tables: [table],
    expectIndexes: [`idx_${table}_visibility_active_created`],
  };
}

function metricsWindow(table: string, column: string, entity: string): HotQuery {
  return {
    name: `${table}_last_24h`,
    description: `metrics of one ${entity} over the last 24 hours, aggregated`,
    sql:
      `SELECT count(*) AS calls, avg(response_time) AS avg_ms, max(response_time) AS max_ms ` +
      `FROM ${table} WHERE ${column} = $1 AND timestamp >= $2`,
    params: [firstOf(table, column), hoursBeforeLatest(table, 'timestamp', 24)],
    tables: [table],
  };
}

export const hotQueries: readonly HotQuery[] = [
  teamListing('tools', 'tools'),
  teamListing('resources', 'resources'),
  teamListing('gateways', 'gateways'),
  visibilityListing('tools', 'tools'),
  visibilityListing('servers', 'virtual servers'),
  visibilityListing('a2a_agents', 'A2A agents'),
  {
    name: 'prompts_by_team_visibility',
    description: 'prompts of a team with one visibility, enabled, newest first',
    sql:
      'SELECT id, name, created_at FROM prompts WHERE team_id = $1 AND visibility = $2 AND enabled = $3 ' +
      'ORDER BY created_at DESC LIMIT 50',
    params: [team, 'team', true],
    tables: ['prompts'],
  },
  {
    name: 'team_membership_check',
    description: 'is this user an active member of this team (every team-scoped request)',
    sql: 'SELECT role FROM email_team_members WHERE team_id = $1 AND user_email = $2 AND is_active = $3',
    params: [memberTeam, memberEmail, true],
    tables: ['email_team_members'],
  },
  {
    name: 'teams_of_user',
    description: 'the active teams of a user',
    sql: 'SELECT team_id, role FROM email_team_members WHERE user_email = $1 AND is_active = $2',
    params: [memberEmail, true],
    tables: ['email_team_members'],
  },
  {
    name: 'team_pending_invitations',
    description: 'pending invitations of a team, newest first',
    sql:
      'SELECT id, email, invited_at FROM email_team_invitations WHERE team_id = $1 AND is_active = $2 ' +
      'ORDER BY invited_at DESC',
    params: [firstOf('email_team_invitations', 'team_id'), true],
    tables: ['email_team_invitations'],
  },
  {
    name: 'team_join_requests_pending',
    description: 'pending join requests of a team, oldest first',
    sql:
      'SELECT id, user_email, requested_at FROM email_team_join_requests WHERE team_id = $1 AND status = $2 ' +
      'ORDER BY requested_at',
    params: [firstOf('email_team_join_requests', 'team_id'), 'pending'],
    tables: ['email_team_join_requests'],
  },
  {
    name: 'server_delete_tool_links',
    description: 'deleting a server removes its tool association rows (the busiest server)',
    sql: 'DELETE FROM server_tool_association WHERE server_id = $1',
    params: [
      sample(
        'SELECT server_id FROM server_tool_association GROUP BY server_id ORDER BY count(*) DESC, server_id LIMIT 1',
        NO_ID,
      ),
    ],
    tables: ['server_tool_association'],
  },
  {
    name: 'server_delete_metrics',
    description: 'deleting a server removes its metrics rows',
    sql: 'DELETE FROM server_metrics WHERE server_id = $1',
    params: [firstOf('server_metrics', 'server_id')],
    tables: ['server_metrics'],
  },
  {
    name: 'servers_of_tool',
    description: 'the servers a tool belongs to (also the check when a tool is deleted)',
    sql: 'SELECT server_id FROM server_tool_association WHERE tool_id = $1',
    params: [firstOf('server_tool_association', 'tool_id', 'tool_id')],
    tables: ['server_tool_association'],
  },
  {
    name: 'user_email_change_members',
    description: "changing a user's email rewrites their team memberships",
    sql: 'UPDATE email_team_members SET user_email = $1 WHERE user_email = $2',
    params: [memberEmail, memberEmail],
    tables: ['email_team_members'],
  },
  {
    name: 'api_token_by_hash',
    description: 'authentication: the API token with this hash',
    sql: 'SELECT id, user_email, expires_at, is_active FROM email_api_tokens WHERE token_hash = $1',
    params: [firstOf('email_api_tokens', 'token_hash')],
    tables: ['email_api_tokens'],
  },
  {
    name: 'token_revocation_check',
    description: 'is this JWT revoked (every authenticated request)',
    sql: 'SELECT reason FROM token_revocations WHERE jti = $1',
    params: [firstOf('token_revocations', 'jti', 'jti')],
    tables: ['token_revocations'],
  },
  {
    name: 'api_tokens_of_user',
    description: "a user's active API tokens, newest first",
    sql:
      'SELECT id, name, created_at FROM email_api_tokens WHERE user_email = $1 AND is_active = $2 ' +
      'ORDER BY created_at DESC',
    params: [firstOf('email_api_tokens', 'user_email'), true],
    tables: ['email_api_tokens'],
  },
  metricsWindow('tool_metrics', 'tool_id', 'tool'),
  metricsWindow('server_metrics', 'server_id', 'server'),
  {
    name: 'tool_latest_metric',
    description: 'the latest metric of a tool (tool detail page)',
    sql: 'SELECT timestamp, response_time, is_success FROM tool_metrics WHERE tool_id = $1 ORDER BY timestamp DESC LIMIT 1',
    params: [firstOf('tool_metrics', 'tool_id')],
    tables: ['tool_metrics'],
  },
  {
    name: 'permission_audit_of_user',
    description: 'permission audit log of a user, newest first',
    sql:
      'SELECT timestamp, permission, granted FROM permission_audit_log WHERE user_email = $1 ' +
      'ORDER BY timestamp DESC LIMIT 100',
    params: [firstOf('permission_audit_log', 'user_email')],
    tables: ['permission_audit_log'],
  },
  {
    name: 'resource_subscribers',
    description: 'subscribers to notify when a resource changes',
    sql: 'SELECT subscriber_id FROM resource_subscriptions WHERE resource_id = $1',
    params: [firstOf('resource_subscriptions', 'resource_id')],
    tables: ['resource_subscriptions'],
  },
  {
    name: 'gateway_health_listing',
    description: 'enabled gateways that are unreachable, stalest first (health checker)',
    sql: 'SELECT id, name, url, last_seen FROM gateways WHERE enabled = $1 AND reachable = $2 ORDER BY last_seen',
    params: [true, false],
    tables: ['gateways'],
  },
  {
    name: 'roles_of_user',
    description: "a user's active role grants (every permission check)",
    sql: 'SELECT role_id, scope, scope_id FROM user_roles WHERE user_email = $1 AND is_active = $2',
    params: [firstOf('user_roles', 'user_email'), true],
    tables: ['user_roles'],
  },
];

/**
 * Queries that scan their table before the plan and use one of its indexes after. The others already
 * had an index before (a primary key or a unique constraint that leads with the filter column) and get a
 * better one.
 */
export const FIXED_BY_PLAN: ReadonlySet<string> = new Set([
  'tools_public_listing',
  'servers_public_listing',
  'a2a_agents_public_listing',
  'teams_of_user',
  'team_pending_invitations',
  'server_delete_metrics',
  'servers_of_tool',
  'user_email_change_members',
  'api_token_by_hash',
  'tool_metrics_last_24h',
  'server_metrics_last_24h',
  'tool_latest_metric',
  'permission_audit_of_user',
  'resource_subscribers',
  'gateway_health_listing',
  'roles_of_user',
]);
