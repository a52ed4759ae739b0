/**
 * The entity listings and lookups of ContextForge's catalogue pages and MCP methods (tools, resources,
 * prompts, virtual servers, gateways, A2A agents), as SQLAlchemy emits them: eager-loaded gateway and
 * team (`joinedload` → LEFT OUTER JOIN), the bare boolean filter `.where(Tool.enabled)`, newest first by
 * (created_at, id), a page of `per_page + 1` rows. Part of hot-queries.ts.
 */
import type { HotQuery } from '../../src/catalogue/catalogue.js';
import { sample } from '../../src/catalogue/contextforge/sample-param.js';

const NO_ID = '00000000-0000-0000-0000-000000000000';
const PAGE = 51;

/** The owner of the most rows of `table`, and two teams they could belong to. */
const ownerOf = (table: string): ReturnType<typeof sample> =>
  sample(
    `SELECT owner_email FROM ${table} WHERE owner_email IS NOT NULL GROUP BY owner_email ORDER BY count(*) DESC, owner_email LIMIT 1`,
    'nobody@example.com',
  );
const teamWithMost = (table: string, rank = 0): ReturnType<typeof sample> =>
  sample(
    `SELECT team_id FROM ${table} WHERE team_id IS NOT NULL GROUP BY team_id ORDER BY count(*) DESC, team_id LIMIT 1 OFFSET ${rank}`,
    NO_ID,
  );

interface Listed {
  readonly table: string;
  readonly noun: string;
  readonly source: string;
  /** The many-to-one relations the listing eager-loads (joinedload): [alias, table, column of ours]. */
  readonly joins: readonly (readonly [string, string, string])[];
  /** A filter the listing always applies before the enabled one, ending in `AND `. */
  readonly where?: string;
}

const LISTED: readonly Listed[] = [
  {
    table: 'tools',
    noun: 'tools',
    source: 'mcpgateway/services/tool_service.py:ToolService.list_tools',
    joins: [
      ['gateways_1', 'gateways', 'gateway_id'],
      ['email_teams_1', 'email_teams', 'team_id'],
    ],
  },
  {
    table: 'resources',
    noun: 'resources',
    source: 'mcpgateway/services/resource_service.py:ResourceService.list_resources',
    joins: [],
    // Templates are listed apart: select(DbResource).where(DbResource.uri_template.is_(None)).
    where: 'resources.uri_template IS NULL AND ',
  },
  {
    table: 'prompts',
    noun: 'prompts',
    source: 'mcpgateway/services/prompt_service.py:PromptService.list_prompts',
    joins: [['gateways_1', 'gateways', 'gateway_id']],
  },
  {
    table: 'servers',
    noun: 'virtual servers',
    source: 'mcpgateway/services/server_service.py:ServerService.list_servers',
    // tools, resources, prompts and agents come by selectinload, one query each after the page.
    joins: [['email_teams_1', 'email_teams', 'team_id']],
  },
  {
    table: 'gateways',
    noun: 'gateways',
    source: 'mcpgateway/services/gateway_service.py:GatewayService.list_gateways',
    joins: [['email_teams_1', 'email_teams', 'team_id']],
  },
  {
    table: 'a2a_agents',
    noun: 'A2A agents',
    source: 'mcpgateway/services/a2a_service.py:A2AAgentService.list_agents',
    joins: [],
  },
];

/**
 * The columns SQLAlchemy selects for `select(DbTool)` with joinedload: every column of the entity and of
 * each eager-loaded relation (so no plan here can be index-only where the application's is not).
 */
function selectList(l: Listed): string {
  return [l.table, ...l.joins.map(([alias]) => alias)].map((a) => `${a}.*`).join(', ');
}

function fromClause(l: Listed): string {
  const joins = l.joins.map(
    ([alias, table, col]) => `LEFT OUTER JOIN ${table} AS ${alias} ON ${alias}.id = ${l.table}.${col}`,
  );
  return [`FROM ${l.table}`, ...joins].join(' ');
}

/** First page of enabled rows, newest first (admin view; anonymous catalogue). */
function firstPage(l: Listed): HotQuery {
  const t = l.table;
  return {
    name: `${t}_listing`,
    description: `${l.noun}, enabled, newest first (first page)`,
    source: l.source,
    sql:
      `SELECT ${selectList(l)} ${fromClause(l)} WHERE ${l.where ?? ''}${t}.enabled{=true} ` +
      `ORDER BY ${t}.created_at DESC, ${t}.id DESC LIMIT $1`,
    params: [PAGE],
    tables: [t],
    phases: ['core'],
  };
}

