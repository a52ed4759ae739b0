/**
 * The read paths ContextForge runs per request or per listing, written as SQLAlchemy emits them (upstream
 * IBM/mcp-context-forge, file:function in `source`): the same predicate forms (`.is_(True)` is
 * `IS {true}`, a bare boolean column `.where(Tool.enabled)` is `enabled{=true}`, see
 * src/verify/hot-query-sql.ts), NOT IN subqueries, eager-load joins, keyset cursors, LIMIT/OFFSET.
 * String literals are bound parameters, as SQLAlchemy binds them. Parameters are picked from the data
 * (sample-param.ts) so the suite runs on any deployment. Each query names the phases whose indexes it
 * needs (none: the application's own keys serve it); the catalogue indexes that serve it say so in their
 * `serves` (test/catalogue/contextforge-justified.test.ts checks each claim with EXPLAIN).
 */
import type { HotQuery } from '../../src/catalogue/catalogue.js';
import {
  formatTimestamp,
  hoursBeforeLatest,
  rowAt,
  sample,
  sampleAt,
} from '../../src/catalogue/contextforge/sample-param.js';
import { listingQueries, TOOLS_LISTING_SELECT } from './hot-listings.js';

const NO_ID = '00000000-0000-0000-0000-000000000000';
const NO_EMAIL = 'nobody@example.com';
const NO_TIME = '2026-06-01 00:00:00.000000';

const firstOf = (table: string, column: string, order = 'id'): ReturnType<typeof sample> =>
  sample(`SELECT ${column} FROM ${table} WHERE ${column} IS NOT NULL ORDER BY ${order} LIMIT 1`, NO_ID);

/** A user with active memberships (the one with the most, so team lists are not trivially short). */
const member = sample(
  'SELECT user_email FROM email_team_members GROUP BY user_email ORDER BY count(*) DESC, user_email LIMIT 1',
  NO_EMAIL,
);
/** A user holding role grants. */
const roleHolder = sample(
  'SELECT user_email FROM user_roles GROUP BY user_email ORDER BY count(*) DESC, user_email LIMIT 1',
  NO_EMAIL,
);
/**
 * A team on a typical page of teams: the shared (not personal) teams ranked by member count, the one at
 * the median (`step` 1: the next one up). Most teams are small (team-layout.ts); a page counts and
 * reads members of teams like these, not only of the org-wide team.
 */
const typicalTeam = (step: number): ReturnType<typeof sample> =>
  sampleAt(
    'SELECT email_team_members.team_id FROM email_team_members JOIN email_teams ON email_teams.id = ' +
      'email_team_members.team_id WHERE NOT email_teams.is_personal GROUP BY email_team_members.team_id ' +
      'ORDER BY count(*), email_team_members.team_id',
    0.5,
    NO_ID,
    step,
  );
/** The team with the most members (an org-wide team). */
const bigTeam = sample(
  'SELECT team_id FROM email_team_members GROUP BY team_id ORDER BY count(*) DESC, team_id LIMIT 1',
  NO_ID,
);

