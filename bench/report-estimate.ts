/** The estimate-vs-actual section of the bench report, and its aim. */
import { ran, type BenchResult, type EstimateVsActual, type NotRun } from './bench-result.js';
import { fmt, header, row } from './markdown.js';

/** Issue 16's aim: the total estimate within ±30% of the actual build (stated at 1m). */
export const ESTIMATE_AIM_PCT = 30;

/** Signed error of an estimate against the actual time, percent of the actual. */
export const errorPct = (estimate: number, actual: number): number => (100 * (estimate - actual)) / actual;

export function renderEstimates(e: EstimateVsActual | NotRun): string[] {
  const out: string[] = ['## Estimated build time', ''];
  if (!ran(e)) return [...out, `Not run: ${e.notRun}.`, ''];
  out.push(
    `What \`plan\` estimated, against ${e.actualWhat}. First: \`plan\` on the freshly seeded database ` +
      `(${firstSource(e)}). Refined: \`plan\` just before that run, scaled by the ` +
      `${e.refinedSamples} builds this database recorded earlier in the bench (speed factor ` +
      `${fmt(e.refinedSpeedFactor)}).`,
    '',
  );
  out.push(
    header([
      'phase',
      'indexes',
      'first estimate s',
      'refined estimate s',
      'actual s',
      'first error %',
      'refined error %',
    ]),
  );
  for (const p of e.phases)
    out.push(
      row([
        p.phase,
        p.builds,
        p.firstEstimateSeconds,
        p.estimateSeconds,
        p.actualSeconds,
        signed(errorPct(p.firstEstimateSeconds, p.actualSeconds)),
        signed(errorPct(p.estimateSeconds, p.actualSeconds)),
      ]),
    );
  out.push(
    row([
      'total',
      e.phases.reduce((n, p) => n + p.builds, 0),
      e.firstEstimateSeconds,
      e.estimateSeconds,
      e.actualSeconds,
      signed(errorPct(e.firstEstimateSeconds, e.actualSeconds)),
      signed(errorPct(e.estimateSeconds, e.actualSeconds)),
    ]),
    '',
  );
  return out;
}

/** The first estimate's rate: the defaults, scaled by the speed probe where it ran. */
function firstSource(e: EstimateVsActual): string {
  const probe = e.first?.probe;
  if (probe === undefined) return "the dialect's default build cost";
  if (probe.status === 'measured')
    return (
      `the dialect's default build cost scaled by the speed probe: ${fmt(probe.seconds)} s against ` +
      `${fmt(probe.referenceSeconds)} s at the defaults' speed, ${fmt(probe.factor)}x`
    );
  return `the dialect's default build cost; speed probe ${probe.status}: ${probe.reason}`;
}

const signed = (n: number): string => `${n >= 0 ? '+' : ''}${fmt(n)}`;

export function estimateAims(r: BenchResult): string[] {
  const e = r.estimates;
  const aim = `- Estimated build time within ±${ESTIMATE_AIM_PCT}% in total (aim set at 1m; this run: ${r.scale})`;
  if (!ran(e)) return [`${aim}: not run (${e.notRun}).`];
  const first = errorPct(e.firstEstimateSeconds, e.actualSeconds);
  const refined = errorPct(e.estimateSeconds, e.actualSeconds);
  const ok = (x: number): string => (Math.abs(x) <= ESTIMATE_AIM_PCT ? 'met' : 'not met');
  return [
    `${aim}: first estimate ${ok(first)} (${fmt(e.firstEstimateSeconds)} s vs ${fmt(e.actualSeconds)} s, ` +
      `${signed(first)}%), refined estimate ${ok(refined)} (${fmt(e.estimateSeconds)} s, ${signed(refined)}%).`,
  ];
}
