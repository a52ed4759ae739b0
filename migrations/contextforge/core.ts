/**
 * Phase 1 `core`: foreign keys and hot filters of the six catalogue entities (tools, resources,
 * prompts, servers, gateways, a2a agents). Their team_id foreign keys already lead the
 * uq_team_owner_* unique constraints; tools.gateway_id leads uq_gateway_id__original_name.
 */
import { definePhase, type IndexSpec } from '../../src/catalogue/define-phase.js';
import { isNotNull, ix } from './define.js';

/** The listing indexes every entity table gets: the access filter of the application's list views. */
function listingIndexes(table: string, noun: string): IndexSpec[] {
  return [
    ix(
      table,
      ['team_id', 'visibility', 'enabled', 'created_at'],
      `${noun} of one team by visibility: team_id = :t AND visibility = :v AND enabled, ORDER BY created_at`,
    ),
    ix(
      table,
      ['visibility', 'enabled', 'created_at'],
      `public ${noun} catalogue: visibility = 'public' AND enabled, ORDER BY created_at`,
    ),
    ix(
      table,
      ['team_id', 'enabled', 'created_at DESC'],
      `${noun} of my teams: team_id IN (:teams) AND enabled, ORDER BY created_at DESC with keyset pages`,
      {
        overlaps: {
          with: [`idx_${table}_team_id`],
          why: 'adds enabled and the newest-first order the listing pages by',
        },
      },
    ),
    ix(
      table,
      ['owner_email', 'created_at DESC'],
      `private ${noun} of the caller: owner_email = :me, newest first`,
    ),
    ix(
      table,
      ['enabled', 'created_at DESC', 'id DESC'],
      `listing of enabled ${noun}, newest first: WHERE enabled ORDER BY created_at DESC, id DESC LIMIT n ` +
        '(enabled a key column, not a predicate, so the bare, = true and IS true forms are all served)',
      { name: `idx_${table}_enabled_created_at_id` },
    ),
    ix(
      table,
      ['import_batch_id'],
      `bulk import report and undo: import_batch_id = :batch (partial: imported ${noun} only)`,
      { where: [isNotNull('import_batch_id')] },
    ),
  ];
}

export const core = definePhase(
  'core',
  'foreign keys and hot filters of tools, resources, prompts, servers, gateways, a2a agents',
  [
    ...listingIndexes('tools', 'tools'),
    ix('tools', ['name'], 'tools/call resolves the tool by its name: WHERE name = :name'),
    ix(
      'tools',
      ['gateway_id', 'enabled'],
      'gateway enable/disable and refresh update its tools: gateway_id = :g AND enabled = :e',
      {
        overlaps: {
          with: ['idx_tools_gateway_id'],
          why: 'adds enabled, also the FK index for gateway delete',
        },
      },
    ),
    ...listingIndexes('resources', 'resources'),
    ix(
      'resources',
      ['gateway_id'],
      'FK resources.gateway_id → gateways: gateway delete and its resource list',
    ),
    ix('resources', ['uri'], 'resources/read resolves a resource by URI: WHERE uri = :uri'),
    ...listingIndexes('prompts', 'prompts'),
    ix('prompts', ['gateway_id'], 'FK prompts.gateway_id → gateways: gateway delete and its prompt list'),
    ix('prompts', ['name'], 'prompts/get resolves a prompt by name: WHERE name = :name'),
    ...listingIndexes('servers', 'virtual servers'),
    ...listingIndexes('gateways', 'gateways'),
    ix('gateways', ['slug'], 'gateway lookup by slug (federation, tool name prefixes): WHERE slug = :slug'),
    ix('gateways', ['url'], 'registration refuses a URL registered twice: WHERE url = :url'),
    ix(
      'gateways',
      ['enabled', 'reachable', 'last_seen'],
      'gateway health listing: enabled gateways by reachability, stalest last_seen first',
      { name: 'idx_gateways_enabled_reachable_last_seen' },
    ),
    ...listingIndexes('a2a_agents', 'A2A agents'),
    ix('a2a_agents', ['name'], 'A2A invocation resolves the agent by name: WHERE name = :name'),
  ],
);