const auth: HotQuery[] = [
  {
    name: 'auth_user_by_email',
    description: 'every authenticated request: the user of the token',
    source: 'mcpgateway/auth.py:_get_auth_context_batched_sync (query 1)',
    sql:
      'SELECT email_users.email, email_users.password_hash, email_users.full_name, email_users.is_admin, ' +
      'email_users.is_active, email_users.auth_provider FROM email_users WHERE email_users.email = $1',
    params: [member],
    tables: ['email_users'],
    phases: [],
  },
  {
    name: 'auth_personal_team',
    description: "every authenticated request: the user's personal team",
    source: 'mcpgateway/auth.py:_get_auth_context_batched_sync (query 2), _get_personal_team_sync',
    sql:
      'SELECT email_teams.id, email_teams.name FROM email_teams JOIN email_team_members ON email_teams.id = ' +
      'email_team_members.team_id WHERE email_team_members.user_email = $1 AND email_teams.is_personal IS {true}',
    params: [member],
    tables: ['email_teams', 'email_team_members'],
    phases: ['teams'],
  },
  {
    name: 'auth_team_ids',
    description: "every session-token request: the user's active teams and their names",
    source: 'mcpgateway/auth.py:_get_auth_context_batched_sync (query 4)',
    sql:
      'SELECT email_team_members.team_id, email_teams.name FROM email_team_members JOIN email_teams ON ' +
      'email_teams.id = email_team_members.team_id WHERE email_team_members.user_email = $1 AND ' +
      'email_team_members.is_active IS {true} AND email_teams.is_active IS {true}',
    params: [member],
    tables: ['email_team_members', 'email_teams'],
    phases: ['teams'],
  },
  {
    name: 'auth_team_ids_sync',
    description: 'team resolution when the auth cache misses',
    source: 'mcpgateway/auth.py:_get_user_team_ids_sync',
    sql:
      'SELECT email_team_members.team_id FROM email_team_members WHERE email_team_members.user_email = $1 ' +
      'AND email_team_members.is_active IS {true}',
    params: [member],
    tables: ['email_team_members'],
    phases: ['teams'],
  },
  {
    name: 'auth_team_roles',
    description: "a user's role per active team (header masking on every proxied request)",
    source: 'mcpgateway/auth.py:get_user_team_roles',
    sql:
      'SELECT email_team_members.team_id, email_team_members.role FROM email_team_members WHERE ' +
      'email_team_members.user_email = $1 AND email_team_members.is_active IS {true}',
    params: [member],
    tables: ['email_team_members'],
    phases: ['teams'],
  },
  {
    name: 'auth_token_revoked',
    description: 'every JWT: is its jti revoked',
    source: 'mcpgateway/auth.py:_check_token_revoked_sync',
    sql: 'SELECT token_revocations.jti, token_revocations.reason FROM token_revocations WHERE token_revocations.jti = $1',
    params: [firstOf('token_revocations', 'jti', 'jti')],
    tables: ['token_revocations'],
    phases: [],
  },
  {
    name: 'auth_api_token_by_hash',
    description: 'API token authentication: the active token with this hash',
    source: 'mcpgateway/auth.py:_lookup_api_token_sync',
    sql:
      'SELECT email_api_tokens.id, email_api_tokens.user_email, email_api_tokens.jti, email_api_tokens.expires_at ' +
      'FROM email_api_tokens WHERE email_api_tokens.token_hash = $1 AND email_api_tokens.is_active IS {true}',
    params: [firstOf('email_api_tokens', 'token_hash')],
    tables: ['email_api_tokens'],
    phases: ['tokens'],
  },
  {
    name: 'auth_api_token_by_jti',
    description: 'API token last_used update and the legacy API-token check, by jti',
    source: 'mcpgateway/auth.py:_update_api_token_last_used_sync, _is_api_token_jti_sync',
    sql: 'SELECT email_api_tokens.id FROM email_api_tokens WHERE email_api_tokens.jti = $1 LIMIT 1',
    params: [firstOf('email_api_tokens', 'jti')],
    tables: ['email_api_tokens'],
    phases: [],
  },
];

const rbac: HotQuery[] = [
  {
    name: 'rbac_user_roles',
    description:
      "every permission check: a user's active roles, team roles on personal teams filtered out (NOT IN subquery)",
    source: 'mcpgateway/services/permission_service.py:PermissionService.get_user_roles (include_all_teams)',
    sql:
      'SELECT user_roles.id, user_roles.role_id, user_roles.scope, user_roles.scope_id, roles.name, roles.permissions ' +
      'FROM user_roles JOIN roles ON roles.id = user_roles.role_id WHERE user_roles.user_email = $1 AND ' +
      'user_roles.is_active IS {true} AND roles.is_active IS {true} AND (user_roles.scope = $2 OR ' +
      'user_roles.scope = $3 OR user_roles.scope = $4 AND (user_roles.scope_id IS NULL OR (user_roles.scope_id ' +
      'NOT IN (SELECT email_teams.id FROM email_teams WHERE email_teams.is_personal IS {true})))) AND ' +
      '(user_roles.expires_at IS NULL OR user_roles.expires_at > $5)',
    params: [roleHolder, 'global', 'personal', 'team', formatTimestamp(new Date())],
    tables: ['user_roles', 'roles', 'email_teams'],
    phases: ['rbac', 'teams'],
    shapeLimit: {
      why:
        'the uncorrelated NOT IN (SELECT id FROM email_teams WHERE is_personal IS true) is computed whole on ' +
        'every permission check: one row per user (every user has a personal team), however few roles the ' +
        'user holds; an index only makes those rows narrower to read',
      rewrite:
        'NOT EXISTS (SELECT 1 FROM email_teams t WHERE t.id = user_roles.scope_id AND t.is_personal IS true), ' +
        'a primary-key probe per role of the user',
    },
  },
  {
    name: 'rbac_user_roles_in_team',
    description: "a permission check inside one team: the user's global, personal and that team's roles",
    source: 'mcpgateway/services/permission_service.py:PermissionService.get_user_roles (team_id)',
    sql:
      'SELECT user_roles.id, user_roles.role_id, user_roles.scope, roles.permissions FROM user_roles JOIN roles ' +
      'ON roles.id = user_roles.role_id WHERE user_roles.user_email = $1 AND user_roles.is_active IS {true} AND ' +
      'roles.is_active IS {true} AND (user_roles.scope = $2 OR user_roles.scope = $3 OR user_roles.scope = $4 ' +
      'AND (user_roles.scope_id = $5 OR user_roles.scope_id IS NULL)) AND (user_roles.expires_at IS NULL OR ' +
      'user_roles.expires_at > $6)',
    params: [roleHolder, 'global', 'personal', 'team', bigTeam, formatTimestamp(new Date())],
    tables: ['user_roles', 'roles'],
    phases: ['rbac'],
  },
  {
    name: 'rbac_team_role_of_user',
    description: "team fallback permissions: the user's role in one team (bare boolean filter)",
    source: 'mcpgateway/services/permission_service.py:PermissionService._get_user_team_role',
    sql:
      'SELECT email_team_members.id, email_team_members.role FROM email_team_members WHERE ' +
      'email_team_members.user_email = $1 AND email_team_members.team_id = $2 AND email_team_members.is_active{=true}',
    params: [member, bigTeam],
    tables: ['email_team_members'],
    phases: [],
  },
  {
    name: 'rbac_role_by_name',
    description: 'role lookup by name within a scope (role assignment, bootstrap)',
    source: 'mcpgateway/services/role_service.py:RoleService.get_role_by_name',
    sql:
      'SELECT roles.id, roles.permissions FROM roles WHERE roles.name = $1 AND roles.scope = $2 AND ' +
      'roles.is_active IS {true}',
    params: [firstOf('roles', 'name'), 'team'],
    tables: ['roles'],
    phases: ['rbac'],
  },
];

