/**
 * Phase 3 `teams`: teams, members, invitations, join requests and member history. Membership checks
 * run on every request that touches a team resource, so they are served index-only.
 */
import { definePhase } from '../../src/catalogue/define-phase.js';
import { eq, ix } from './define.js';

export const teams = definePhase('teams', 'teams, team members, invitations, join requests, member history', [
  ix(
    'email_teams',
    ['created_by', 'is_personal', 'is_active'],
    "a user's personal team and teams they created; leads with FK email_teams.created_by",
  ),
  ix(
    'email_teams',
    ['is_personal', 'id'],
    'RBAC role resolution on every permission check: NOT IN (SELECT id FROM email_teams WHERE is_personal ' +
      'IS true) reads this narrow index instead of the table (index-only where the visibility map allows); ' +
      'it still reads one entry per user, see the hot query rbac_user_roles for the rewrite',
    { name: 'idx_email_teams_personal_id' },
  ),
  ix(
    'email_teams',
    ['visibility', 'is_active', 'created_at'],
    'public team directory: visibility = :v AND is_active, ORDER BY created_at',
  ),
  ix(
    'email_teams',
    ['is_personal', 'is_active', 'name'],
    'team directory: WHERE is_personal IS false AND is_active IS true ORDER BY name',
    { name: 'idx_email_teams_active_name' },
  ),
  ix(
    'email_team_members',
    ['team_id', 'user_email', 'is_active'],
    'membership check index-only: team_id = :t AND user_email = :u AND is_active',
    {
      include: ['role'],
      overlaps: {
        with: ['uq_team_member', 'idx_email_team_members_team_id'],
        why: 'the unique constraint must stay and lacks is_active and role for an index-only check',
      },
    },
  ),
  ix(
    'email_team_members',
    ['user_email', 'is_active'],
    'the teams of a user ("my teams"): user_email = :u AND is_active; leads with FK user_email',
    {
      include: ['team_id', 'role'],
      overlaps: {
        with: ['idx_email_team_members_user_email'],
        why: 'adds is_active and covers team_id and role, index-only',
      },
    },
  ),
  ix(
    'email_team_members',
    ['team_id', 'role', 'is_active'],
    'owners and admins of a team: team_id = :t AND role = :r AND is_active',
  ),
  ix('email_team_members', ['invited_by'], 'FK email_team_members.invited_by → email_users: user delete'),
  ix(
    'email_team_members',
    ['team_id', 'is_active', 'joined_at'],
    'member list of a team by join date and active member count: team_id = :t AND is_active',
    {
      name: 'idx_email_team_members_active_team_joined',
      overlaps: {
        with: ['idx_email_team_members_team_id'],
        why: 'adds is_active and the join-date order of the member list',
      },
    },
  ),
  ix(
    'email_team_invitations',
    ['team_id', 'is_active', 'invited_at'],
    'invitations of a team, active or not, by date; leads with FK email_team_invitations.team_id',
  ),
  ix(
    'email_team_invitations',
    ['email', 'is_active', 'invited_at'],
    'invitations waiting for an email address (shown at sign-in)',
  ),
  ix('email_team_invitations', ['invited_by'], 'FK email_team_invitations.invited_by → email_users'),
  ix('email_team_invitations', ['is_active', 'expires_at'], 'expiry sweeper of pending invitations', {
    name: 'idx_email_team_invitations_pending_expiry',
  }),
  ix(
    'email_team_join_requests',
    ['team_id', 'status', 'requested_at'],
    'join requests of a team by status, oldest first (uq_team_join_request lacks status)',
  ),
  ix(
    'email_team_join_requests',
    ['user_email', 'status', 'requested_at'],
    "a user's join requests by status; leads with FK email_team_join_requests.user_email",
  ),
  ix('email_team_join_requests', ['reviewed_by'], 'FK email_team_join_requests.reviewed_by → email_users'),
  ix('email_team_join_requests', ['expires_at'], 'expiry sweeper of pending join requests (partial)', {
    name: 'idx_email_team_join_requests_pending_expiry',
    where: [eq('status', 'pending')],
  }),
  ix(
    'email_team_member_history',
    ['team_member_id'],
    'FK email_team_member_history.team_member_id → email_team_members: member delete',
  ),
  ix('email_team_member_history', ['action_by'], 'FK email_team_member_history.action_by → email_users'),
  ix(
    'email_team_member_history',
    ['team_id', 'action_timestamp DESC'],
    'membership history of a team, newest first; leads with FK team_id',
    {
      overlaps: {
        with: ['idx_email_team_member_history_team_id'],
        why: 'adds the newest-first order of the history page',
      },
    },
  ),
  ix(
    'email_team_member_history',
    ['user_email', 'action_timestamp DESC'],
    'membership history of a user, newest first; leads with FK user_email',
    {
      overlaps: {
        with: ['idx_email_team_member_history_user_email'],
        why: 'adds the newest-first order of the history page',
      },
    },
  ),
]);
