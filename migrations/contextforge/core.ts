/**
 * Phase 1 `core`: the listings and lookups of the six catalogue entities (tools, resources, prompts,
 * servers, gateways, a2a agents). Their team_id foreign keys already lead the uq_team_owner_*
 * unique constraints and tools.gateway_id leads uq_gateway_id__original_name, so no index here exists
 * for those keys alone; resources.gateway_id and prompts.gateway_id have no index in the application.
 *
 * Left out: upstream's epic indexes idx_<entity>_visibility_active_created (a public-only token's
 * listing, visibility = 'public' AND enabled newest first, reads idx_<entity>_enabled_created_at_id
 * instead on both dialects: most rows are public, and that index gives the order) and
 * idx_<entity>_team_visibility_active_created (the team view filters team_id with an OR over
 * visibility and owner_email, which (team_id, enabled, created_at DESC) serves); and, no read path
 * filtering or ordering by them found in upstream's services,
 * idx_tools_gateway_id_enabled (uq_gateway_id__original_name already leads with gateway_id) and our
 * own owner_email/created_at, import_batch_id, gateways.slug and gateway reachability indexes. And, as
 * measured, INCLUDE (name) on idx_tools_enabled_created_at_id: it turns tools_keyset_deep_page into an
 * index-only walk (once vacuumed), but the application selects the whole row (README "verify").
 */
import { definePhase, type IndexSpec } from '../../src/catalogue/define-phase.js';
import { ix } from './define.js';

/** The listing indexes every entity table gets: the access filters of the application's list views. */
function listingIndexes(table: string, noun: string): IndexSpec[] {
  return [
    ix(
      table,
      ['team_id', 'enabled', 'created_at DESC'],
      `${noun} of one team: team_id = :t AND enabled, ORDER BY created_at DESC with keyset pages`,
      {
        serves: [`${table}_listing_of_team`],
        overlaps: {
          with: [`idx_${table}_team_id`],
          why: 'adds enabled and the newest-first order the listing pages by',
        },
      },
    ),
    ix(
      table,
      ['enabled', 'created_at DESC', 'id DESC'],
      `listing of enabled ${noun}, newest first: WHERE enabled ORDER BY created_at DESC, id DESC LIMIT n ` +
        '(enabled a key column, not a predicate, so the bare, = true and IS true forms are all served)',
      {
        name: `idx_${table}_enabled_created_at_id`,
        serves: [`${table}_listing`, `${table}_listing_public`],
      },
    ),
  ];
}

export const core = definePhase(
  'core',
  'foreign keys and hot filters of tools, resources, prompts, servers, gateways, a2a agents',
  [
    ...listingIndexes('tools', 'tools'),
    ix('tools', ['name'], 'tools/call resolves the tool by its name: WHERE name = :name', {
      serves: ['tool_by_name'],
    }),
    ...listingIndexes('resources', 'resources'),
    ix(
      'resources',
      ['gateway_id'],
      'FK resources.gateway_id → gateways: gateway delete and its resource list',
      { serves: ['fk:resources.gateway_id'] },
    ),
    ix('resources', ['uri'], 'resources/read resolves a resource by URI: WHERE uri = :uri', {
      serves: ['resource_by_uri'],
    }),
    ...listingIndexes('prompts', 'prompts'),
    ix('prompts', ['gateway_id'], 'FK prompts.gateway_id → gateways: gateway delete and its prompt list', {
      serves: ['fk:prompts.gateway_id'],
    }),
    ix('prompts', ['name'], 'prompts/get resolves a prompt by name: WHERE name = :name', {
      serves: ['prompt_by_name'],
    }),
    ...listingIndexes('servers', 'virtual servers'),
    ...listingIndexes('gateways', 'gateways'),
    ix('gateways', ['url'], 'registration refuses a URL registered twice: WHERE url = :url', {
      serves: ['gateway_by_url'],
    }),
    ...listingIndexes('a2a_agents', 'A2A agents'),
    ix('a2a_agents', ['name'], 'A2A invocation resolves the agent by name: WHERE name = :name', {
      serves: ['a2a_agent_by_name'],
    }),
  ],
);