/** The owner of a team (a member with role 'owner'), for the owner checks. */
const teamOwner = (column: 'team_id' | 'user_email'): ReturnType<typeof sample> =>
  sample(
    `SELECT ${column} FROM email_team_members WHERE role = 'owner' ORDER BY team_id, user_email LIMIT 1`,
    column === 'team_id' ? NO_ID : NO_EMAIL,
  );

const teams: HotQuery[] = [
  {
    name: 'active_admin_count',
    description: 'last-admin guard when a user is updated, demoted or deleted: active admins left',
    source: 'mcpgateway/services/email_auth_service.py:EmailAuthService.count_active_admin_users',
    sql:
      'SELECT count(email_users.email) AS count_1 FROM email_users WHERE email_users.is_admin IS {true} AND ' +
      'email_users.is_active IS {true}',
    params: [],
    tables: ['email_users'],
    phases: ['rbac'],
  },
  {
    name: 'public_teams_to_discover',
    description: 'public teams a user may join (teams page): active, not personal, not already a member',
    source: 'mcpgateway/services/team_management_service.py:TeamManagementService.discover_public_teams',
    sql:
      'SELECT email_teams.id, email_teams.name, email_teams.slug FROM email_teams WHERE email_teams.visibility = $1 ' +
      'AND email_teams.is_active IS {true} AND email_teams.is_personal IS {false} AND (email_teams.id NOT IN ' +
      '(SELECT email_team_members.team_id FROM email_team_members WHERE email_team_members.user_email = $2 AND ' +
      'email_team_members.is_active IS {true})) LIMIT $3 OFFSET $4',
    params: ['public', member, 100, 0],
    tables: ['email_teams', 'email_team_members'],
    phases: ['teams'],
  },
  {
    name: 'team_owner_check',
    description: "is the caller an owner of the team (team token list, a team item's visibility change)",
    source: 'mcpgateway/services/token_catalog_service.py:TokenCatalogService.list_team_tokens (owner check)',
    sql:
      'SELECT email_team_members.id, email_team_members.role FROM email_team_members WHERE ' +
      'email_team_members.team_id = $1 AND email_team_members.user_email = $2 AND email_team_members.role = $3 AND ' +
      'email_team_members.is_active IS {true}',
    params: [teamOwner('team_id'), teamOwner('user_email'), 'owner'],
    tables: ['email_team_members'],
    phases: [],
  },
  {
    name: 'team_owner_count',
    description: 'last-owner guard when a member leaves or is removed: active owners of the team',
    source: 'mcpgateway/services/team_management_service.py:TeamManagementService.remove_member_from_team',
    sql:
      'SELECT count(*) AS count_1 FROM (SELECT email_team_members.id AS id FROM email_team_members WHERE ' +
      'email_team_members.team_id = $1 AND email_team_members.role = $2 AND email_team_members.is_active IS {true}) ' +
      'AS anon_1',
    params: [bigTeam, 'owner'],
    tables: ['email_team_members'],
    phases: ['teams'],
  },
  {
    name: 'team_directory',
    description: 'team listing without personal teams, active, by name (first page)',
    source: 'mcpgateway/services/team_management_service.py:TeamManagementService (list filters)',
    sql:
      'SELECT email_teams.id, email_teams.name, email_teams.slug FROM email_teams WHERE email_teams.is_personal ' +
      'IS {false} AND email_teams.is_active IS {true} ORDER BY email_teams.name LIMIT $1 OFFSET $2',
    params: [50, 0],
    tables: ['email_teams'],
    phases: ['teams'],
  },
  {
    name: 'team_members_of_team',
    description:
      'the active members of a team, newest first, a keyset page (upstream also joins email_users on the ' +
      "member's email, a primary-key probe per row at scale; left out here because on the test seed's small " +
      'teams PostgreSQL hashes the whole user table for it, which says nothing about the member index)',
    source: 'mcpgateway/services/team_management_service.py:TeamManagementService.get_team_members (cursor)',
    sql:
      'SELECT email_team_members.id, email_team_members.user_email, email_team_members.role, ' +
      'email_team_members.joined_at FROM email_team_members WHERE email_team_members.team_id = $1 AND ' +
      'email_team_members.is_active IS {true} ORDER BY email_team_members.joined_at DESC, ' +
      'email_team_members.id DESC LIMIT $2',
    params: [bigTeam, 51],
    tables: ['email_team_members'],
    phases: ['teams'],
  },
  {
    name: 'team_member_counts',
    description:
      'member counts of the teams on a page (one query for the page), for two shared teams of median size ' +
      "as a typical page holds: any index leading with team_id serves it, the application's uq_team_member " +
      '(team_id, user_email) included, so it needs no phase',
    source: 'mcpgateway/services/team_management_service.py:TeamManagementService.get_member_counts_batch',
    sql:
      'SELECT email_team_members.team_id, count(email_team_members.id) AS count FROM email_team_members WHERE ' +
      'email_team_members.team_id IN ($1, $2) AND email_team_members.is_active IS {true} GROUP BY ' +
      'email_team_members.team_id',
    params: [typicalTeam(0), typicalTeam(1)],
    tables: ['email_team_members'],
    phases: [],
  },
  {
    name: 'team_roles_of_user',
    description: "the caller's role in each team of a page (one query for the page)",
    source: 'mcpgateway/services/team_management_service.py:TeamManagementService.get_user_roles_batch',
    sql:
      'SELECT email_team_members.team_id, email_team_members.role FROM email_team_members WHERE ' +
      'email_team_members.user_email = $1 AND email_team_members.team_id IN ($2, $3) AND ' +
      'email_team_members.is_active IS {true}',
    params: [member, bigTeam, firstOf('email_team_members', 'team_id', 'team_id')],
    tables: ['email_team_members'],
    phases: [],
  },
  {
    name: 'team_invitations_of_team',
    description: 'pending invitations of a team, newest first',
    source: 'mcpgateway/services/team_invitation_service.py:TeamInvitationService.get_team_invitations',
    sql:
      'SELECT email_team_invitations.id, email_team_invitations.email, email_team_invitations.invited_at FROM ' +
      'email_team_invitations WHERE email_team_invitations.team_id = $1 AND email_team_invitations.is_active ' +
      'IS {true} ORDER BY email_team_invitations.invited_at DESC',
    params: [firstOf('email_team_invitations', 'team_id')],
    tables: ['email_team_invitations'],
    phases: ['teams'],
  },
  {
    name: 'team_invitations_for_email',
    description: 'invitations waiting for a user, shown at sign-in',
    source: 'mcpgateway/services/team_invitation_service.py:TeamInvitationService.get_user_invitations',
    sql:
      'SELECT email_team_invitations.id, email_team_invitations.team_id FROM email_team_invitations WHERE ' +
      'email_team_invitations.email = $1 AND email_team_invitations.is_active IS {true} ORDER BY ' +
      'email_team_invitations.invited_at DESC',
    params: [firstOf('email_team_invitations', 'email')],
    tables: ['email_team_invitations'],
    phases: ['teams'],
  },
  {
    name: 'team_join_requests_pending',
    description: 'pending join requests of a team, newest first',
    source: 'mcpgateway/services/team_management_service.py:TeamManagementService.list_join_requests',
    sql:
      'SELECT email_team_join_requests.id, email_team_join_requests.user_email FROM email_team_join_requests ' +
      'WHERE email_team_join_requests.team_id = $1 AND email_team_join_requests.status = $2 ORDER BY ' +
      'email_team_join_requests.requested_at DESC',
    params: [firstOf('email_team_join_requests', 'team_id'), 'pending'],
    tables: ['email_team_join_requests'],
    phases: ['teams'],
  },
  {
    name: 'join_requests_of_user',
    description: "a user's own join requests (teams page)",
    source: 'mcpgateway/services/team_management_service.py:TeamManagementService.get_user_join_requests',
    sql:
      'SELECT email_team_join_requests.id, email_team_join_requests.team_id, email_team_join_requests.status ' +
      'FROM email_team_join_requests WHERE email_team_join_requests.user_email = $1',
    params: [firstOf('email_team_join_requests', 'user_email')],
    tables: ['email_team_join_requests'],
    phases: ['teams'],
  },
];

