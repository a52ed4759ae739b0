/**
 * Phase 5 `tokens`: API tokens, OAuth tokens and token revocations. Authentication looks tokens up on
 * every request.
 *
 * Left out as measured: (user_email, is_active, created_at) for a user's token list (PostgreSQL keeps
 * to the application's idx_email_api_tokens_user_email). Left out, no read path by them found in upstream's services: the expiry sweeper indexes of API
 * tokens, OAuth tokens, OAuth states and registered OAuth clients, the token usage log's IP and
 * endpoint indexes, the revocation list by time and the OAuth client lookup by issuer.
 */
import { definePhase } from '../../src/catalogue/define-phase.js';
import { ix } from './define.js';

export const tokens = definePhase(
  'tokens',
  'OAuth tokens and states, API tokens, token usage logs, revocations',
  [
    ix(
      'email_api_tokens',
      ['server_id'],
      'FK email_api_tokens.server_id → servers (ON DELETE CASCADE): server delete',
      { serves: ['fk:email_api_tokens.server_id'] },
    ),
    ix(
      'email_api_tokens',
      ['team_id', 'is_active', 'created_at'],
      'token list of a team: team_id = :t AND is_active, ORDER BY created_at DESC',
      {
        serves: ['api_tokens_of_team'],
        overlaps: {
          with: ['ix_email_api_tokens_team_id'],
          why: 'adds is_active and created_at for the newest-first list; the single-column one becomes redundant',
        },
      },
    ),
    ix('email_api_tokens', ['token_hash'], 'authentication looks an API token up by its hash (unique)', {
      unique: true,
      serves: ['auth_api_token_by_hash'],
    }),
    ix(
      'oauth_tokens',
      ['app_user_email'],
      'FK oauth_tokens.app_user_email → email_users (ON DELETE CASCADE)',
      { serves: ['fk:oauth_tokens.app_user_email'] },
    ),
    ix('token_revocations', ['revoked_by'], 'FK token_revocations.revoked_by → email_users: user delete', {
      serves: ['fk:token_revocations.revoked_by'],
    }),
  ],
);
