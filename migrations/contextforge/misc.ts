/**
 * Phase 8 `misc`: resource subscriptions and gRPC services.
 *
 * Left out, no per-request or listing read path by them found in upstream's services: the audit trail,
 * observability (traces, spans, events, metrics, saved queries), security event, structured log, LLM
 * model, tool test case and gRPC listing/reflection indexes, and the subscriptions' subscriber index.
 * The application's own single-column indexes on those tables stay as they are.
 */
import { definePhase } from '../../src/catalogue/define-phase.js';
import { ix } from './define.js';

export const misc = definePhase('misc', 'resource subscriptions, gRPC services, the rest', [
  ix(
    'resource_subscriptions',
    ['resource_id', 'subscriber_id'],
    'subscribers to notify when a resource changes; leads with FK resource_subscriptions.resource_id',
    {
      serves: ['resource_subscribers', 'fk:resource_subscriptions.resource_id'],
      overlaps: {
        with: ['idx_resource_subscriptions_resource_id'],
        why: 'adds subscriber_id, so notify reads the index only',
      },
    },
  ),
  ix(
    'grpc_services',
    ['team_id'],
    'FK grpc_services.team_id → email_teams (ON DELETE SET NULL): team delete',
    { serves: ['fk:grpc_services.team_id'] },
  ),
]);
