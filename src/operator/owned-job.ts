/**
 * The operator's view of a Job it owns, read from the Job's labels and status. Pure: the reconciler
 * feeds it the Jobs from the informer cache; the decision logic never sees a raw Kubernetes object.
 */
import type { KubeJob } from '../kube/kube-client.js';

export const LABEL_MIGRATION = 'index-operator.io/migration';
export const LABEL_PHASE = 'index-operator.io/phase';
export const LABEL_JOB_KIND = 'index-operator.io/job-kind';
export const LABEL_GENERATION = 'index-operator.io/generation';
/** Apply Jobs: how many earlier apply Jobs of the phase (same generation) succeeded before this one. */
export const LABEL_ATTEMPT = 'index-operator.io/attempt';
export const LABEL_MANAGED_BY = 'app.kubernetes.io/managed-by';
/** Hash of the spec fields that decide what the run does (job-builder.ts runSpecHash). */
export const ANNOTATION_RUN_SPEC = 'index-operator.io/run-spec';
export const MANAGED_BY = 'index-operator';

/** Selector for every Job the operator creates (the Job informer's label selector). */
export const JOB_SELECTOR = `${LABEL_MANAGED_BY}=${MANAGED_BY}`;

/** apply: `up` of one phase; rollback: `down` after a failed phase; verify: the hot-query suite;
 *  cleanup: `down` of everything on deletion with deletionPolicy RollBack. */
export const JOB_KINDS = ['apply', 'rollback', 'verify', 'cleanup'] as const;
export type JobKind = (typeof JOB_KINDS)[number];

export type JobState = 'active' | 'succeeded' | 'failed';

export interface OwnedJob {
  readonly name: string;
  readonly kind: JobKind;
  /** apply: its phase; rollback: the phase whose failure it answers. */
  readonly phase: string | undefined;
  /** Phases the Job's command covers (from its `--phases` argument). */
  readonly phases: readonly string[];
  readonly generation: number;
  /** Apply Jobs: 0 for the first run of the phase at this generation, n for the n-th re-run. */
  readonly attempt: number;
  readonly state: JobState;
  readonly startedAt: string | undefined;
  readonly completedAt: string | undefined;
  /** The Failed condition's message, when failed. */
  readonly message: string | undefined;
  /** The Failed condition's reason, when failed (`DeadlineExceeded`, `BackoffLimitExceeded`, …). */
  readonly reason: string | undefined;
  /** deletionTimestamp set: being removed. */
  readonly deleting: boolean;
  /** The run-spec hash the Job was built from (absent on Jobs of older operator versions). */
  readonly runSpec?: string | undefined;
}

/** Jobs of this migration (by controller owner uid), as OwnedJob, oldest first. */
export function ownedJobs(jobs: readonly KubeJob[], ownerUid: string): OwnedJob[] {
  return jobs
    .filter((j) => j.metadata.ownerReferences?.some((o) => o.uid === ownerUid && o.controller === true))
    .map(toOwnedJob)
    .filter((j): j is OwnedJob => j !== undefined)
    .sort((a, b) => (a.startedAt ?? '').localeCompare(b.startedAt ?? '') || a.name.localeCompare(b.name));
}

export function toOwnedJob(job: KubeJob): OwnedJob | undefined {
  const labels = job.metadata.labels ?? {};
  const kind = JOB_KINDS.find((k) => k === labels[LABEL_JOB_KIND]);
  const name = job.metadata.name;
  if (kind === undefined || name === undefined) return undefined;
  const failed = conditionTrue(job, 'Failed') ?? conditionTrue(job, 'FailureTarget');
  const succeeded = conditionTrue(job, 'Complete') ?? conditionTrue(job, 'SuccessCriteriaMet');
  return {
    name,
    kind,
    phase: labels[LABEL_PHASE],
    phases: phasesArgument(job),
    generation: Number(labels[LABEL_GENERATION] ?? 0),
    attempt: Number(labels[LABEL_ATTEMPT] ?? 0) || 0,
    state: jobState(job),
    startedAt: job.status?.startTime ?? job.metadata.creationTimestamp,
    completedAt: job.status?.completionTime ?? (failed ?? succeeded)?.lastTransitionTime,
    message: failed?.message,
    reason: failed?.reason,
    deleting: job.metadata.deletionTimestamp !== undefined,
    runSpec: job.metadata.annotations?.[ANNOTATION_RUN_SPEC],
  };
}

function conditionTrue(
  job: KubeJob,
  type: string,
): { message?: string; reason?: string; lastTransitionTime?: string } | undefined {
  return job.status?.conditions?.find((c) => c.type === type && c.status === 'True');
}

/**
 * Complete/Failed, or already their interim conditions (Kubernetes 1.31+): SuccessCriteriaMet and
 * FailureTarget are set as soon as the outcome is known, the terminal condition only once the pods have
 * terminated. The command has exited by then (its bookkeeping is written), so the outcome is the same.
 */
export function jobState(job: KubeJob): JobState {
  if (conditionTrue(job, 'Complete') ?? conditionTrue(job, 'SuccessCriteriaMet')) return 'succeeded';
  if (conditionTrue(job, 'Failed') ?? conditionTrue(job, 'FailureTarget')) return 'failed';
  return 'active';
}

function phasesArgument(job: KubeJob): string[] {
  const args = job.spec?.template.spec?.containers[0]?.args ?? [];
  const at = args.indexOf('--phases');
  const value = at >= 0 ? args[at + 1] : undefined;
  return value === undefined ? [] : value.split(',').filter((p) => p.length > 0);
}

/**
 * The generation a run belongs to: the resource's, unless the newest Jobs were built from the same run
 * spec and none of them failed, in which case theirs. So a change that does not touch what a run does
 * (deletionPolicy), or a spec changed and changed back (suspend, then resume), starts no second run and
 * no second verify; a failed run is still tried again by any new generation.
 */
export function runGeneration(jobs: readonly OwnedJob[], generation: number, runSpec: string): number {
  const newest = Math.max(-1, ...jobs.map((j) => j.generation));
  if (newest < 0 || newest >= generation) return generation;
  const latest = jobs.filter((j) => j.generation === newest);
  const same = latest.every((j) => j.runSpec === runSpec && j.state !== 'failed');
  return same ? newest : generation;
}
