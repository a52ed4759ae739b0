/** The request-mix section of the bench report, and its aims. */
import { ran, type BenchResult, type LoadRun, type NotRun, type RequestMixResult } from './bench-result.js';
import { fmt, header, row } from './markdown.js';

/** The aims of issue 16 for the request mix (stated for PostgreSQL at 1m; reported for every run). */
export const MIX_AIMS = { cpuReductionPct: 90, throughputRatio: 10 } as const;

export function renderRequestMix(m: RequestMixResult | NotRun): string[] {
  const out: string[] = ['## Request mix', ''];
  if (!ran(m)) return [...out, `Not run: ${m.notRun}.`, ''];
  const { before: b, after: a } = m;
  out.push(
    `The database side of a gateway's traffic, replayed as a weighted mix (bench/request-mix.ts says why ` +
      `these weights) by ${b.clients} concurrent clients for ${m.seconds} s, on the same data before and ` +
      `after \`up\` (the writes are undone after each load). Parameters are drawn per request from a pool ` +
      `of up to ${m.poolSize} rows of the data per query. Sent by: ${b.tool}. CPU: ${b.cpuSource}.`,
    '',
  );
  out.push(header(['load', 'requests/s', 'requests', 'failed', 'DB CPU s', 'DB CPU ms per 1,000 requests']));
  for (const l of [b, a])
    out.push(
      row([l.when, l.requestsPerSecond, l.requests, l.failedRequests, l.cpuSeconds, l.cpuMsPer1000Requests]),
    );
  out.push(
    '',
    `Throughput ${fmt(m.throughputRatio)}x; database CPU per request ${fmt(m.cpuReductionPct)}% less ` +
      `(measured over ${fmt(b.windowSeconds)} s and ${fmt(a.windowSeconds)} s windows).`,
    '',
  );
  const o = a.overhead;
  if (o)
    out.push(
      `Included in every request above: ${o.what}: ${fmt(o.avgMs)} ms average latency after \`up\` ` +
        `(${fmt(b.overhead?.avgMs ?? Number.NaN)} ms before), ${fmt(o.cpuMsPer1000Requests)} ms CPU per ` +
        '1,000 requests.',
      '',
    );
  out.push(
    header([
      'class',
      'weight',
      'before p50 ms',
      'before p99 ms',
      'after p50 ms',
      'after p99 ms',
      'time share after %',
    ]),
  );
  for (const c of a.classes) {
    const before = b.classes.find((x) => x.queryClass === c.queryClass);
    const weight = m.mix.filter((x) => x.queryClass === c.queryClass).reduce((n, x) => n + x.weight, 0);
    out.push(
      row([
        c.queryClass,
        weight,
        before?.p50Ms ?? Number.NaN,
        before?.p99Ms ?? Number.NaN,
        c.p50Ms,
        c.p99Ms,
        c.timeSharePct,
      ]),
    );
  }
  out.push('', '<details><summary>Per query</summary>', '');
  out.push(
    header([
      'query',
      'class',
      'weight',
      'before p50 ms',
      'before p99 ms',
      'after p50 ms',
      'after p99 ms',
      'requests after',
    ]),
  );
  for (const q of a.queries) {
    const before = b.queries.find((x) => x.query === q.query);
    const weight = m.mix.find((x) => x.query === q.query)?.weight ?? 0;
    out.push(
      row([
        q.query,
        q.queryClass,
        weight,
        before?.p50Ms ?? Number.NaN,
        before?.p99Ms ?? Number.NaN,
        q.p50Ms,
        q.p99Ms,
        q.requests,
      ]),
    );
  }
  out.push('', '</details>', '');
  if (m.leftOut.length)
    out.push(`Left out on this database: ${m.leftOut.map((x) => `${x.query} (${x.why})`).join('; ')}.`, '');
  return out;
}

const slowest = (l: LoadRun): string => {
  const top = [...l.classes].sort((x, y) => y.timeSharePct - x.timeSharePct)[0];
  return top ? `${top.queryClass} takes ${fmt(top.timeSharePct)}% of the request time after` : '';
};

export function mixAims(r: BenchResult): string[] {
  const m = r.requestMix;
  const scope = `(aim set for PostgreSQL at 1m; this run: ${r.dialect} ${r.scale})`;
  if (!ran(m)) return [`- Request mix aims ${scope}: not run (${m.notRun}).`];
  return [
    `- Request mix: database CPU per request at least ${MIX_AIMS.cpuReductionPct}% less ${scope}: ` +
      `${m.cpuReductionPct >= MIX_AIMS.cpuReductionPct ? 'met' : 'not met'} (${fmt(m.cpuReductionPct)}% less: ` +
      `${fmt(m.before.cpuMsPer1000Requests)} → ${fmt(m.after.cpuMsPer1000Requests)} ms per 1,000 requests).`,
    `- Request mix: at least ${MIX_AIMS.throughputRatio}x requests/s ${scope}: ` +
      `${m.throughputRatio >= MIX_AIMS.throughputRatio ? 'met' : 'not met'} (${fmt(m.throughputRatio)}x: ` +
      `${fmt(m.before.requestsPerSecond)} → ${fmt(m.after.requestsPerSecond)} requests/s; ${slowest(m.after)}).`,
  ];
}
