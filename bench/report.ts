/** Renders a bench run as Markdown, with its charts as SVG files beside it. */
import { writeFileSync, mkdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import {
  ran,
  type BenchResult,
  type NotRun,
  type QueryComparison,
  type WriteImpactResult,
} from './bench-result.js';
import { mixChart, phaseChart, queryChart, renderSvg, writerChart, type LatencyPoint } from './charts.js';
import { costAims, renderBuildCost } from './report-cost.js';
import { estimateAims, renderEstimates } from './report-estimate.js';
import { mixAims, renderRequestMix } from './report-mix.js';
import { misses, renderMisses } from './report-misses.js';
import { CHEAP_QUERY_BUDGET_MS } from './measure-queries.js';
import { fmt, header, row } from './markdown.js';
import type { TopLevelSpec } from 'vega-lite';

export interface WrittenReport {
  readonly json: string;
  readonly markdown: string;
  readonly charts: readonly string[];
}

/** Writes `<stem>.json`, `<stem>.md` and `<stem>-*.svg` into dir. */
export async function writeReport(result: BenchResult, dir: string, stem: string): Promise<WrittenReport> {
  mkdirSync(dir, { recursive: true });
  const json = join(dir, `${stem}.json`);
  writeFileSync(json, `${JSON.stringify(result, null, 2)}\n`);
  const charts = await writeCharts(result, dir, stem);
  const markdown = join(dir, `${stem}.md`);
  writeFileSync(
    markdown,
    renderMarkdown(
      result,
      charts.map((c) => basename(c)),
    ),
  );
  return { json, markdown, charts };
}

async function writeCharts(r: BenchResult, dir: string, stem: string): Promise<string[]> {
  const title = `${r.dialect}, scale ${r.scale}`;
  const specs: [string, TopLevelSpec][] = [
    [
      'queries',
      queryChart(
        r.queries.map((q) => ({ query: q.name, beforeMs: q.before.p50Ms, afterMs: q.after.p50Ms })),
        `Hot queries before and after the catalogue (${title})`,
      ),
    ],
  ];
  const w = r.writeImpact;
  if (ran(w))
    specs.push(['writer', writerChart(writerPoints(w), `Writer latency during index builds (${title})`)]);
  const m = r.requestMix;
  if (ran(m))
    specs.push([
      'mix',
      mixChart(
        [m.before, m.after].map((l) => ({
          when: l.when,
          requestsPerSecond: l.requestsPerSecond,
          cpuMsPerRequest: l.cpuMsPer1000Requests / 1000,
        })),
        `Request mix, ${m.before.clients} clients (${title})`,
      ),
    ]);
  specs.push([
    'phases',
    phaseChart(
      r.build.phases.map((p) => ({ phase: p.phase, seconds: p.seconds })),
      `Build time per phase (${title})`,
    ),
  ]);
  const files: string[] = [];
  for (const [name, spec] of specs) {
    const file = join(dir, `${stem}-${name}.svg`);
    writeFileSync(file, await renderSvg(spec));
    files.push(file);
  }
  return files;
}

function writerPoints(w: WriteImpactResult): LatencyPoint[] {
  return w.scenarios.flatMap((s) =>
    s.series.map(([atSeconds, latencyMs]) => ({
      series: s.scenario,
      atSeconds,
      latencyMs: Math.max(latencyMs, 0.01),
    })),
  );
}

function serverMs(m: QueryComparison['before']): string {
  return m.server ? fmt(m.server.planningMs + m.server.executionMs) : 'n/a';
}

function usedIndex(q: QueryComparison): string {
  const after = q.after.indexesUsed.length ? q.after.indexesUsed.join(', ') : '(none)';
  const seq = q.after.seqScans.length ? ` ; seq scan: ${q.after.seqScans.join(', ')}` : '';
  return `${after}${seq}`;
}

export function renderMarkdown(r: BenchResult, chartFiles: readonly string[]): string {
  const out: string[] = [];
  out.push(`# Bench: ${r.dialect}, scale ${r.scale} (${r.tools} tools), ${r.startedAt.slice(0, 10)}`, '');
  out.push(
    `Runs per query: ${r.runs}${r.cheapRuns ? `, then on to ${r.cheapRuns} while a query's timed runs add up to under ${CHEAP_QUERY_BUDGET_MS} ms, on both sides alike (a sub-ms p50 over 15 runs moves by up to 4x with nothing changed; over 100 it is steadier)` : ''}. Seed: ${r.seed}. Started ${r.startedAt}, finished ${r.finishedAt}. ` +
      'Every figure compared below was measured in this same run, on the same data.',
    '',
  );
  out.push('## Machine', '', header(['cpu', 'cores', 'memory GiB', 'os', 'node', 'database']));
  const m = r.machine;
  out.push(row([m.cpuModel, m.cpus, m.memoryGiB, m.os, m.node, m.database]), '');
  const la = (v: readonly number[]): string => v.map((x) => x.toFixed(2)).join(' / ');
  out.push(
    `Load average (1 / 5 / 15 min) of the machine: ${la(r.loadAverage.start)} at the start, ` +
      `${la(r.loadAverage.end)} at the end (${m.cpus} cores; above ${m.cpus}, other work was waiting for CPU).`,
    '',
  );

  out.push('## Load', '', header(['rows', 'seconds', 'rows/s']));
  out.push(row([r.load.rows, r.load.seconds, r.load.rowsPerSecond]), '');
  const seed = r.load.seed;
  if (seed?.reused)
    out.push(
      `This run reused the seed made at ${seed.seededAt} (--reuse-seed; same scale, seed number, schema and ` +
        `data generator ${seed.generator}); the load figures above are that seed's. The earlier runs' ` +
        'indexes, bookkeeping and writer rows were removed first.',
      '',
    );
  if (r.queryBudgetSeconds !== undefined) {
    const fewer = r.queries.filter(
      (q) => (q.before.runs ?? r.runs) < r.runs || (q.after.runs ?? r.runs) < r.runs,
    );
    out.push(
      `Repeat budget: a hot query stops being repeated once its timed runs add up to ${r.queryBudgetSeconds} s ` +
        `(at least 3 runs); ${fewer.length} of ${r.queries.length} queries were timed fewer than ${r.runs} ` +
        `times${fewer.length ? `: ${fewer.map((q) => `${q.name} ${q.before.runs ?? r.runs} before, ${q.after.runs ?? r.runs} after`).join('; ')}` : ''}.`,
      '',
    );
  }
  out.push(
    `Data check: ${r.dataCheck.before} rows in ${r.dataCheck.tables} tables before the first query ` +
      `measurement, ${r.dataCheck.after} after the last (the writer scenarios run afterwards).`,
    '',
  );

  out.push('## Hot queries', '');
  const server = r.queries.some((q) => q.before.server || q.after.server);
  out.push(
    header([
      'query',
      'before p50 ms',
      'before p95 ms',
      'after p50 ms',
      'after p95 ms',
      'speedup',
      ...(server ? ['server ms before → after'] : []),
      'rows',
      'index used after',
    ]),
  );
  for (const q of r.queries) {
    out.push(
      row([
        q.name,
        q.before.p50Ms,
        q.before.p95Ms,
        q.after.p50Ms,
        q.after.p95Ms,
        `${fmt(q.speedup)}x`,
        ...(server ? [`${serverMs(q.before)} → ${serverMs(q.after)}`] : []),
        q.after.rows,
        usedIndex(q),
      ]),
    );
  }
  if (server)
    out.push(
      '',
      "Server ms: PostgreSQL's planning + execution time of the statement (EXPLAIN (ANALYZE, BUFFERS) after " +
        'the timed runs; median of 5 below 10 ms p50, else 1 run); the p50 columns are timed at the client.',
    );
  out.push('', '<details><summary>Plans before and after</summary>', '');
  out.push(header(['query', 'plan before', 'plan after']));
  for (const q of r.queries)
    out.push(row([q.name, q.before.plan.replaceAll('|', '/'), q.after.plan.replaceAll('|', '/')]));
  out.push('', '</details>', '');
  out.push(...renderMisses(r));

  out.push(...renderRequestMix(r.requestMix));

  out.push(
    '## Build',
    '',
    `All phases: ${fmt(r.build.totalSeconds)} s, ${r.build.indexesCreated} indexes created.`,
    '',
  );
  out.push(header(['phase', 'seconds', 'indexes created', 'indexes skipped']));
  for (const p of r.build.phases) out.push(row([p.phase, p.seconds, p.indexesCreated, p.indexesSkipped]));
  out.push('', 'Slowest indexes:', '', header(['index', 'table', 'phase', 'ms']));
  for (const i of [...r.build.indexes].sort((a, b) => b.ms - a.ms).slice(0, 10)) {
    out.push(row([i.index, i.table, i.phase, i.ms]));
  }
  out.push('');

  out.push(...renderEstimates(r.estimates));

  out.push(...renderWriteImpact(r.writeImpact));
  out.push(...renderBuildCost(r.buildCost));
  out.push('## Aims', '', ...aims(r), '');
  out.push('## Charts', '');
  for (const f of chartFiles) out.push(`![${f}](${f})`, '');
  return `${out.join('\n')}\n`;
}

function renderWriteImpact(w: WriteImpactResult | NotRun): string[] {
  const out = ['## Write impact', ''];
  if (!ran(w)) return [...out, `Not run: ${w.notRun}.`, ''];
  out.push(
    `A writer in its own process inserts a tool_metrics row and updates a tool, alternately, every ` +
      `${w.intervalMs} ms, while each scenario runs; latency is per statement.`,
    '',
  );
  out.push(
    header([
      'scenario',
      'what ran',
      'build s',
      'writes',
      'failed',
      'p50 ms',
      'p99 ms',
      'max ms',
      'longest stall ms',
    ]),
  );
  for (const s of w.scenarios) {
    out.push(
      row([
        s.scenario,
        s.what,
        s.buildSeconds,
        s.writes,
        s.failedWrites,
        s.latency.p50,
        s.latency.p99,
        s.latency.max,
        s.longestStallMs,
      ]),
    );
  }
  out.push('');
  return out;
}

function aims(r: BenchResult): string[] {
  const lines: string[] = [];
  const slow = r.queries.filter((q) => q.speedup < 10);
  lines.push(
    `- Every hot query at least 10x faster: ${slow.length === 0 ? 'met' : `not met for ${slow.map((q) => `${q.name} (${fmt(q.speedup)}x)`).join(', ')}`}.`,
  );
  const over = r.queries.filter((q) => q.after.p50Ms >= 1);
  lines.push(
    `- Every hot query under 1 ms at p50 after: ${over.length === 0 ? 'met' : `not met for ${over.map((q) => `${q.name} (${fmt(q.after.p50Ms)} ms)`).join(', ')}`}.`,
  );
  const missed = misses(r);
  if (missed.length > 0)
    lines.push(
      `- Each of the ${missed.length} hot queries short of either aim, with its reason class: "Hot queries short of an aim" above.`,
    );
  lines.push(...mixAims(r));
  lines.push(...estimateAims(r));
  lines.push(...writeAims(r.writeImpact));
  lines.push(...costAims(r));
  return lines;
}

function writeAims(w: WriteImpactResult | NotRun): string[] {
  if (!ran(w)) return [`- Writer latency aims: not run (${w.notRun}).`];
  const lines: string[] = [];
  const by = (s: string) => w.scenarios.find((x) => x.scenario === s);
  const engine = by('engine');
  const direct = by('direct concurrent');
  const blocking = by('blocking transaction');
  if (engine && direct) {
    const ok =
      engine.latency.p99 <= direct.latency.p99 * 1.1 && engine.latency.max <= direct.latency.max * 1.1;
    lines.push(
      `- Writer latency during the engine's builds no worse than during the same statements run directly ` +
        `(p99 ${fmt(engine.latency.p99)} vs ${fmt(direct.latency.p99)} ms, max ${fmt(engine.latency.max)} vs ` +
        `${fmt(direct.latency.max)} ms): ${ok ? 'met' : 'not met'} (10% noise allowance).`,
    );
    lines.push(
      `- Writer max under 100 ms during the engine's builds: ${engine.latency.max < 100 ? 'met' : 'not met'}.`,
    );
  }
  const throttled = by('engine, throttled');
  if (throttled && direct) {
    const less = throttled.latency.p99 < direct.latency.p99 && throttled.latency.max < direct.latency.max;
    lines.push(
      `- Throttled engine (pause between builds, no parallel maintenance workers) vs the same statements run ` +
        `directly: p99 ${fmt(throttled.latency.p99)} vs ${fmt(direct.latency.p99)} ms, max ` +
        `${fmt(throttled.latency.max)} vs ${fmt(direct.latency.max)} ms, build ${fmt(throttled.buildSeconds)} vs ` +
        `${fmt(direct.buildSeconds)} s: writers suffer ${less ? 'less' : 'not less'} in this run.`,
    );
  }
  if (blocking) {
    lines.push(
      `- A blocking build (one transaction) stalls writers: longest stall ${fmt(blocking.longestStallMs)} ms over a ` +
        `${fmt(blocking.buildSeconds)} s build.`,
    );
  }
  return lines;
}
