/**
 * Phase 5 `tokens`: API tokens, OAuth tokens and states, registered OAuth clients, token usage logs and
 * revocations. Authentication looks tokens up on every request.
 */
import { definePhase } from '../../src/catalogue/define-phase.js';
import { isNotNull, ix } from './define.js';

export const tokens = definePhase(
  'tokens',
  'OAuth tokens and states, API tokens, token usage logs, revocations',
  [
    ix(
      'email_api_tokens',
      ['server_id'],
      'FK email_api_tokens.server_id → servers (ON DELETE CASCADE): server delete',
    ),
    ix(
      'email_api_tokens',
      ['user_email', 'is_active', 'created_at'],
      'token list of a user: user_email = :u AND is_active, ORDER BY created_at DESC',
      {
        overlaps: {
          with: ['ix_email_api_tokens_user_email', 'idx_email_api_tokens_user_email'],
          why: 'adds is_active and created_at for the newest-first list; the single-column ones become redundant',
        },
      },
    ),
    ix(
      'email_api_tokens',
      ['team_id', 'is_active', 'created_at'],
      'token list of a team: team_id = :t AND is_active, ORDER BY created_at DESC',
      {
        overlaps: {
          with: ['ix_email_api_tokens_team_id'],
          why: 'adds is_active and created_at for the newest-first list; the single-column one becomes redundant',
        },
      },
    ),
    ix('email_api_tokens', ['token_hash'], 'authentication looks an API token up by its hash (unique)', {
      unique: true,
    }),
    ix(
      'email_api_tokens',
      ['is_active', 'expires_at'],
      'active tokens about to expire: is_active AND expires_at < :t',
      {
        name: 'idx_email_api_tokens_active_expiry',
        overlaps: {
          with: ['idx_email_api_tokens_is_active'],
          why: 'adds expires_at for the sweeper; the boolean-only index becomes redundant',
        },
      },
    ),
    ix(
      'oauth_tokens',
      ['app_user_email'],
      'FK oauth_tokens.app_user_email → email_users (ON DELETE CASCADE)',
    ),
    ix('oauth_tokens', ['expires_at'], 'refresher: refreshable tokens about to expire (partial)', {
      name: 'idx_oauth_tokens_refreshable_expiry',
      where: [isNotNull('refresh_token')],
    }),
    ix('oauth_states', ['expires_at'], 'cleanup of expired OAuth authorization states: expires_at < now'),
    ix('token_usage_logs', ['ip_address', 'timestamp'], 'usage from one IP address over time (abuse checks)'),
    ix('token_usage_logs', ['endpoint', 'timestamp'], 'token usage per endpoint over time (usage stats)'),
    ix('token_revocations', ['revoked_by'], 'FK token_revocations.revoked_by → email_users: user delete'),
    ix(
      'token_revocations',
      ['revoked_at'],
      'recent revocations list and cleanup: ORDER BY / WHERE revoked_at',
    ),
    ix('registered_oauth_clients', ['is_active', 'expires_at'], 're-registration sweeper of active clients', {
      name: 'idx_registered_oauth_clients_active_expiry',
    }),
    ix(
      'registered_oauth_clients',
      ['issuer', 'client_id'],
      'OAuth callback finds the client by issuer and client_id',
    ),
  ],
);
