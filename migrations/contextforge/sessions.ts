/**
 * Phase 6 `sessions`: MCP sessions and their messages, SSO providers and SSO authorization sessions.
 */
import { definePhase } from '../../src/catalogue/define-phase.js';
import { ix } from './define.js';

export const sessions = definePhase('sessions', 'sessions, SSO providers and auth sessions', [
  ix('mcp_sessions', ['last_accessed'], 'session expiry sweeper: last_accessed < now - ttl'),
  ix('mcp_sessions', ['created_at'], 'sessions opened per period (admin stats)'),
  ix(
    'mcp_messages',
    ['session_id', 'created_at'],
    'message replay of a session in order; leads with FK mcp_messages.session_id',
    { overlaps: { with: ['idx_mcp_messages_session_id'], why: 'adds created_at, so replay reads in order' } },
  ),
  ix('mcp_messages', ['last_accessed'], 'cleanup of messages of idle sessions'),
  ix(
    'sso_auth_sessions',
    ['provider_id', 'user_email', 'created_at'],
    'SSO sessions of a provider and user; leads with FK sso_auth_sessions.provider_id',
  ),
  ix('sso_auth_sessions', ['user_email'], 'FK sso_auth_sessions.user_email → email_users: user delete'),
  ix('sso_auth_sessions', ['expires_at'], 'cleanup of expired SSO authorization sessions'),
]);
