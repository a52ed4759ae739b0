/**
 * Column rules for the tables a team layout (team-layout.ts) shapes: teams, memberships and their
 * history, the entities teams own (tools, resources, prompts, servers, gateways, A2A agents, gRPC
 * services), API tokens and their revocations, role grants, invitations and join requests.
 *
 * Entities: 55% sit in their owner's personal team, private; 30% in a shared team, team-visible; 15% in a
 * shared team, public. Shared teams are drawn as likely as they are large, the owners of personal ones
 * biased towards the first users, so a few teams and users hold most. Memberships: personal ones always
 * active, 8% of the others not. Every tenth API token is revoked (inactive, with a revocation row), 5% of
 * the rest inactive; most tokens are global, some scoped to the user's personal team or a shared team.
 * Every user holds a team role on their personal team (what the RBAC lookup filters out).
 */
import type { ValueMaker } from './data-generator.js';
import { emailFor, rng, uuidFor, type Rng } from './value-makers.js';
import { skewedUser, teamLayout, type TeamLayout } from './team-layout.js';

export interface RuleContext {
  readonly sizes: Readonly<Record<string, number>>;
  readonly seed: number;
  readonly r: Rng;
  readonly table: string;
  readonly sizeOf: (table: string) => number;
}

/** Every `REVOKED_EVERY`-th API token is revoked. */
export const REVOKED_EVERY = 10;
const PERSONAL_SHARE = 0.55;
const TEAM_VISIBLE_SHARE = 0.3;
const INACTIVE_MEMBERSHIPS = 0.08;

/** Tables whose rows belong to a team and an owner, with a visibility. */
const OWNED = new Set([
  'tools',
  'resources',
  'prompts',
  'servers',
  'gateways',
  'a2a_agents',
  'grpc_services',
]);

type Visibility = 'private' | 'team' | 'public';

interface Placement {
  readonly team: number;
  readonly owner: number;
  readonly visibility: Visibility;
}

export function layoutOf(ctx: Pick<RuleContext, 'seed' | 'sizeOf'>): TeamLayout {
  return teamLayout(ctx.sizeOf('email_users'), ctx.sizeOf('email_teams'), ctx.seed);
}

const teamId = (t: number): string => uuidFor('email_teams', t);

/**
 * The value of row i's last computation. A table's column makers are built one column at a time, so
 * each column that needs a row's joint draw (an entity's team, owner and visibility) gets its own copy
 * of the same generator (same seed and salt) and replays the same draws row by row.
 */
function perRow<T>(make: (i: number) => T): (i: number) => T {
  let last = -1;
  let value: T | undefined;
  return (i) => {
    if (i !== last || value === undefined) {
      value = make(i);
      last = i;
    }
    return value;
  };
}

function placements(layout: TeamLayout, r: Rng): (i: number) => Placement {
  return perRow(() => {
    const x = r();
    if (x < PERSONAL_SHARE) {
      const owner = skewedUser(layout.users, r());
      return { team: layout.personalTeam(owner), owner, visibility: 'private' };
    }
    const team = layout.sharedTeamAt(r());
    const owner = (layout.sharedStart(team) + Math.floor(r() * layout.sharedSize(team))) % layout.users;
    return { team, owner, visibility: x < PERSONAL_SHARE + TEAM_VISIBLE_SHARE ? 'team' : 'public' };
  });
}

/** The rule for `ctx.table.column`, or undefined when the layout does not shape it. */
export function teamRule(ctx: RuleContext, column: string): ValueMaker | undefined {
  if (OWNED.has(ctx.table)) return ownedRule(ctx, column);
  switch (ctx.table) {
    case 'email_teams':
      return teamsRule(ctx, column);
    case 'email_team_members':
    case 'email_team_member_history':
      return membershipRule(ctx, column);
    case 'email_api_tokens':
      return tokenRule(ctx, column);
    case 'token_revocations':
      return column === 'jti'
        ? (i) => uuidFor('email_api_tokens.jti', (i * REVOKED_EVERY) % ctx.sizeOf('email_api_tokens'))
        : undefined;
    case 'user_roles':
      return roleGrantRule(ctx, column);
    case 'email_team_invitations':
    case 'email_team_join_requests': {
      const layout = layoutOf(ctx);
      return column === 'team_id' ? () => teamId(layout.sharedTeamAt(ctx.r())) : undefined;
    }
    default:
      return undefined;
  }
}

