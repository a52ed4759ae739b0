/**
 * Phase 2 `rbac`: roles, role grants, email users and pending sign-up approvals.
 *
 * Left out, no read path by them found in upstream's services: the permission audit log indexes, the
 * authentication-event indexes (the application's own ix_email_auth_events_user_email leads with the
 * user), the email
 * users' listing, provider, lockout and last-login indexes, the role-expiry and team-holder indexes of
 * user_roles, and the approval queue indexes.
 */
import { definePhase } from '../../src/catalogue/define-phase.js';
import { ix } from './define.js';

export const rbac = definePhase('rbac', 'roles, user_roles, permission audit log, email users', [
  ix('roles', ['inherits_from'], 'FK roles.inherits_from → roles: role inheritance walk and role delete', {
    serves: ['fk:roles.inherits_from'],
  }),
  ix('roles', ['created_by'], 'FK roles.created_by → email_users: user delete and "roles I created"', {
    serves: ['fk:roles.created_by'],
  }),
  ix('roles', ['name', 'scope'], 'role lookup by name within a scope: WHERE name = :n AND scope = :s', {
    serves: ['rbac_role_by_name'],
  }),
  ix(
    'user_roles',
    ['user_email', 'scope', 'is_active'],
    "a user's effective roles on every permission check; leads with FK user_roles.user_email",
    { serves: ['rbac_user_roles', 'rbac_user_roles_in_team', 'fk:user_roles.user_email'] },
  ),
  ix(
    'user_roles',
    ['role_id', 'scope', 'is_active'],
    'holders of a role (role delete, role page); leads with FK user_roles.role_id',
    { serves: ['fk:user_roles.role_id'] },
  ),
  ix('user_roles', ['granted_by'], 'FK user_roles.granted_by → email_users: user delete', {
    serves: ['fk:user_roles.granted_by'],
  }),
  ix(
    'email_users',
    ['is_admin', 'is_active'],
    'last-admin guard on user update and delete: count of active admins (is_admin IS true AND is_active IS true)',
    { name: 'idx_email_users_admins', serves: ['active_admin_count'] },
  ),
  ix('pending_user_approvals', ['approved_by'], 'FK pending_user_approvals.approved_by → email_users', {
    serves: ['fk:pending_user_approvals.approved_by'],
  }),
]);
