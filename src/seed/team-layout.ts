/**
 * Who belongs to which team, shaped like a real install. Upstream creates a personal team for every user
 * (its owner the one member), so `email_teams` holds the shared teams first (rows 0..shared-1) and then
 * one personal team per user (row shared + u belongs to user u). Shared team sizes follow a Zipf law
 * (team k gets a share ln((k+2)/(k+1)) / ln(shared+1) of the shared memberships and of the team-owned
 * entities): a few org-wide teams with thousands of members and entities, a long tail of small ones.
 * Each shared team's members are a block of consecutive users starting at a point drawn with a bias
 * towards the first users, so early users sit in many teams and most users in one or two.
 *
 * Membership rows: the first `users` are the personal teams' owners, then each shared team's block.
 * Everything is a pure function of the sizes and the seed.
 */
import { rng } from './value-makers.js';

/** Shared memberships per user, on average (besides the personal team). */
export const SHARED_MEMBERSHIPS_PER_USER = 2;
/** Every shared team has at least this many members (its owner and one more). */
const MIN_TEAM_MEMBERS = 2;

export interface TeamLayout {
  readonly users: number;
  readonly shared: number;
  /** Rows of email_teams: the shared teams, then one personal team per user. */
  readonly teams: number;
  /** Rows of email_team_members: one per personal team, then the shared teams' blocks. */
  readonly memberships: number;
  /** Members of shared team k. */
  sharedSize(k: number): number;
  /** First member (the owner) of shared team k. */
  sharedStart(k: number): number;
  /** The email_teams row of user u's personal team. */
  personalTeam(u: number): number;
  /** Membership row i: its team row, its user, and whether the user owns the team. */
  membership(i: number): { readonly team: number; readonly user: number; readonly owner: boolean };
  /** A shared team for a uniform draw x in [0,1), as likely as the team is large (Zipf). */
  sharedTeamAt(x: number): number;
}

/** Users for a uniform draw x in [0,1), biased towards the first users (density ∝ 1/√u). */
export function skewedUser(users: number, x: number): number {
  return Math.min(users - 1, Math.floor(users * x * x));
}

/** The number of shared teams a size table implies (email_teams minus one personal team per user). */
export function sharedTeams(sizes: { readonly users: number; readonly teams: number }): number {
  if (sizes.teams <= sizes.users) {
    throw new Error(
      `email_teams (${sizes.teams}) must hold a personal team per user (${sizes.users}) and more`,
    );
  }
  return sizes.teams - sizes.users;
}

const CACHE = new Map<string, TeamLayout>();

export function teamLayout(users: number, teams: number, seed: number): TeamLayout {
  const key = `${users}/${teams}/${seed}`;
  let layout = CACHE.get(key);
  if (layout === undefined) {
    layout = buildLayout(users, sharedTeams({ users, teams }), seed);
    CACHE.set(key, layout);
  }
  return layout;
}

function buildLayout(users: number, shared: number, seed: number): TeamLayout {
  const logTeams = Math.log(shared + 1);
  const target = SHARED_MEMBERSHIPS_PER_USER * users;
  const sizes = new Int32Array(shared);
  const starts = new Int32Array(shared);
  // ends[k]: membership rows before the end of shared team k's block, counted from the first shared row.
  const ends = new Int32Array(shared);
  const r = rng(seed, 'team-layout');
  let total = 0;
  for (let k = 0; k < shared; k++) {
    const share = Math.log((k + 2) / (k + 1)) / logTeams;
    sizes[k] = Math.min(users, Math.max(MIN_TEAM_MEMBERS, Math.round(target * share)));
    starts[k] = skewedUser(users, r());
    total += sizes[k] ?? 0;
    ends[k] = total;
  }
  const sharedOf = (p: number): number => {
    let lo = 0;
    let hi = shared - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((ends[mid] ?? 0) > p) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  };
  return {
    users,
    shared,
    teams: shared + users,
    memberships: users + total,
    sharedSize: (k) => sizes[k] ?? 0,
    sharedStart: (k) => starts[k] ?? 0,
    personalTeam: (u) => shared + u,
    membership: (i) => {
      if (i < users) return { team: shared + i, user: i, owner: true };
      const p = i - users;
      const k = sharedOf(p);
      const j = p - ((ends[k] ?? 0) - (sizes[k] ?? 0));
      return { team: k, user: ((starts[k] ?? 0) + j) % users, owner: j === 0 };
    },
    sharedTeamAt: (x) => Math.min(shared - 1, Math.floor(Math.exp(x * logTeams)) - 1),
  };
}