const tokens: HotQuery[] = [
  {
    name: 'api_tokens_of_user',
    description: "a user's active, unexpired API tokens, newest first (first page)",
    source: 'mcpgateway/services/token_catalog_service.py:TokenCatalogService.list_user_tokens',
    sql:
      'SELECT email_api_tokens.id, email_api_tokens.name, email_api_tokens.created_at FROM email_api_tokens ' +
      'WHERE email_api_tokens.user_email = $1 AND email_api_tokens.is_active IS {true} AND ' +
      '(email_api_tokens.expires_at IS NULL OR email_api_tokens.expires_at > $2) ORDER BY ' +
      'email_api_tokens.created_at DESC LIMIT $3 OFFSET $4',
    params: [
      sample(
        'SELECT user_email FROM email_api_tokens WHERE is_active = true AND (expires_at IS NULL OR expires_at > $1) ' +
          'GROUP BY user_email ORDER BY count(*) DESC, user_email LIMIT 1',
        NO_EMAIL,
        [formatTimestamp(new Date())],
      ),
      formatTimestamp(new Date()),
      50,
      0,
    ],
    tables: ['email_api_tokens'],
    phases: [],
  },
  {
    name: 'api_tokens_of_team',
    description: "a team's active, unexpired API tokens, newest first (first page)",
    source: 'mcpgateway/services/token_catalog_service.py:TokenCatalogService.list_team_tokens',
    sql:
      'SELECT email_api_tokens.id, email_api_tokens.name, email_api_tokens.created_at FROM email_api_tokens ' +
      'WHERE email_api_tokens.team_id = $1 AND email_api_tokens.is_active IS {true} AND ' +
      '(email_api_tokens.expires_at IS NULL OR email_api_tokens.expires_at > $2) ORDER BY ' +
      'email_api_tokens.created_at DESC LIMIT $3 OFFSET $4',
    params: [firstOf('email_api_tokens', 'team_id'), formatTimestamp(new Date()), 50, 0],
    tables: ['email_api_tokens'],
    phases: ['tokens'],
  },
  {
    name: 'token_usage_stats_of_user',
    description:
      "a user's token usage statistics over the last 30 days (served by the application's user_email " +
      'indexes: idx_token_usage_logs_user_email_timestamp, or ix_token_usage_logs_user_email)',
    source:
      'mcpgateway/services/token_catalog_service.py:TokenCatalogService._get_usage_stats_postgresql, ' +
      '_get_usage_stats_python (get_token_usage_stats)',
    sql:
      'SELECT count(*) AS total, avg(token_usage_logs.response_time_ms) AS avg_response FROM token_usage_logs ' +
      'WHERE token_usage_logs.user_email = $1 AND token_usage_logs.timestamp >= $2',
    params: [
      sample(
        'SELECT user_email FROM token_usage_logs GROUP BY user_email ORDER BY count(*) DESC, user_email LIMIT 1',
        NO_EMAIL,
      ),
      hoursBeforeLatest('token_usage_logs', 'timestamp', 30 * 24),
    ],
    tables: ['token_usage_logs'],
    phases: [],
  },
];

