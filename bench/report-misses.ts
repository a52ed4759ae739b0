/**
 * Every hot query short of an aim (at least 10x faster, p50 under 1 ms after `up`), each with its
 * figures, its plans before and after, and a reason class computed from the measurement, so that no
 * query is left out of the account. A class says only what the data shows: the plans, the times and,
 * on PostgreSQL, the server's own time (EXPLAIN ANALYZE) beside the client-side p50.
 */
import type { BenchResult, QueryComparison, QueryMeasurement } from './bench-result.js';
import { fmt, header, row } from './markdown.js';

export const SPEEDUP_AIM = 10;
export const AFTER_AIM_MS = 1;

export type MissedAim = '≥10x' | '<1 ms';

/** In the order they are tried: the first that applies is the query's class. */
export const REASON_CLASSES = [
  'query shape',
  'same plan, under 1 ms before',
  'plan unchanged',
  'under 1 ms before',
  'index plan, still ≥1 ms',
  'index plan before too',
  'new plan, under 10x',
] as const;
export type ReasonClass = (typeof REASON_CLASSES)[number];

export interface Miss {
  readonly name: string;
  readonly missed: readonly MissedAim[];
  readonly beforeMs: number;
  readonly afterMs: number;
  readonly speedup: number;
  readonly reasonClass: ReasonClass;
  /** The class in words, with the figures it rests on. */
  readonly reason: string;
}

export function missedAims(q: QueryComparison): MissedAim[] {
  const out: MissedAim[] = [];
  if (q.speedup < SPEEDUP_AIM) out.push('≥10x');
  if (q.after.p50Ms >= AFTER_AIM_MS) out.push('<1 ms');
  return out;
}

/** Every query that misses at least one aim, in the run's order. */
export function misses(r: Pick<BenchResult, 'queries'>): Miss[] {
  return r.queries.flatMap((q) => {
    const missed = missedAims(q);
    if (missed.length === 0) return [];
    const { reasonClass, reason } = classify(q);
    return [
      {
        name: q.name,
        missed,
        beforeMs: q.before.p50Ms,
        afterMs: q.after.p50Ms,
        speedup: q.speedup,
        reasonClass,
        reason,
      },
    ];
  });
}

/** The reason class of a query that misses an aim, and the class in words with its figures. */
export function classify(q: QueryComparison): { reasonClass: ReasonClass; reason: string } {
  const { before: b, after: a } = q;
  const samePlan = b.plan === a.plan;
  const [reasonClass, words] = ((): [ReasonClass, string] => {
    if (q.shapeLimit) return ['query shape', `verify names a rewrite for its shape: ${q.shapeLimit.rewrite}`];
    if (samePlan && b.p50Ms < AFTER_AIM_MS)
      return [
        'same plan, under 1 ms before',
        `same plan before and after, ${fmt(b.p50Ms)} ms before: nothing for an index to gain`,
      ];
    if (samePlan) return ['plan unchanged', 'plan unchanged: no index of the catalogue is chosen'];
    if (b.p50Ms < AFTER_AIM_MS)
      return [
        'under 1 ms before',
        `${fmt(b.p50Ms)} ms before, another plan after: less than 1 ms for any index to gain`,
      ];
    if (q.speedup >= SPEEDUP_AIM)
      return [
        'index plan, still ≥1 ms',
        `${fmt(q.speedup)}x, on the new plan still ${fmt(a.p50Ms)} ms, returning ${rowsWord(a.rows)}`,
      ];
    if (b.seqScans.length === 0 && b.indexesUsed.length > 0)
      return [
        'index plan before too',
        `an index plan before too (${b.indexesUsed.join(', ')}): the new plan gains ${fmt(q.speedup)}x`,
      ];
    return ['new plan, under 10x', `the new plan gains ${fmt(q.speedup)}x, returning ${rowsWord(a.rows)}`];
  })();
  const notes: string[] = [];
  if (a.seqScans.length > 0) notes.push(`seq scan after: ${a.seqScans.join(', ')}`);
  const server = serverWords(b, a);
  if (server) notes.push(server);
  return { reasonClass, reason: [words, ...notes].join('; ') };
}

/** The server's time beside the client's, when both sides have it (PostgreSQL). */
function serverWords(b: QueryMeasurement, a: QueryMeasurement): string | undefined {
  if (!b.server || !a.server) return undefined;
  const ms = (m: QueryMeasurement): number => (m.server ? m.server.planningMs + m.server.executionMs : NaN);
  const read =
    a.server.sharedRead > 0 ? `, ${a.server.sharedRead} pages read from outside shared_buffers after` : '';
  return (
    `server time (planning + execution) ${fmt(ms(b))} → ${fmt(ms(a))} ms ` +
    `(planning ${fmt(b.server.planningMs)} → ${fmt(a.server.planningMs)} ms)${read}`
  );
}

/** What each side's plan used: its indexes, and its sequential scans. */
export function planCell(m: QueryMeasurement): string {
  const idx = m.indexesUsed.length ? m.indexesUsed.join(', ') : '(no index)';
  return m.seqScans.length ? `${idx}; seq scan: ${m.seqScans.join(', ')}` : idx;
}

export function renderMisses(r: BenchResult): string[] {
  const list = misses(r);
  const out = ['## Hot queries short of an aim', ''];
  if (list.length === 0)
    return [...out, `Every hot query is at least ${SPEEDUP_AIM}x faster and under 1 ms after.`, ''];
  const count = (aim: MissedAim): number => list.filter((m) => m.missed.includes(aim)).length;
  const byClass = REASON_CLASSES.map((c) => [c, list.filter((m) => m.reasonClass === c).length] as const)
    .filter(([, n]) => n > 0)
    .map(([c, n]) => `${c} ${n}`);
  out.push(
    `${list.length} of ${r.queries.length} hot queries miss an aim (${count('≥10x')} are less than ` +
      `${SPEEDUP_AIM}x faster, ${count('<1 ms')} take 1 ms or more at p50 after). Each is listed, with a ` +
      'reason class computed from this run: the first that applies of query shape (the catalogue names a ' +
      'rewrite), the same plan before and after, the plan before already under 1 ms, an index plan still ' +
      `at or above 1 ms, an index plan before too, a new plan gaining less than ${SPEEDUP_AIM}x. By class: ` +
      `${byClass.join(', ')}.`,
    '',
  );
  if (r.queries.some((q) => q.before.server && q.after.server))
    out.push(
      "Server time: PostgreSQL's own planning and execution time of the statement (EXPLAIN (ANALYZE, " +
        'BUFFERS) after the timed runs, median); the rest of the p50 is the round trip, the driver and ' +
        'waiting for a core.',
      '',
    );
  out.push(
    header([
      'query',
      'misses',
      'before p50 ms',
      'after p50 ms',
      'speedup',
      'plan before',
      'plan after',
      'reason class',
      'reason',
    ]),
  );
  const byName = new Map(r.queries.map((q) => [q.name, q]));
  for (const m of list) {
    const q = byName.get(m.name);
    if (!q) continue;
    out.push(
      row([
        m.name,
        m.missed.join(', '),
        m.beforeMs,
        m.afterMs,
        `${fmt(m.speedup)}x`,
        planCell(q.before),
        planCell(q.after),
        m.reasonClass,
        m.reason.replaceAll('|', '/'),
      ]),
    );
  }
  out.push('');
  return out;
}

function rowsWord(n: number): string {
  return `${n} row${n === 1 ? '' : 's'}`;
}
