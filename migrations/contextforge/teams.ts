/**
 * Phase 3 `teams`: teams, members, invitations, join requests and member history. Membership checks
 * run on every request that touches a team resource, so they are served index-only. Left out as
 * measured: (is_personal, id) for the RBAC role lookup's NOT IN over every personal team (PostgreSQL
 * keeps its sequential scan at 100k and 1m, vacuumed or not; SQLite reads it covering but only 1.45x
 * faster at 1m; MariaDB already probes the primary key; README "verify") and the membership check
 * (team_id, user_email, is_active) INCLUDE (role) (both planners keep to the unique uq_team_member). The expiry
 * sweeper indexes of invitations and join requests are left out: no read path by expiry was found in
 * upstream's services.
 */
import { definePhase } from '../../src/catalogue/define-phase.js';
import { ix } from './define.js';

export const teams = definePhase('teams', 'teams, team members, invitations, join requests, member history', [
  ix(
    'email_teams',
    ['created_by', 'is_personal', 'is_active'],
    "a user's personal team and teams they created; leads with FK email_teams.created_by",
    { serves: ['fk:email_teams.created_by'] },
  ),
  ix(
    'email_teams',
    ['visibility', 'is_active', 'created_at'],
    "public teams a user may join: visibility = 'public' AND is_active AND NOT is_personal, not yet a member",
    { serves: ['public_teams_to_discover'] },
  ),
  ix(
    'email_teams',
    ['is_personal', 'is_active', 'name'],
    'team directory: WHERE is_personal IS false AND is_active IS true ORDER BY name',
    { name: 'idx_email_teams_active_name', serves: ['team_directory'] },
  ),
  ix(
    'email_team_members',
    ['user_email', 'is_active'],
    'the teams of a user ("my teams"): user_email = :u AND is_active; leads with FK user_email',
    {
      include: ['team_id', 'role'],
      serves: [
        'auth_personal_team',
        'auth_team_ids',
        'auth_team_ids_sync',
        'auth_team_roles',
        'fk:email_team_members.user_email',
      ],
      overlaps: {
        with: ['idx_email_team_members_user_email'],
        why: 'adds is_active and covers team_id and role, index-only',
      },
    },
  ),
  ix(
    'email_team_members',
    ['team_id', 'role', 'is_active'],
    "last-owner guard when a member leaves: count of team_id = :t AND role = 'owner' AND is_active",
    { serves: ['team_owner_count'] },
  ),
  ix('email_team_members', ['invited_by'], 'FK email_team_members.invited_by → email_users: user delete', {
    serves: ['fk:email_team_members.invited_by'],
  }),
  ix(
    'email_team_members',
    ['team_id', 'is_active', 'joined_at DESC', 'id DESC'],
    'member list of a team, newest first in keyset pages: team_id = :t AND is_active IS true ORDER BY ' +
      'joined_at DESC, id DESC LIMIT n (PostgreSQL reads it in order, no sort)',
    {
      name: 'idx_email_team_members_active_team_joined',
      serves: ['team_members_of_team'],
      overlaps: {
        with: ['idx_email_team_members_team_id'],
        why: 'adds is_active and the newest-first order of the member list',
      },
    },
  ),
  ix(
    'email_team_invitations',
    ['team_id', 'is_active', 'invited_at'],
    'invitations of a team, active or not, by date; leads with FK email_team_invitations.team_id',
    { serves: ['team_invitations_of_team', 'fk:email_team_invitations.team_id'] },
  ),
  ix(
    'email_team_invitations',
    ['email', 'is_active', 'invited_at'],
    'invitations waiting for an email address (shown at sign-in)',
    { serves: ['team_invitations_for_email'] },
  ),
  ix('email_team_invitations', ['invited_by'], 'FK email_team_invitations.invited_by → email_users', {
    serves: ['fk:email_team_invitations.invited_by'],
  }),
  ix(
    'email_team_join_requests',
    ['team_id', 'status', 'requested_at'],
    'join requests of a team by status, oldest first (uq_team_join_request lacks status)',
    { serves: ['team_join_requests_pending'] },
  ),
  ix(
    'email_team_join_requests',
    ['user_email', 'status', 'requested_at'],
    "a user's join requests by status; leads with FK email_team_join_requests.user_email",
    { serves: ['join_requests_of_user', 'fk:email_team_join_requests.user_email'] },
  ),
  ix('email_team_join_requests', ['reviewed_by'], 'FK email_team_join_requests.reviewed_by → email_users', {
    serves: ['fk:email_team_join_requests.reviewed_by'],
  }),
  ix(
    'email_team_member_history',
    ['team_member_id'],
    'FK email_team_member_history.team_member_id → email_team_members: member delete',
    { serves: ['fk:email_team_member_history.team_member_id'] },
  ),
  ix('email_team_member_history', ['action_by'], 'FK email_team_member_history.action_by → email_users', {
    serves: ['fk:email_team_member_history.action_by'],
  }),
  ix(
    'email_team_member_history',
    ['team_id', 'action_timestamp DESC'],
    'membership history of a team, newest first; leads with FK team_id',
    {
      serves: ['fk:email_team_member_history.team_id'],
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
      serves: ['fk:email_team_member_history.user_email'],
      overlaps: {
        with: ['idx_email_team_member_history_user_email'],
        why: 'adds the newest-first order of the history page',
      },
    },
  ),
]);
