/**
 * Which of the bench's optional sections a run measures. A section is left out when `--skip` names it,
 * or when `--deadline` is set and the section's predicted time (a number of full catalogue builds, each
 * as long as the run's main apply) would end past it. Either way the result says "not run" and why.
 */
import type { NotRun, OptionalSection } from './bench-result.js';

export interface SectionPlan {
  readonly skip: readonly OptionalSection[];
  /** Epoch ms; undefined: no deadline. */
  readonly deadlineMs?: number;
}

/**
 * Full catalogue builds each section runs, as multiples of the main apply (rollbacks are cheap, counted
 * generously): engine cost = direct + engine at concurrency 1 per fixed-cost round, then engine at
 * concurrency 2; write impact = engine ×3 + direct + blocking + an idle window.
 */
export function sectionBuilds(section: Exclude<OptionalSection, 'mix'>, fixedCostRounds: number): number {
  return section === 'engine-cost' ? 2 * fixedCostRounds + 1.5 : 6;
}

/** Why the section is not run, or undefined when it runs. */
export function notRunReason(
  plan: SectionPlan,
  section: OptionalSection,
  predictedSeconds: number,
  nowMs: number,
): NotRun | undefined {
  if (plan.skip.includes(section)) return { notRun: `left out with --skip ${section}` };
  if (plan.deadlineMs === undefined || nowMs + predictedSeconds * 1000 <= plan.deadlineMs) return undefined;
  const left = Math.max(0, (plan.deadlineMs - nowMs) / 60_000);
  return {
    notRun:
      `predicted to take about ${Math.round(predictedSeconds / 60)} min, past --deadline ` +
      `${new Date(plan.deadlineMs).toISOString()} (${Math.round(left)} min left when it was due to start)`,
  };
}

/** `--deadline`: an ISO time, or HH:MM (UTC, today). */
export function parseDeadline(text: string, now: Date): number {
  const hm = /^(\d{1,2}):(\d{2})$/.exec(text);
  if (hm) {
    const d = new Date(now);
    d.setUTCHours(Number(hm[1]), Number(hm[2]), 0, 0);
    return d.getTime();
  }
  const t = Date.parse(text);
  if (Number.isNaN(t)) throw new Error(`--deadline must be HH:MM (UTC) or an ISO time, got '${text}'`);
  return t;
}

export function parseSkip(text: string | undefined, known: readonly OptionalSection[]): OptionalSection[] {
  if (!text) return [];
  const names = text.split(',').map((s) => s.trim());
  const unknown = names.filter((n) => !known.includes(n as OptionalSection));
  if (unknown.length > 0)
    throw new Error(`--skip: unknown section ${unknown.join(', ')}; use any of ${known.join(', ')}`);
  return names as OptionalSection[];
}
