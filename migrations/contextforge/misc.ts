/**
 * Phase 8 `misc`: resource subscriptions and gRPC services.
 *
 * Added: (user_email, start_time) of observability traces for the admin trace list by user
 * (query_traces); unfiltered, the application's start_time index serves that list.
 *
 * Left out, no per-request or listing read path by them found in upstream's services: the audit trail,
 * the other observability indexes (traces by status or name, spans, events, metrics, saved queries), security event, structured log, LLM
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
    'observability_traces',
    ['user_email', 'start_time'],
    "admin observability: a user's traces newest first, within a time range",
    {
      serves: ['traces_of_user'],
      overlaps: {
        with: ['ix_observability_traces_user_email', 'idx_observability_traces_user_email'],
        why: "adds start_time, so a user's newest traces are read in order instead of all sorted",
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
