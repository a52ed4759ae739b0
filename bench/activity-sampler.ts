/**
 * Where the sessions of a measured database spend their time: pg_stat_activity (state, wait event,
 * backend_xid / backend_xmin) and pg_stat_progress_create_index's phase of every client session of that
 * database, sampled every `intervalMs` and labelled with the side being measured (measure-fixed-cost.ts's
 * onSide), then summed per side into time per session role, state and wait, and time per CIC phase.
 *
 * The sampler connects to another database of the same server (`postgres`): CREATE INDEX CONCURRENTLY
 * waits only for snapshots of its own database, so the sampler's own queries cannot make a build wait.
 * PostgreSQL only.
 */
import type { Dialect } from '../src/dialects/dialect.js';

interface Row extends Record<string, unknown> {
  readonly pid: number;
  readonly app: string | null;
  readonly state: string | null;
  readonly wtype: string | null;
  readonly wevent: string | null;
  readonly xid: string | null;
  readonly xmin: string | null;
  readonly query: string | null;
  readonly cic_phase: string | null;
}

interface Sample {
  readonly side: string;
  readonly rows: readonly Row[];
}

const SAMPLE_SQL = `SELECT a.pid, a.application_name AS app, a.state, a.wait_event_type AS wtype,
    a.wait_event AS wevent, a.backend_xid::text AS xid, a.backend_xmin::text AS xmin,
    left(a.query, 100) AS query, p.phase AS cic_phase
  FROM pg_stat_activity a LEFT JOIN pg_stat_progress_create_index p ON p.pid = a.pid
  WHERE a.datname = $1 AND a.backend_type = 'client backend'`;

/** Per side: sampled seconds by what the sessions were doing. */
export interface ActivitySummary {
  readonly intervalMs: number;
  readonly sides: Readonly<Record<string, SideActivity>>;
}

export interface SideActivity {
  readonly samples: number;
  /** `role | state | wait` → seconds (samples × interval) summed over the side's rounds. */
  readonly sessions: Readonly<Record<string, number>>;
  /** CREATE INDEX CONCURRENTLY phase → seconds. */
  readonly cicPhases: Readonly<Record<string, number>>;
  /**
   * While a build was in one of CIC's waiting phases: the other sessions of the database holding a
   * transaction id or a snapshot (`role xid|xmin state`) → seconds.
   */
  readonly heldDuringWaits: Readonly<Record<string, number>>;
}

export class ActivitySampler {
  private side: string | undefined;
  private readonly samples: Sample[] = [];
  private running = true;
  private failed: Error | undefined;
  private readonly loop: Promise<void>;

  constructor(
    private readonly db: Pick<Dialect, 'query'>,
    private readonly database: string,
    private readonly intervalMs = 100,
  ) {
    this.loop = this.run();
  }

  /** Labels the samples from now on (undefined: not sampled). */
  label(side: string | undefined): void {
    this.side = side;
  }

  async stop(): Promise<ActivitySummary> {
    this.running = false;
    await this.loop;
    if (this.failed !== undefined) throw this.failed;
    return summarizeActivity(this.samples, this.intervalMs);
  }

  private async run(): Promise<void> {
    while (this.running) {
      const t0 = Date.now();
      const side = this.side;
      if (side !== undefined) {
        try {
          const rows = await this.db.query<Row>(SAMPLE_SQL, [this.database]);
          if (this.side === side) this.samples.push({ side, rows });
        } catch (e) {
          this.failed = e instanceof Error ? e : new Error(String(e));
          return;
        }
      }
      await new Promise((r) => setTimeout(r, Math.max(0, this.intervalMs - (Date.now() - t0))));
    }
  }
}

/** The role of each session: the runner lock, the session(s) running CREATE INDEX, build rows, pool. */
function roles(samples: readonly Sample[]): Map<string, string> {
  const out = new Map<string, string>();
  const rank = ['pool', 'build rows', 'build', 'lock'];
  for (const s of samples) {
    for (const r of s.rows) {
      const q = r.query ?? '';
      const role = (r.app ?? '').includes('runner')
        ? 'lock'
        : /^\s*CREATE\s+(UNIQUE\s+)?INDEX/i.test(q) || /^SET lock_timeout/i.test(q)
          ? 'build'
          : /index_operator_builds/i.test(q) && /^\s*(INSERT|UPDATE)/i.test(q)
            ? 'build rows'
            : 'pool';
      const key = `${s.side}/${r.pid}`;
      const was = out.get(key) ?? 'pool';
      if (rank.indexOf(role) > rank.indexOf(was)) out.set(key, role);
      else out.set(key, was);
    }
  }
  return out;
}

export function summarizeActivity(samples: readonly Sample[], intervalMs: number): ActivitySummary {
  const role = roles(samples);
  const sides: Record<
    string,
    { samples: number; sessions: Tally; cicPhases: Tally; heldDuringWaits: Tally }
  > = {};
  const seconds = intervalMs / 1000;
  for (const s of samples) {
    const side = (sides[s.side] ??= { samples: 0, sessions: {}, cicPhases: {}, heldDuringWaits: {} });
    side.samples++;
    const waiting = s.rows.filter((r) => r.cic_phase?.startsWith('waiting') === true);
    for (const r of s.rows) {
      const who = role.get(`${s.side}/${r.pid}`) ?? 'pool';
      const wait = r.wtype === null ? 'no wait' : `${r.wtype}:${r.wevent ?? ''}`;
      add(side.sessions, `${who} | ${r.state ?? 'unknown'} | ${wait}`, seconds);
      if (r.cic_phase !== null) add(side.cicPhases, r.cic_phase, seconds);
      if (waiting.length > 0 && !waiting.includes(r)) {
        const held = [r.xid === null ? '' : 'xid', r.xmin === null ? '' : 'xmin'].filter(Boolean).join('+');
        if (held)
          add(side.heldDuringWaits, `${who} ${held} ${r.state ?? ''} ${firstWords(r.query)}`, seconds);
      }
    }
  }
  return { intervalMs, sides };
}

type Tally = Record<string, number>;

function add(t: Tally, key: string, v: number): void {
  t[key] = (t[key] ?? 0) + v;
}

function firstWords(q: string | null): string {
  return (q ?? '').replace(/\s+/g, ' ').trim().slice(0, 40);
}
