/**
 * Phase 8 `misc`: resource subscriptions, gRPC services, and the rest: audit trails, observability,
 * security events, structured logs, LLM models, tool test cases.
 */
import { definePhase } from '../../src/catalogue/define-phase.js';
import { isNotNull, ix } from './define.js';

/** Why a (column, time) index is kept next to the application's single-column index on that column. */
const TIME_ORDER =
  "adds the time order, so a page of the newest rows reads no sort; the application's single-column index becomes redundant";

export const misc = definePhase('misc', 'resource subscriptions, gRPC services, the rest', [
  ix(
    'resource_subscriptions',
    ['resource_id', 'subscriber_id'],
    'subscribers to notify when a resource changes; leads with FK resource_subscriptions.resource_id',
    {
      overlaps: {
        with: ['idx_resource_subscriptions_resource_id'],
        why: 'adds subscriber_id, so notify reads the index only',
      },
    },
  ),
  ix('resource_subscriptions', ['subscriber_id'], 'unsubscribe everything of a disconnected subscriber'),
  ix(
    'grpc_services',
    ['team_id'],
    'FK grpc_services.team_id → email_teams (ON DELETE SET NULL): team delete',
  ),
  ix(
    'grpc_services',
    ['visibility', 'enabled', 'created_at'],
    'gRPC service catalogue listing by visibility',
  ),
  ix(
    'grpc_services',
    ['enabled', 'last_reflection'],
    'reflection refresher picks the stalest enabled services',
    { name: 'idx_grpc_services_enabled_reflection' },
  ),
  ix('audit_trails', ['user_email', 'timestamp'], 'audit trail of one user by email ordered by time', {
    overlaps: { with: ['ix_audit_trails_user_email'], why: TIME_ORDER },
  }),
  ix('audit_trails', ['team_id', 'timestamp'], 'audit trail of one team ordered by time', {
    overlaps: { with: ['ix_audit_trails_team_id'], why: TIME_ORDER },
  }),
  ix('observability_traces', ['user_email', 'status', 'start_time'], 'traces of a user by status over time', {
    overlaps: {
      with: ['ix_observability_traces_user_email', 'idx_observability_traces_user_email'],
      why: 'adds status and start_time; upstream added the same index later',
    },
  }),
  ix(
    'observability_traces',
    ['status', 'http_method', 'start_time'],
    'error traces by HTTP method over time',
    {
      overlaps: {
        with: ['idx_observability_traces_status'],
        why: 'adds http_method and start_time; upstream added the same index later',
      },
    },
  ),
  ix('observability_traces', ['name', 'start_time'], 'traces of one operation name over time'),
  ix(
    'observability_spans',
    ['trace_id', 'resource_type', 'start_time'],
    'spans of a trace by resource type, in order',
    {
      overlaps: {
        with: ['ix_observability_spans_trace_id', 'idx_observability_spans_trace_id'],
        why: 'adds resource_type and start_time; upstream added the same index later',
      },
    },
  ),
  ix(
    'observability_spans',
    ['resource_type', 'status', 'start_time'],
    'span errors by resource type over time',
    {
      overlaps: {
        with: ['ix_observability_spans_resource_type', 'idx_observability_spans_resource_type'],
        why: 'adds status and start_time; upstream added the same index later',
      },
    },
  ),
  ix('observability_spans', ['resource_id', 'start_time'], 'spans of one tool/resource over time', {
    overlaps: { with: ['ix_observability_spans_resource_id'], why: TIME_ORDER },
  }),
  ix(
    'observability_events',
    ['exception_type', 'timestamp'],
    'exceptions grouped by type (partial: exceptions)',
    {
      name: 'idx_observability_events_exceptions',
      where: [isNotNull('exception_type')],
    },
  ),
  ix(
    'observability_metrics',
    ['resource_type', 'resource_id', 'timestamp'],
    'metrics of one resource over time',
    {
      overlaps: {
        with: ['ix_observability_metrics_resource_type', 'idx_observability_metrics_resource_type'],
        why: 'adds resource_id and timestamp; resource_type alone matches a large share of rows',
      },
    },
  ),
  ix('observability_saved_queries', ['is_shared', 'created_at'], 'shared saved queries listing', {
    name: 'idx_observability_saved_queries_shared',
    overlaps: {
      with: ['idx_observability_saved_queries_is_shared'],
      why: 'adds created_at, so the shared list reads in order; the boolean-only index becomes redundant',
    },
  }),
  ix('security_events', ['user_email', 'timestamp'], 'security events of a user by email over time', {
    overlaps: { with: ['ix_security_events_user_email'], why: TIME_ORDER },
  }),
  ix('security_events', ['category', 'timestamp'], 'security events of one category over time', {
    overlaps: { with: ['ix_security_events_category'], why: TIME_ORDER },
  }),
  ix('structured_log_entries', ['user_email', 'timestamp'], 'log entries of a user by email over time', {
    overlaps: { with: ['ix_structured_log_entries_user_email'], why: TIME_ORDER },
  }),
  ix('structured_log_entries', ['hostname', 'timestamp'], 'log entries of one host over time'),
  ix(
    'llm_models',
    ['provider_id', 'enabled', 'deprecated', 'model_name'],
    'model picker: available models of a provider (enabled, not deprecated)',
    {
      name: 'idx_llm_models_available',
      overlaps: {
        with: ['idx_llm_models_provider'],
        why: 'adds the enabled and deprecated filters and the model order of the picker',
      },
    },
  ),
  ix('toolops_test_cases', ['run_status'], 'test runner picks test cases by run status'),
]);
