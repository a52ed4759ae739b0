/**
 * Seed scales: the number of tools (the main entity); every other table is sized from it so the data
 * looks like one deployment (users, teams, members, entities per team, metrics many times the entities).
 */
import { UsageError } from '../errors.js';
import { REVOKED_EVERY } from './team-rules.js';

export const SCALES = { small: 5_000, '10k': 10_000, '100k': 100_000, '1m': 1_000_000 } as const;
export type ScaleName = keyof typeof SCALES;

export function parseScale(text: string): ScaleName {
  if (Object.hasOwn(SCALES, text)) return text as ScaleName;
  throw new UsageError(`unknown scale '${text}'; use one of ${Object.keys(SCALES).join(', ')}`, {
    reason: 'bad_input',
  });
}

/** Row counts per table for a number of tools `n`; tables not listed get a handful of rows. */
export function tableSizes(n: number): Readonly<Record<string, number>> {
  const at = (x: number, min: number): number => Math.max(min, Math.round(x));
  const users = at(n / 5, 100);
  const tokens = users * 2;
  return {
    email_users: users,
    // One personal team per user, then the shared teams (team-layout.ts).
    email_teams: users + at(n / 50, 10),
    email_team_members: 0, // sized by the team layout: personal owners, then each shared team's block
    email_team_invitations: at(n / 5, 50),
    email_team_join_requests: at(n / 5, 20),
    email_team_member_history: 0, // one row per member
    pending_user_approvals: at(n / 100, 10),
    roles: 20,
    user_roles: at(users * 1.5, 150),
    permission_audit_log: n,
    email_auth_events: at(n / 2, 100),
    gateways: at(n / 5, 20),
    tools: n,
    resources: at(n / 2, 50),
    prompts: at(n / 4, 50),
    servers: at(n / 5, 10),
    a2a_agents: at(n / 5, 10),
    grpc_services: at(n / 100, 10),
    server_tool_association: n,
    server_resource_association: at(n / 2, 50),
    server_prompt_association: at(n / 4, 50),
    server_a2a_association: at(n / 20, 10),
    tool_metrics: n * 5,
    resource_metrics: n,
    prompt_metrics: at(n / 2, 100),
    server_metrics: n,
    a2a_agent_metrics: at(n / 5, 100),
    email_api_tokens: tokens,
    token_usage_logs: n * 2,
    token_revocations: at(tokens / REVOKED_EVERY, 10),
    oauth_tokens: at(n / 10, 20),
    oauth_states: at(n / 50, 20),
    registered_oauth_clients: at(n / 10, 20),
    mcp_sessions: at(n / 10, 20),
    mcp_messages: at(n / 2, 100),
    sso_providers: 3,
    sso_auth_sessions: at(n / 20, 20),
    resource_subscriptions: at(n / 5, 50),
    audit_trails: at(n / 5, 50),
    structured_log_entries: at(n / 5, 50),
    security_events: at(n / 50, 20),
    observability_traces: at(n / 10, 20),
    observability_spans: at(n / 5, 50),
    observability_events: at(n / 10, 20),
    observability_metrics: at(n / 10, 20),
    observability_saved_queries: 50,
    llm_providers: 5,
    llm_models: 25,
    global_config: 1,
  };
}

/** Rows a table gets when tableSizes does not list it. */
export const DEFAULT_TABLE_ROWS = 20;
