/**
 * Phase 6 `sessions`: MCP sessions and their messages, SSO authorization sessions. The sessions'
 * creation-time index, the messages' last-access index and the SSO sessions' expiry index are left
 * out: no read path by them was found in upstream's services.
 */
import { definePhase } from '../../src/catalogue/define-phase.js';
import { ix } from './define.js';

export const sessions = definePhase('sessions', 'sessions, SSO providers and auth sessions', [
  ix('mcp_sessions', ['last_accessed'], 'session expiry sweeper: last_accessed < now - ttl', {
    serves: ['sessions_expired'],
  }),
  ix(
    'mcp_messages',
    ['session_id', 'created_at'],
    'message replay of a session in order; leads with FK mcp_messages.session_id',
    {
      serves: ['session_messages', 'fk:mcp_messages.session_id'],
      overlaps: { with: ['idx_mcp_messages_session_id'], why: 'adds created_at, so replay reads in order' },
    },
  ),
  ix(
    'sso_auth_sessions',
    ['provider_id', 'user_email', 'created_at'],
    'SSO sessions of a provider and user; leads with FK sso_auth_sessions.provider_id',
    { serves: ['fk:sso_auth_sessions.provider_id'] },
  ),
  ix('sso_auth_sessions', ['user_email'], 'FK sso_auth_sessions.user_email → email_users: user delete', {
    serves: ['fk:sso_auth_sessions.user_email'],
  }),
]);