/**
 * The admin observability trace list (ObservabilityService.query_traces: time range, then the optional
 * status and user filters, ORDER BY start_time DESC, LIMIT/OFFSET). Unfiltered, the application's
 * idx_observability_traces_start_time serves it; by user, its single-column user_email index leaves every
 * trace of the user to sort, and a user's traces grow with each request, so the catalogue adds
 * (user_email, start_time).
 */
const observability: HotQuery[] = [
  {
    name: 'traces_listing',
    description: 'admin observability: the newest traces of the last day (first page)',
    source: 'mcpgateway/services/observability_service.py:ObservabilityService.query_traces',
    sql:
      'SELECT observability_traces.trace_id, observability_traces.name, observability_traces.start_time, ' +
      'observability_traces.status FROM observability_traces WHERE observability_traces.start_time >= $1 ' +
      'ORDER BY observability_traces.start_time DESC LIMIT $2 OFFSET $3',
    params: [hoursBeforeLatest('observability_traces', 'start_time', 24), 100, 0],
    tables: ['observability_traces'],
    phases: [],
  },
  {
    name: 'traces_of_user',
    description: "admin observability: one user's traces of the last day, newest first (first page)",
    source: 'mcpgateway/services/observability_service.py:ObservabilityService.query_traces (user_email)',
    sql:
      'SELECT observability_traces.trace_id, observability_traces.name, observability_traces.start_time, ' +
      'observability_traces.status FROM observability_traces WHERE observability_traces.start_time >= $1 ' +
      'AND observability_traces.user_email = $2 ORDER BY observability_traces.start_time DESC LIMIT $3 OFFSET $4',
    params: [
      hoursBeforeLatest('observability_traces', 'start_time', 24),
      sample(
        'SELECT user_email FROM observability_traces WHERE user_email IS NOT NULL ORDER BY start_time DESC LIMIT 1',
        NO_EMAIL,
      ),
      100,
      0,
    ],
    tables: ['observability_traces'],
    phases: ['misc'],
  },
];

