/**
 * Status helpers: metav1.Condition bookkeeping (lastTransitionTime changes only when the condition's
 * status changes) and building the whole status from a decision's summary.
 */
import { isDeepStrictEqual } from 'node:util';
import { redactUrl } from '../redact.js';
import type {
  Condition,
  ConditionStatus,
  ConditionType,
  IndexMigrationStatus,
  MigrationPhase,
  PhaseStatus,
} from './types.js';

export interface ConditionInput {
  readonly type: ConditionType;
  readonly status: ConditionStatus;
  readonly reason: string;
  readonly message: string;
}

/** Sets one condition; keeps lastTransitionTime when the status did not change. */
export function setCondition(
  conditions: readonly Condition[],
  input: ConditionInput,
  generation: number,
  now: string,
): Condition[] {
  const old = conditions.find((c) => c.type === input.type);
  const lastTransitionTime = old && old.status === input.status ? old.lastTransitionTime : now;
  const next: Condition = { ...input, lastTransitionTime, observedGeneration: generation };
  return [...conditions.filter((c) => c.type !== input.type), next].sort(byType);
}

export function findCondition(
  conditions: readonly Condition[] | undefined,
  type: ConditionType,
): Condition | undefined {
  return conditions?.find((c) => c.type === type);
}

const ORDER: readonly ConditionType[] = ['Ready', 'Progressing', 'Degraded'];
function byType(a: Condition, b: Condition): number {
  return ORDER.indexOf(a.type) - ORDER.indexOf(b.type);
}

/** What a status write says, before conditions are derived from it. */
export interface StatusInput {
  readonly phase: MigrationPhase;
  readonly reason: string;
  readonly message: string;
  readonly degraded: boolean;
  readonly phases?: readonly PhaseStatus[];
  readonly progress?: {
    readonly indexesDone: number;
    readonly indexesTotal: number;
    readonly current: string;
    readonly estimatedRemainingSeconds?: number;
  };
}

const PROGRESSING_PHASES: readonly MigrationPhase[] = ['Running', 'RollingBack'];

/** The three conditions implied by a status input. */
export function conditionsFor(input: StatusInput): ConditionInput[] {
  const { phase, reason, message } = input;
  const ready = phase === 'Succeeded';
  const progressing = PROGRESSING_PHASES.includes(phase);
  return [
    { type: 'Ready', status: ready ? 'True' : 'False', reason: ready ? 'Succeeded' : reason, message },
    { type: 'Progressing', status: progressing ? 'True' : 'False', reason, message },
    {
      type: 'Degraded',
      status: input.degraded ? 'True' : 'False',
      reason: input.degraded ? reason : 'AsExpected',
      message: input.degraded ? message : '',
    },
  ];
}

/** The full status to write: conditions merged into the previous ones, observedGeneration set,
 *  any URL password in a message redacted. */
export function buildStatus(
  previous: IndexMigrationStatus | undefined,
  input: StatusInput,
  generation: number,
  now: string,
): IndexMigrationStatus {
  let conditions: Condition[] = [...(previous?.conditions ?? [])];
  const safe = { ...input, message: redactUrl(input.message) };
  for (const c of conditionsFor(safe)) conditions = setCondition(conditions, c, generation, now);
  const phases =
    input.phases?.map((p) => (p.message === undefined ? p : { ...p, message: redactUrl(p.message) })) ??
    previous?.phases;
  const progress = input.progress
    ? { ...input.progress, summary: `${input.progress.indexesDone}/${input.progress.indexesTotal}` }
    : previous?.progress;
  return {
    phase: input.phase,
    observedGeneration: generation,
    conditions,
    ...(phases === undefined ? {} : { phases }),
    ...(progress === undefined ? {} : { progress }),
  };
}

/** True when writing `next` would change nothing a reader sees (so the write can be skipped). */
export function sameStatus(a: IndexMigrationStatus | undefined, b: IndexMigrationStatus): boolean {
  return isDeepStrictEqual(normalize(a), normalize(b));
}

function normalize(s: IndexMigrationStatus | undefined): unknown {
  if (s === undefined) return undefined;
  return { ...s, conditions: [...(s.conditions ?? [])].sort(byType) };
}
