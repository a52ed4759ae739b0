/**
 * Phase 2 `rbac`: roles, role grants, the permission audit log, email users, their authentication
 * events and pending sign-up approvals.
 */
import { definePhase } from '../../src/catalogue/define-phase.js';
import { eq, isNotNull, ix } from './define.js';

export const rbac = definePhase('rbac', 'roles, user_roles, permission audit log, email users', [
  ix('roles', ['inherits_from'], 'FK roles.inherits_from → roles: role inheritance walk and role delete'),
  ix('roles', ['created_by'], 'FK roles.created_by → email_users: user delete and "roles I created"'),
  ix('roles', ['name', 'scope'], 'role lookup by name within a scope: WHERE name = :n AND scope = :s'),
  ix(
    'user_roles',
    ['user_email', 'scope', 'is_active'],
    "a user's effective roles on every permission check; leads with FK user_roles.user_email",
  ),
  ix(
    'user_roles',
    ['role_id', 'scope', 'is_active'],
    'holders of a role (role delete, role page); leads with FK user_roles.role_id',
  ),
  ix('user_roles', ['granted_by'], 'FK user_roles.granted_by → email_users: user delete'),
  ix(
    'user_roles',
    ['scope', 'scope_id', 'is_active'],
    "who holds roles in a team: scope = 'team' AND scope_id = :t AND is_active",
    { name: 'idx_user_roles_active_scope_id' },
  ),
  ix('user_roles', ['expires_at'], 'expiry sweeper over grants that have an expiry (partial)', {
    name: 'idx_user_roles_expiring',
    where: [isNotNull('expires_at')],
  }),
  ix(
    'permission_audit_log',
    ['timestamp'],
    'audit log page and retention cleanup: ORDER BY / WHERE timestamp',
  ),
  ix(
    'permission_audit_log',
    ['user_email', 'timestamp'],
    'audit log of one user ordered by time: user_email = :u ORDER BY timestamp DESC',
  ),
  ix(
    'permission_audit_log',
    ['resource_type', 'granted', 'timestamp'],
    'access decisions on one resource type, granted or denied, over time',
  ),
  ix('permission_audit_log', ['team_id', 'timestamp'], 'audit log of one team ordered by time'),
  ix('permission_audit_log', ['permission', 'timestamp'], 'use of one permission over time: permission = :p'),
  ix('email_users', ['is_active', 'created_at DESC'], 'admin user list: active users, newest first', {
    name: 'idx_email_users_active_created_at',
  }),
  ix('email_users', ['is_admin', 'is_active'], 'platform admin lookup and count: the few is_admin users', {
    name: 'idx_email_users_admins',
  }),
  ix('email_users', ['auth_provider', 'created_at'], 'users of one identity provider (SSO admin view)'),
  ix('email_users', ['locked_until'], 'lockout check and unlock sweeper (partial: locked accounts)', {
    name: 'idx_email_users_locked',
    where: [isNotNull('locked_until')],
  }),
  ix('email_users', ['last_login'], 'inactive-account report: ORDER BY last_login'),
  ix(
    'email_auth_events',
    ['user_email', 'event_type', 'timestamp'],
    'login history of one user by event type',
    {
      overlaps: {
        with: ['ix_email_auth_events_user_email'],
        why: 'adds event_type and timestamp; the single-column one becomes redundant',
      },
    },
  ),
  ix('email_auth_events', ['timestamp'], 'recent authentication events and retention cleanup'),
  ix('email_auth_events', ['success', 'timestamp'], 'failed logins over time: success = false'),
  ix('email_auth_events', ['ip_address', 'timestamp'], 'brute-force detection: events of one IP over time'),
  ix(
    'email_auth_events',
    ['event_type', 'success', 'timestamp'],
    'auth dashboard: events by type and outcome',
  ),
  ix('pending_user_approvals', ['approved_by'], 'FK pending_user_approvals.approved_by → email_users'),
  ix('pending_user_approvals', ['status', 'requested_at'], 'admin approval queue: status = :s, oldest first'),
  ix(
    'pending_user_approvals',
    ['expires_at'],
    "expiry sweeper of pending approvals (partial: status = 'pending')",
    {
      name: 'idx_pending_user_approvals_pending_expiry',
      where: [eq('status', 'pending')],
    },
  ),
]);