function metricsWindow(table: string, column: string, entity: string, source: string): HotQuery {
  return {
    name: `${table}_last_24h`,
    description: `metrics of one ${entity} over the last 24 hours, aggregated`,
    source,
    sql:
      `SELECT count(${table}.id) AS calls, avg(${table}.response_time) AS avg_ms, max(${table}.response_time) AS max_ms ` +
      `FROM ${table} WHERE ${table}.${column} = $1 AND ${table}.timestamp >= $2`,
    params: [firstOf(table, column), hoursBeforeLatest(table, 'timestamp', 24)],
    tables: [table],
    phases: ['metrics'],
  };
}

/** The rollup's backfill check: the earliest raw metric of one table. */
function earliestMetric(table: string): HotQuery {
  return {
    name: `${table}_earliest`,
    description: `hourly rollup start: the earliest raw row of ${table} (backfill detection)`,
    source: 'mcpgateway/services/metrics_rollup_service.py:MetricsRollupService._detect_backfill_hours',
    sql: `SELECT min(${table}.timestamp) AS min_1 FROM ${table}`,
    params: [],
    tables: [table],
    phases: ['metrics'],
  };
}

const metrics: HotQuery[] = [
  ...['tool_metrics', 'resource_metrics', 'prompt_metrics', 'server_metrics', 'a2a_agent_metrics'].map(
    earliestMetric,
  ),
  metricsWindow(
    'tool_metrics',
    'tool_id',
    'tool',
    'mcpgateway/services/metrics_query_service.py (raw window of one tool)',
  ),
  metricsWindow(
    'server_metrics',
    'server_id',
    'server',
    'mcpgateway/services/metrics_query_service.py (raw window of one server)',
  ),
  {
    name: 'tool_latest_metric',
    description: 'the latest metric of a tool (tool detail, last execution)',
    source: 'mcpgateway/services/tool_service.py:ToolService.convert_tool_to_read (last execution time)',
    sql:
      'SELECT tool_metrics.timestamp, tool_metrics.response_time, tool_metrics.is_success FROM tool_metrics ' +
      'WHERE tool_metrics.tool_id = $1 ORDER BY tool_metrics.timestamp DESC LIMIT $2',
    params: [firstOf('tool_metrics', 'tool_id'), 1],
    tables: ['tool_metrics'],
    phases: ['metrics'],
  },
  {
    name: 'tool_metrics_rollup_hour',
    description: 'hourly rollup: raw tool metrics of one hour, grouped per tool',
    source: 'mcpgateway/services/metrics_rollup_service.py (hourly rollup of raw metrics)',
    sql:
      'SELECT tool_metrics.tool_id, count(tool_metrics.id) AS total, avg(tool_metrics.response_time) AS avg_ms ' +
      'FROM tool_metrics WHERE tool_metrics.timestamp >= $1 AND tool_metrics.timestamp < $2 GROUP BY tool_metrics.tool_id',
    params: [
      hoursBeforeLatest('tool_metrics', 'timestamp', 1),
      hoursBeforeLatest('tool_metrics', 'timestamp', 0),
    ],
    tables: ['tool_metrics'],
    phases: ['metrics'],
  },
];

const sessions: HotQuery[] = [
  {
    name: 'session_messages',
    description: 'messages of an MCP session in order (database session backend, each poll)',
    source: 'mcpgateway/cache/session_registry.py:SessionRegistry (database backend message poll)',
    sql:
      'SELECT mcp_messages.id, mcp_messages.message FROM mcp_messages WHERE mcp_messages.session_id = $1 ' +
      'ORDER BY mcp_messages.created_at',
    params: [firstOf('mcp_messages', 'session_id')],
    tables: ['mcp_messages'],
    phases: ['sessions'],
  },
  {
    name: 'sessions_expired',
    description: 'session cleanup: sessions idle past the TTL',
    source: 'mcpgateway/cache/session_registry.py:SessionRegistry (database backend cleanup)',
    sql: 'SELECT mcp_sessions.session_id FROM mcp_sessions WHERE mcp_sessions.last_accessed < $1',
    params: [hoursBeforeLatest('mcp_sessions', 'last_accessed', 24 * 29)],
    tables: ['mcp_sessions'],
    phases: ['sessions'],
  },
];

