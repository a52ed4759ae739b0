/**
 * Phase 4 `metrics`: the per-entity metrics tables, the largest tables of a deployment. Each gets
 * (entity id, timestamp) for per-entity windows and "latest metric", and (timestamp) for the hourly
 * rollup's scans by time (upstream's names and shapes, without INCLUDE, so a database that ran
 * upstream's migration is recognised). The (interaction_type, timestamp) index of A2A metrics is left
 * out: no read path by interaction type was found in upstream's services.
 */
import { definePhase, type IndexSpec } from '../../src/catalogue/define-phase.js';
import { ix, type IndexExtras } from './define.js';

function metricsIndexes(
  table: string,
  entityColumn: string,
  entity: string,
  queries: readonly string[],
  overlaps?: IndexExtras['overlaps'],
): IndexSpec[] {
  return [
    ix(
      table,
      [entityColumn, 'timestamp'],
      `${entity} stats over a time range and latest metric per ${entity}; leads with FK ${table}.${entityColumn}`,
      {
        serves: [...queries, `fk:${table}.${entityColumn}`],
        ...(overlaps ? { overlaps } : {}),
      },
    ),
    ix(table, ['timestamp'], `hourly rollup of all ${entity}s: the earliest raw metric and one hour's rows`, {
      serves: [`${table}_earliest`],
    }),
  ];
}

export const metrics = definePhase(
  'metrics',
  'the per-entity metrics tables (entity id + timestamp, aggregation)',
  [
    ...metricsIndexes('tool_metrics', 'tool_id', 'tool', ['tool_metrics_last_24h', 'tool_latest_metric']),
    ...metricsIndexes('resource_metrics', 'resource_id', 'resource', []),
    ...metricsIndexes('prompt_metrics', 'prompt_id', 'prompt', []),
    ...metricsIndexes('server_metrics', 'server_id', 'server', ['server_metrics_last_24h']),
    ...metricsIndexes('a2a_agent_metrics', 'a2a_agent_id', 'agent', [], {
      with: ['ix_a2a_agent_metrics_a2a_agent_id'],
      why: 'adds timestamp for time ranges and the latest metric, like the other metrics tables',
    }),
  ],
);