/** A public-only token (token_teams = []): the access control narrows to visibility = 'public'. */
function publicPage(l: Listed): HotQuery {
  const t = l.table;
  return {
    name: `${t}_listing_public`,
    description: `${l.noun} a public-only token sees, enabled, newest first (first page)`,
    source: `${l.source} (token_teams = [], _apply_access_control: public only)`,
    sql:
      `SELECT ${selectList(l)} ${fromClause(l)} WHERE ${l.where ?? ''}${t}.enabled{=true} AND ` +
      `${t}.visibility = $1 ORDER BY ${t}.created_at DESC, ${t}.id DESC LIMIT $2`,
    params: ['public', PAGE],
    tables: [t],
    phases: ['core'],
  };
}

/**
 * One team's view: team-visible or owned by the caller. The team is the third largest owner of rows (a
 * department, ~3% of the table: hundreds of rows at 5k tools, thousands at 100k), not the org-wide team:
 * its page is a tenth of the table, which a newest-first walk of the whole listing serves as well, and
 * MariaDB takes idx_<table>_enabled_created_at_id for it (measured at 5k tools for the two largest).
 */
function teamPage(l: Listed): HotQuery {
  const t = l.table;
  return {
    name: `${t}_listing_of_team`,
    description: `one team's ${l.noun}: team-visible or owned by the caller (a department-sized team, first page)`,
    source: `${l.source} (team_id)`,
    sql:
      `SELECT ${selectList(l)} ${fromClause(l)} WHERE ${l.where ?? ''}${t}.enabled{=true} AND ` +
      `(${t}.team_id = $1 AND ${t}.visibility IN ($2, $3) OR ${t}.team_id = $4 AND ${t}.owner_email = $5) ` +
      `ORDER BY ${t}.created_at DESC, ${t}.id DESC LIMIT $6`,
    params: [teamWithMost(t, 2), 'team', 'public', teamWithMost(t, 2), ownerOf(t), PAGE],
    tables: [t],
    phases: ['core'],
  };
}

const tools = LISTED[0] as Listed;

/** `SELECT … FROM …` of the tools listing (its columns and eager-loaded joins), for its other pages. */
export const TOOLS_LISTING_SELECT = `SELECT ${selectList(tools)} ${fromClause(tools)}`;

/** What a signed-in user sees: public, their own, and their teams' team/public rows. */
const toolsOfUser: HotQuery = {
  name: 'tools_listing_for_user',
  description: 'tools a user may see: public, owned, or team-visible in their teams (first page)',
  source: 'mcpgateway/services/tool_service.py:ToolService.list_tools (user_email, no team_id)',
  sql:
    `SELECT ${selectList(tools)} ${fromClause(tools)} WHERE tools.enabled{=true} AND ` +
    '(tools.visibility = $1 OR tools.owner_email = $2 OR tools.team_id IN ($3, $4) AND tools.visibility IN ($5, $6)) ' +
    'ORDER BY tools.created_at DESC, tools.id DESC LIMIT $7',
  params: [
    'public',
    ownerOf('tools'),
    teamWithMost('tools'),
    teamWithMost('tools', 1),
    'team',
    'public',
    PAGE,
  ],
  tables: ['tools'],
  phases: ['core'],
};

function lookup(name: string, description: string, source: string, table: string, column: string): HotQuery {
  return {
    name,
    description,
    source,
    sql: `SELECT ${table}.* FROM ${table} WHERE ${table}.${column} = $1`,
    params: [sample(`SELECT ${column} FROM ${table} ORDER BY id LIMIT 1`, NO_ID)],
    tables: [table],
    phases: ['core'],
  };
}

export const listingQueries: readonly HotQuery[] = [
  ...LISTED.map(firstPage),
  ...LISTED.map(publicPage),
  ...LISTED.map(teamPage),
  toolsOfUser,
  lookup(
    'tool_by_name',
    'tools/call resolves the tool by its name',
    'mcpgateway/services/tool_service.py:ToolService.invoke_tool',
    'tools',
    'name',
  ),
  lookup(
    'resource_by_uri',
    'resources/read resolves the resource by its URI',
    'mcpgateway/services/resource_service.py:ResourceService.read_resource',
    'resources',
    'uri',
  ),
  lookup(
    'prompt_by_name',
    'prompts/get resolves the prompt by its name',
    'mcpgateway/services/prompt_service.py:PromptService.get_prompt',
    'prompts',
    'name',
  ),
  lookup(
    'gateway_by_url',
    'registration refuses a gateway URL registered twice',
    'mcpgateway/services/gateway_service.py:GatewayService.register_gateway',
    'gateways',
    'url',
  ),
  lookup(
    'a2a_agent_by_name',
    'A2A invocation and the agent page resolve the agent by its name',
    'mcpgateway/services/a2a_service.py:A2AAgentService.get_agent_by_name',
    'a2a_agents',
    'name',
  ),
];
