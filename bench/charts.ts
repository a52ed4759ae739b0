/** Charts for the bench report, drawn by Vega-Lite and rendered to SVG headless (no canvas needed). */
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

export interface QueryTiming {
  readonly query: string;
  readonly beforeMs: number;
  readonly afterMs: number;
}

/** Grouped bars per hot query, before and after, log scale. */
export function queryChart(rows: readonly QueryTiming[], title: string): TopLevelSpec {
  const values = rows.flatMap((r) => [
    { query: r.query, when: 'before', ms: Math.max(r.beforeMs, 0.001) },
    { query: r.query, when: 'after', ms: Math.max(r.afterMs, 0.001) },
  ]);
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title,
    width: 720,
    height: 320,
    data: { values },
    mark: 'bar',
    encoding: {
      x: { field: 'query', type: 'nominal', sort: null, axis: { labelAngle: -50, title: null } },
      xOffset: { field: 'when', sort: ['before', 'after'] },
      y: { field: 'ms', type: 'quantitative', scale: { type: 'log' }, title: 'p50 (ms, log scale)' },
      color: { field: 'when', type: 'nominal', sort: ['before', 'after'], title: null },
    },
  };
}

export interface LatencyPoint {
  readonly series: string;
  readonly atSeconds: number;
  readonly latencyMs: number;
}

/** Writer latency over time, one line per scenario (no build, concurrent build, blocking build). */
export function writerChart(points: readonly LatencyPoint[], title: string): TopLevelSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title,
    width: 720,
    height: 300,
    data: { values: [...points] },
    mark: { type: 'point', size: 6, filled: true, opacity: 0.6 },
    encoding: {
      x: { field: 'atSeconds', type: 'quantitative', title: 'seconds since the scenario started' },
      y: {
        field: 'latencyMs',
        type: 'quantitative',
        scale: { type: 'log' },
        title: 'writer statement latency (ms, log scale)',
      },
      color: { field: 'series', type: 'nominal', title: null },
    },
  };
}

export interface PhaseTiming {
  readonly phase: string;
  readonly seconds: number;
}

export function phaseChart(rows: readonly PhaseTiming[], title: string): TopLevelSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title,
    width: 520,
    height: 260,
    data: { values: [...rows] },
    mark: 'bar',
    encoding: {
      x: { field: 'phase', type: 'nominal', sort: null, title: null },
      y: { field: 'seconds', type: 'quantitative', title: 'build time (s)' },
    },
  };
}

export interface MixBar {
  readonly when: string;
  readonly requestsPerSecond: number;
  readonly cpuMsPerRequest: number;
}

/** Requests/s and database CPU per request of the request mix, before and after, side by side. */
export function mixChart(rows: readonly MixBar[], title: string): TopLevelSpec {
  const bar = (field: keyof MixBar, axis: string) => ({
    width: 260,
    height: 240,
    mark: 'bar' as const,
    encoding: {
      x: { field: 'when', type: 'nominal' as const, sort: ['before', 'after'], title: null },
      y: { field, type: 'quantitative' as const, title: axis },
      color: { field: 'when', type: 'nominal' as const, sort: ['before', 'after'], legend: null },
    },
  });
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title,
    data: { values: [...rows] },
    hconcat: [bar('requestsPerSecond', 'requests/s'), bar('cpuMsPerRequest', 'database CPU ms per request')],
  };
}
