/**
 * Phase 4 `metrics`: the per-entity metrics tables, the largest tables of a deployment. Each gets
 * (entity id, timestamp) for per-entity aggregation and "latest metric" (upstream's names and shapes,
 * without INCLUDE, so a database that ran upstream's migration is recognised).
 */
import { definePhase, type IndexSpec } from '../../src/catalogue/define-phase.js';
import { ix, type IndexExtras } from './define.js';

function metricsIndexes(
  table: string,
  entityColumn: string,
  entity: string,
  overlaps?: IndexExtras['overlaps'],
): IndexSpec[] {
  return [
    ix(
      table,
      [entityColumn, 'timestamp'],
      `${entity} stats over a time range and latest metric per ${entity}; leads with FK ${table}.${entityColumn}`,
      overlaps ? { overlaps } : {},
    ),
    ix(table, ['timestamp'], `aggregation of all ${entity}s over the last 24 hours and retention cleanup`),
  ];
}

export const metrics = definePhase(
  'metrics',
  'the per-entity metrics tables (entity id + timestamp, aggregation)',
  [
    ...metricsIndexes('tool_metrics', 'tool_id', 'tool'),
    ...metricsIndexes('resource_metrics', 'resource_id', 'resource'),
    ...metricsIndexes('prompt_metrics', 'prompt_id', 'prompt'),
    ...metricsIndexes('server_metrics', 'server_id', 'server'),
    ...metricsIndexes('a2a_agent_metrics', 'a2a_agent_id', 'agent', {
      with: ['ix_a2a_agent_metrics_a2a_agent_id'],
      why: 'adds timestamp for time ranges and the latest metric, like the other metrics tables',
    }),
    ix('a2a_agent_metrics', ['interaction_type', 'timestamp'], 'agent interactions by type over time'),
  ],
);