const associations: HotQuery[] = [
  {
    name: 'servers_of_tool',
    description: "a tool's servers (lazy load of Tool.servers when a tool is deleted or shown)",
    source: 'mcpgateway/db.py:Tool.servers (secondary server_tool_association)',
    sql:
      'SELECT servers.id, servers.name FROM servers, server_tool_association WHERE $1 = ' +
      'server_tool_association.tool_id AND servers.id = server_tool_association.server_id',
    params: [firstOf('server_tool_association', 'tool_id', 'tool_id')],
    tables: ['server_tool_association', 'servers'],
    phases: ['associations'],
  },
  {
    name: 'server_tools',
    description: 'the enabled tools of a virtual server (tools/list on a server endpoint)',
    source: 'mcpgateway/services/tool_service.py:ToolService.list_server_tools',
    sql:
      'SELECT tools.id, tools.name, gateways_1.slug, email_teams_1.name AS team FROM tools JOIN ' +
      'server_tool_association ON tools.id = server_tool_association.tool_id LEFT OUTER JOIN gateways AS ' +
      'gateways_1 ON gateways_1.id = tools.gateway_id LEFT OUTER JOIN email_teams AS email_teams_1 ON ' +
      'email_teams_1.id = tools.team_id WHERE server_tool_association.server_id = $1 AND tools.enabled{=true}',
    params: [
      sample(
        'SELECT server_id FROM server_tool_association GROUP BY server_id ORDER BY count(*), server_id LIMIT 1',
        NO_ID,
      ),
    ],
    tables: ['tools', 'server_tool_association'],
    phases: [],
  },
  {
    name: 'resource_subscribers',
    description: 'subscribers to notify when a resource changes',
    source: 'mcpgateway/services/resource_service.py:ResourceService (subscription notify)',
    sql:
      'SELECT resource_subscriptions.subscriber_id FROM resource_subscriptions WHERE ' +
      'resource_subscriptions.resource_id = $1',
    params: [firstOf('resource_subscriptions', 'resource_id')],
    tables: ['resource_subscriptions'],
    phases: ['misc'],
  },
];

/** The deep keyset page: the OR-form cursor that no index bounds (verify names the rewrite). */
const deepCursor: HotQuery = {
  name: 'tools_keyset_deep_page',
  description: 'tools listing at a deep keyset page (cursor half-way through the table)',
  source:
    'mcpgateway/services/tool_service.py:ToolService.list_tools via utils/pagination.py:unified_paginate',
  sql:
    `${TOOLS_LISTING_SELECT} WHERE tools.enabled{=true} AND ` +
    '(tools.created_at < $1 OR tools.created_at = $2 AND tools.id < $3) ORDER BY tools.created_at DESC, ' +
    'tools.id DESC LIMIT $4',
  params: [
    rowAt('tools', 'created_at', 'created_at DESC, id DESC', 0.5, NO_TIME),
    rowAt('tools', 'created_at', 'created_at DESC, id DESC', 0.5, NO_TIME),
    rowAt('tools', 'id', 'created_at DESC, id DESC', 0.5, NO_ID),
    51,
  ],
  tables: ['tools'],
  phases: ['core'],
  shapeLimit: {
    why:
      'the OR-form cursor (created_at < :c OR created_at = :c AND id < :i) is no index bound: the scan starts ' +
      'at the newest row and filters out every row before the cursor, so its cost grows with the page depth',
    rewrite: 'WHERE enabled AND (created_at, id) < (:c, :i) ORDER BY created_at DESC, id DESC LIMIT n',
  },
};

/**
 * Hot paths of tables only the current schema has (a pre-epic database reports them as not in its
 * schema). Upstream's own keys serve them: the unique (entity, hour) of each hourly rollup, the unique
 * (agent, task) of A2A tasks, the unique token hash of password resets, the primary key and
 * idx_mcp_app_sessions_expires_at of AppBridge sessions; so they need no phase.
 */
