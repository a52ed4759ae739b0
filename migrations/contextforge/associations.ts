/**
 * Phase 7 `associations`: the server↔entity many-to-many tables. The primary key (server_id, x_id)
 * serves "entities of a server"; the reverse (x_id, server_id) serves "servers of an entity" index-only
 * and the foreign-key check when an entity is deleted.
 */
import { definePhase } from '../../src/catalogue/define-phase.js';
import { ix } from './define.js';

export const associations = definePhase(
  'associations',
  'server↔tool/resource/prompt/a2a association tables (both directions)',
  [
    ix(
      'server_tool_association',
      ['tool_id', 'server_id'],
      'servers of a tool, index-only, and tool delete; FK tool_id (the PK serves server_id first)',
      {
        serves: ['servers_of_tool', 'fk:server_tool_association.tool_id'],
        overlaps: {
          with: ['idx_server_tool_association_tool_id'],
          why: 'adds server_id, so the reverse lookup is index-only',
        },
      },
    ),
    ix(
      'server_resource_association',
      ['resource_id', 'server_id'],
      'servers of a resource, index-only, and resource delete; FK resource_id (the PK serves server_id first)',
      {
        serves: ['fk:server_resource_association.resource_id'],
        overlaps: {
          with: ['idx_server_resource_association_resource_id'],
          why: 'adds server_id, so the reverse lookup is index-only',
        },
      },
    ),
    ix(
      'server_prompt_association',
      ['prompt_id', 'server_id'],
      'servers of a prompt, index-only, and prompt delete; FK prompt_id (the PK serves server_id first)',
      {
        serves: ['fk:server_prompt_association.prompt_id'],
        overlaps: {
          with: ['idx_server_prompt_association_prompt_id'],
          why: 'adds server_id, so the reverse lookup is index-only',
        },
      },
    ),
    ix(
      'server_a2a_association',
      ['a2a_agent_id', 'server_id'],
      'servers of an A2A agent, index-only, and agent delete; FK a2a_agent_id (the PK serves server_id first)',
      {
        serves: ['fk:server_a2a_association.a2a_agent_id'],
        overlaps: {
          with: ['idx_server_a2a_association_a2a_agent_id'],
          why: 'adds server_id, so the reverse lookup is index-only',
        },
      },
    ),
  ],
);