function ownedRule(ctx: RuleContext, column: string): ValueMaker | undefined {
  const at = placements(layoutOf(ctx), rng(ctx.seed, `${ctx.table}.placement`));
  switch (column) {
    case 'team_id':
      return (i) => teamId(at(i).team);
    case 'owner_email':
      return (i) => emailFor(at(i).owner);
    case 'visibility':
      return (i) => at(i).visibility;
    default:
      return undefined;
  }
}

function teamsRule(ctx: RuleContext, column: string): ValueMaker | undefined {
  const layout = layoutOf(ctx);
  const { r } = ctx;
  const owner = (i: number): number => (i < layout.shared ? layout.sharedStart(i) : i - layout.shared);
  switch (column) {
    case 'is_personal':
      return (i) => i >= layout.shared;
    case 'created_by':
      return (i) => emailFor(owner(i));
    case 'visibility':
      return (i) => (i >= layout.shared ? 'private' : r() < 0.3 ? 'public' : 'private');
    case 'is_active':
      return (i) => i >= layout.shared || r() < 0.95;
    default:
      return undefined;
  }
}

function membershipRule(ctx: RuleContext, column: string): ValueMaker | undefined {
  const layout = layoutOf(ctx);
  const { r } = ctx;
  const at = perRow((i) => layout.membership(i));
  switch (column) {
    case 'team_id':
      return (i) => teamId(at(i).team);
    case 'user_email':
      return (i) => emailFor(at(i).user);
    case 'team_member_id':
      return (i) => uuidFor('email_team_members', i);
    case 'role':
      return (i) => (at(i).owner ? 'owner' : 'member');
    case 'is_active':
      return (i) => at(i).owner || r() >= INACTIVE_MEMBERSHIPS;
    default:
      return undefined;
  }
}

function tokenRule(ctx: RuleContext, column: string): ValueMaker | undefined {
  const layout = layoutOf(ctx);
  const { r } = ctx;
  switch (column) {
    case 'user_email':
      return (i) => emailFor(i % layout.users);
    case 'team_id':
      return (i) => {
        const x = r();
        if (x < 0.6) return null;
        return teamId(x < 0.85 ? layout.personalTeam(i % layout.users) : layout.sharedTeamAt(r()));
      };
    case 'is_active':
      return (i) => i % REVOKED_EVERY !== 0 && r() < 0.95;
    default:
      return undefined;
  }
}

/**
 * Row u < users: user u's team role on their personal team (role 0). The rest: one more grant for the
 * first users (global, personal or on a shared team; never role 0), so (user, role, scope) is unique
 * over all rows, as the current schema's unique keys need (on MariaDB, which has no partial index, over
 * every row).
 */
function roleGrantRule(ctx: RuleContext, column: string): ValueMaker | undefined {
  const layout = layoutOf(ctx);
  const roles = ctx.sizeOf('roles');
  const { r } = ctx;
  const draw = rng(ctx.seed, 'user_roles.grant');
  const grant = perRow((i): { user: number; role: number; scope: string; team: number | null } => {
    if (i < layout.users) return { user: i, role: 0, scope: 'team', team: layout.personalTeam(i) };
    const scope = (['global', 'team', 'team', 'personal'] as const)[Math.floor(draw() * 4)] ?? 'team';
    return {
      user: (i - layout.users) % layout.users,
      role: 1 + Math.floor(draw() * (roles - 1)),
      scope,
      team: scope === 'team' ? layout.sharedTeamAt(draw()) : null,
    };
  });
  switch (column) {
    case 'user_email':
      return (i) => emailFor(grant(i).user);
    case 'role_id':
      return (i) => uuidFor('roles', grant(i).role);
    case 'scope':
      return (i) => grant(i).scope;
    case 'scope_id':
      return (i) => {
        const team = grant(i).team;
        return team === null ? null : teamId(team);
      };
    case 'is_active':
      return (i) => i < layout.users || r() < 0.9;
    default:
      return undefined;
  }
}