const currentSchemaOnly: HotQuery[] = [
  {
    name: 'tool_metrics_hourly_window',
    description: 'hourly rollups of one tool over the last day (metrics views read rollups, not raw rows)',
    source:
      'mcpgateway/services/metrics_query_service.py (rollup window of one tool; db.py:ToolMetricsHourly)',
    sql:
      'SELECT tool_metrics_hourly.hour_start, tool_metrics_hourly.total_count, tool_metrics_hourly.avg_response_time ' +
      'FROM tool_metrics_hourly WHERE tool_metrics_hourly.tool_id = $1 AND tool_metrics_hourly.hour_start >= $2 ' +
      'ORDER BY tool_metrics_hourly.hour_start',
    params: [
      firstOf('tool_metrics_hourly', 'tool_id'),
      hoursBeforeLatest('tool_metrics_hourly', 'hour_start', 24),
    ],
    tables: ['tool_metrics_hourly'],
    phases: [],
  },
  {
    name: 'a2a_task_by_id',
    description: 'A2A task state of one agent task (tasks/get, push notifications)',
    source: 'mcpgateway/services/a2a_service.py (task lookup; db.py:A2ATask unique agent, task)',
    sql:
      'SELECT a2a_tasks.id, a2a_tasks.state, a2a_tasks.latest_message FROM a2a_tasks WHERE ' +
      'a2a_tasks.a2a_agent_id = $1 AND a2a_tasks.task_id = $2',
    params: [firstOf('a2a_tasks', 'a2a_agent_id'), firstOf('a2a_tasks', 'task_id')],
    tables: ['a2a_tasks'],
    phases: [],
  },
  {
    name: 'mcp_app_session_valid',
    description: 'every AppBridge tools/call: the same-user, same-session app session, unexpired',
    source: 'mcpgateway/services/mcp_apps.py:MCPAppSessionService.get_valid_session',
    sql:
      'SELECT mcp_app_sessions.id, mcp_app_sessions.resource_uri, mcp_app_sessions.token_teams FROM ' +
      'mcp_app_sessions WHERE mcp_app_sessions.id = $1 AND mcp_app_sessions.mcp_session_id = $2 AND ' +
      'mcp_app_sessions.expires_at > $3 AND mcp_app_sessions.server_id = $4 AND mcp_app_sessions.user_email = $5',
    params: [
      firstOf('mcp_app_sessions', 'id'),
      firstOf('mcp_app_sessions', 'mcp_session_id', 'id'),
      formatTimestamp(new Date()),
      firstOf('mcp_app_sessions', 'server_id', 'id'),
      firstOf('mcp_app_sessions', 'user_email', 'id'),
    ],
    tables: ['mcp_app_sessions'],
    phases: [],
  },
  {
    name: 'mcp_app_sessions_expired',
    description: 'AppBridge session cleanup: a batch of expired sessions to delete',
    source: 'mcpgateway/services/mcp_apps.py:MCPAppSessionService.cleanup_expired_sessions',
    sql: 'SELECT mcp_app_sessions.id FROM mcp_app_sessions WHERE mcp_app_sessions.expires_at <= $1 LIMIT $2',
    params: [formatTimestamp(new Date()), 1000],
    tables: ['mcp_app_sessions'],
    phases: [],
  },
  {
    name: 'password_reset_by_hash',
    description: 'password reset: the token with this hash',
    source: 'mcpgateway/services/email_auth_service.py (password reset; db.py:PasswordResetToken)',
    sql:
      'SELECT password_reset_tokens.id, password_reset_tokens.user_email, password_reset_tokens.expires_at, ' +
      'password_reset_tokens.used_at FROM password_reset_tokens WHERE password_reset_tokens.token_hash = $1',
    params: [firstOf('password_reset_tokens', 'token_hash')],
    tables: ['password_reset_tokens'],
    phases: [],
  },
];

export const hotQueries: readonly HotQuery[] = [
  ...auth,
  ...rbac,
  ...teams,
  ...listingQueries,
  deepCursor,
  ...tokens,
  ...observability,
  ...metrics,
  ...sessions,
  ...associations,
  ...currentSchemaOnly,
];

/**
 * Queries that scan a large table before the plan and use one of its indexes after, on the seeded
 * pre-epic schema. The others already had an index before (a primary key or a unique constraint that
 * leads with the filter column) and get a better one, or need none.
 */
export const FIXED_BY_PLAN: ReadonlySet<string> = new Set([
  'rbac_user_roles_in_team',
  'team_invitations_of_team',
  'team_invitations_for_email',
  'tools_listing',
  'resources_listing',
  'prompts_listing',
  'servers_listing',
  'gateways_listing',
  'a2a_agents_listing',
  'tools_listing_for_user',
  'resource_by_uri',
  'prompt_by_name',
  'gateway_by_url',
  'tool_metrics_last_24h',
  'server_metrics_last_24h',
  'tool_latest_metric',
  'tool_metrics_rollup_hour',
  'session_messages',
  'servers_of_tool',
  'resource_subscribers',
]);
