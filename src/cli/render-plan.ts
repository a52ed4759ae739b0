/** Text rendering of a plan: per phase its checksum state, per index the action and why. */
import type { DroppedFeature, Plan, PlannedIndex, PlannedPhase } from '../engine/engine.js';
import { describeIndex } from './describe-index.js';
import { countSummary, table } from './output.js';

/** applied / pending / drift, or the bookkeeping status when the last run did not succeed. */
export function phaseState(phase: Pick<PlannedPhase, 'drift' | 'applied' | 'status'>): string {
  if (phase.drift) return 'drift';
  if (phase.applied) return 'applied';
  return phase.status;
}

export function renderPlan(plan: Plan): string[] {
  const lines = [`Plan: catalogue ${plan.catalogue} on ${plan.target} (${plan.dialect}); nothing is changed`];
  for (const phase of plan.phases) {
    lines.push('', `phase ${phase.name}: ${phaseState(phase)} (checksum ${phase.checksum.slice(0, 12)})`);
    if (phase.message !== undefined) lines.push(`  ${phase.message}`);
    if (phase.drift && phase.appliedChecksum !== undefined) {
      lines.push(`  the catalogue changed since it was applied (was ${phase.appliedChecksum.slice(0, 12)})`);
    }
    lines.push(...table(phase.indexes.map(indexRow), '  '));
  }
  lines.push('', `Summary: ${countSummary(plan.counts)}`);
  if (plan.counts.conflict > 0) {
    lines.push('Conflicts must be resolved (rename or drop the existing index) before `up` can build those.');
  }
  return lines;
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
};
