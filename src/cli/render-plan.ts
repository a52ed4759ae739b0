/** Text rendering of a plan: per phase its checksum state, per index the action and why. */
import type {
  BuildModel,
  DroppedFeature,
  Plan,
  PlannedIndex,
  PlannedPhase,
  ProbeReading,
} from '../engine/engine.js';
import { describeIndex } from './describe-index.js';
import { countSummary, formatDuration, table } from './output.js';

/** applied / pending / drift, or the bookkeeping status when the last run did not succeed. */
export function phaseState(phase: Pick<PlannedPhase, 'drift' | 'applied' | 'status'>): string {
  if (phase.drift) return 'drift';
  if (phase.applied) return 'applied';
  return phase.status;
}

export function renderPlan(plan: Plan): string[] {
  const lines = [`Plan: catalogue ${plan.catalogue} on ${plan.target} (${plan.dialect}); nothing is changed`];
  const seconds = new Map(plan.estimate.phases.map((p) => [p.name, p]));
  for (const phase of plan.phases) {
    const estimate = seconds.get(phase.name);
    const time =
      estimate && estimate.builds > 0 ? `, estimated ${formatDuration(estimate.seconds * 1000)}` : '';
    lines.push(
      '',
      `phase ${phase.name}: ${phaseState(phase)} (checksum ${phase.checksum.slice(0, 12)}${time})`,
    );
    if (phase.message !== undefined) lines.push(`  ${phase.message}`);
    if (phase.drift && phase.appliedChecksum !== undefined) {
      lines.push(`  the catalogue changed since it was applied (was ${phase.appliedChecksum.slice(0, 12)})`);
    }
    lines.push(...table(phase.indexes.map(indexRow), '  '));
  }
  lines.push('', `Summary: ${countSummary(plan.counts)}`);
  lines.push(estimateLine(plan));
  if (plan.counts.conflict > 0) {
    lines.push('Conflicts must be resolved (rename or drop the existing index) before `up` can build those.');
  }
  return lines;
}

/** `Estimated build time: 1m 07s for 151 indexes (one at a time; ...)`. */
function estimateLine(plan: Plan): string {
  const builds = plan.estimate.phases.reduce((n, p) => n + p.builds, 0);
  if (builds === 0) return 'Estimated build time: nothing to build';
  const total = formatDuration(plan.estimate.totalSeconds * 1000);
  return `Estimated build time: ${total} for ${builds} index${builds === 1 ? '' : 'es'} (one at a time; ${describeModel(plan.estimate.model)})`;
}

/** Where the build rate comes from, in words, with the speed probe's reading where it ran. */
export function describeModel(m: BuildModel): string {
  const rate =
    `${formatDuration((m.fixedSeconds + m.overheadSeconds) * 1000)} per index + ${(m.bytesPerSecond / 1e6).toFixed(0)} MB/s + ` +
    `${Math.round(m.rowsPerSecond / 1000)}k rows/s, ANALYZE ${analyzeRate(m)}`;
  const probe = m.probe === undefined ? '' : `; ${describeProbe(m.probe)}`;
  const speed = `${m.speedFactor.toFixed(2)}x the default`;
  switch (m.source) {
    case 'default':
      return `default rate of this dialect: ${rate}${probe}`;
    case 'probe':
      return `default rate scaled by the speed probe, ${speed}: ${rate}${probe}`;
    case 'measured':
      return `rate measured on ${m.samples} earlier build${m.samples === 1 ? '' : 's'} of this database, ${speed}: ${rate}${probe}`;
  }
}

/** `speed probe 0.42s against 0.30s at the default rates' speed: 1.40x`, or why there is none. */
function describeProbe(p: ProbeReading): string {
  switch (p.status) {
    case 'measured':
      return `speed probe ${seconds(p.seconds)} against ${seconds(p.referenceSeconds)} at the default rates' speed: ${p.factor.toFixed(2)}x`;
    case 'failed':
      // The reason names the probe: `speed probe failed (57014 statement_timeout): …`, `… ran out of time`.
      return p.reason;
    case 'skipped':
      return `no speed probe: ${p.reason}`;
  }
}

const seconds = (s: number): string => `${s.toFixed(2)}s`;

function analyzeRate(m: BuildModel): string {
  if (m.analyzeIndexEntriesPerSecond !== undefined)
    return `${(m.analyzeIndexEntriesPerSecond / 1e6).toFixed(1)}M index entries/s`;
  return `${(m.analyzeBytesPerSecond / 1e6).toFixed(0)} MB/s`;
}

function indexRow(p: PlannedIndex): string[] {
  const action = p.action === 'rebuild' ? 'invalid→rebuild' : p.action;
  return [action, p.index.name, describeIndex(p.index), note(p)];
}

function note(p: PlannedIndex): string {
  const parts: string[] = [];
  if (p.action === 'exists' && p.existingName !== undefined && p.existingName !== p.index.name) {
    parts.push(`as ${p.existingName}`);
  }
  if (p.reason !== undefined) parts.push(p.reason);
  if ((p.index.serves ?? []).length > 0) parts.push(`serves ${(p.index.serves ?? []).join(', ')}`);
  if (p.dropped.length > 0)
    parts.push(`adapted to this database: ${p.dropped.map((d) => ADAPTED[d]).join(', ')}`);
  return parts.join('; ');
}

/** What each adaptation means, for the plan's notes. */
const ADAPTED: Readonly<Record<DroppedFeature, string>> = {
  include: 'INCLUDE left out (not covering)',
  where: 'WHERE left out (a full index, its predicate columns in the key)',
  desc: 'DESC built ascending',
  prefix: 'TEXT/BLOB key columns indexed by a prefix',
  'boolean-is': '`IS TRUE`/`IS FALSE` (.is_(True)) cannot search its boolean key columns here, `= true` can',
};
