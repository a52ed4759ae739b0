/**
 * Builds the Job for one step of a migration (apply one phase, roll back, verify, clean up on delete).
 * Pure. Deterministic names (`<migration>-<phase>-g<generation>`, `-r<n>` for the n-th re-run of a phase
 * rolled back outside the operator) let a restarted operator find the Job it created instead of creating
 * a second one.
 */
import { createHash } from 'node:crypto';
import type { Container, KubeJob } from '../kube/kube-client.js';
import { API_VERSION, KIND, type IndexMigration, type IndexMigrationSpec } from './types.js';
import type { JobRequest } from './decide-run.js';
import { databaseEnv, sqliteMountPath } from './database-target.js';
import {
  ANNOTATION_RUN_SPEC,
  LABEL_ATTEMPT,
  LABEL_GENERATION,
  LABEL_JOB_KIND,
  LABEL_MANAGED_BY,
  LABEL_MIGRATION,
  LABEL_PHASE,
  MANAGED_BY,
} from './owned-job.js';

/** Operator-wide settings for the Jobs it creates (flags/env of the `operator` command). */
export interface JobSettings {
  /** The operator's own image: the Job runs the same binary. */
  readonly image: string;
  readonly imagePullPolicy?: string;
  /** Numeric non-root user the Job's pod runs as. */
  readonly runAsUser: number;
  readonly resources: {
    readonly requests: Readonly<Record<string, string>>;
    readonly limits: Readonly<Record<string, string>>;
  };
  /** Used when the spec does not say. */
  readonly ttlSecondsAfterFinished: number;
  /** Service account of the Job's pod (it needs no API access). */
  readonly serviceAccountName?: string;
  readonly logLevel: string;
}

export const DEFAULT_JOB_SETTINGS: JobSettings = {
  image: 'index-operator:latest',
  runAsUser: 10001,
  resources: { requests: { cpu: '50m', memory: '128Mi' }, limits: { cpu: '1', memory: '512Mi' } },
  ttlSecondsAfterFinished: 86_400,
  logLevel: 'info',
};

const MAX_NAME = 63;

export function jobName(
  migration: string,
  request: Pick<JobRequest, 'kind' | 'phase' | 'attempt'>,
  generation: number,
): string {
  const retry = request.attempt === undefined || request.attempt === 0 ? '' : `-r${request.attempt}`;
  const suffix =
    request.kind === 'apply'
      ? `${request.phase ?? 'phase'}-g${generation}${retry}`
      : request.kind === 'cleanup'
        ? 'cleanup'
        : `${request.kind}-g${generation}`;
  const full = `${migration}-${suffix}`;
  if (full.length <= MAX_NAME) return full;
  const hash = createHash('sha256').update(full).digest('hex').slice(0, 6);
  const room = MAX_NAME - suffix.length - hash.length - 2;
  return `${migration.slice(0, room).replace(/-+$/, '')}-${hash}-${suffix}`;
}

/** The `index-operator` command line for a Job. */
export function jobArgs(spec: IndexMigrationSpec, request: JobRequest, logLevel: string): string[] {
  const common = ['--catalogue', spec.catalogue, '--log-level', logLevel];
  switch (request.kind) {
    case 'apply':
      return ['up', '--phases', request.phases.join(','), ...common, ...upFlags(spec)];
    case 'rollback':
    case 'cleanup':
      // --lock-wait: a run that was just stopped (deleted Job) may still hold the database's runner lock.
      return [
        'down',
        '--phases',
        request.phases.join(','),
        ...common,
        '--lock-timeout',
        spec.lockTimeout,
        '--lock-wait',
        '2m',
      ];
    case 'verify':
      // Only the hot queries the selected phases serve are checked; the others are reported as not covered.
      return ['verify', '--phases', spec.phases.join(','), ...common];
  }
}

/**
 * The phase Job never rolls back itself (`--on-failure halt`; the engine still drops an INVALID leftover):
 * the operator owns every rollback, as a `down` Job that spec.onFailure sizes (RollbackPhase: the failed
 * phase; RollbackAll: it and every applied phase; Halt: none). One owner means one rollback per failure,
 * whether the run failed by itself or was stopped (activeDeadlineSeconds, a deleted Job), and the failed
 * run's bookkeeping row still holds its cause and timing when the operator reads it.
 */
const PHASE_JOB_ON_FAILURE = 'halt';

function upFlags(spec: IndexMigrationSpec): string[] {
  const flags = [
    '--concurrency',
    String(spec.concurrency),
    '--lock-timeout',
    spec.lockTimeout,
    '--retries',
    String(spec.retries.limit),
    '--retry-backoff',
    spec.retries.backoff,
    '--on-failure',
    PHASE_JOB_ON_FAILURE,
  ];
  if (spec.statementTimeout !== undefined) flags.push('--statement-timeout', spec.statementTimeout);
  if (spec.pauseBetweenBuilds !== undefined) flags.push('--pause-between-builds', spec.pauseBetweenBuilds);
  if (spec.maxParallelMaintenanceWorkers !== undefined) {
    flags.push('--max-parallel-maintenance-workers', String(spec.maxParallelMaintenanceWorkers));
  }
  return flags;
}

/**
 * The spec fields that decide what a run does, hashed: deletionPolicy only matters when the resource is
 * deleted, so a change of it alone is no new run (see runGeneration in owned-job.ts).
 */
export function runSpecHash(spec: IndexMigrationSpec): string {
  const { deletionPolicy: _deletion, ...run } = spec;
  return createHash('sha256').update(stableJson(run)).digest('hex').slice(0, 16);
}

function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value).sort(([a], [b]) => a.localeCompare(b));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** The Job for the request; its name and generation label carry `generation` (the run's, see runGeneration). */
export function buildJob(
  migration: IndexMigration,
  request: JobRequest,
  settings: JobSettings,
  generation: number = migration.metadata.generation ?? 0,
): KubeJob {
  const meta = migration.metadata;
  const name = meta.name ?? '';
  const labels = {
    [LABEL_MANAGED_BY]: MANAGED_BY,
    [LABEL_MIGRATION]: name,
    [LABEL_JOB_KIND]: request.kind,
    [LABEL_GENERATION]: String(generation),
    ...(request.phase === undefined ? {} : { [LABEL_PHASE]: request.phase }),
    ...(request.attempt === undefined ? {} : { [LABEL_ATTEMPT]: String(request.attempt) }),
  };
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name: jobName(name, request, generation),
      namespace: meta.namespace,
      labels,
      annotations: { [ANNOTATION_RUN_SPEC]: runSpecHash(migration.spec) },
      ownerReferences: [
        {
          apiVersion: API_VERSION,
          kind: KIND,
          name,
          uid: meta.uid ?? '',
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    },
    spec: {
      backoffLimit: 0,
      ...(migration.spec.activeDeadlineSeconds === undefined
        ? {}
        : { activeDeadlineSeconds: migration.spec.activeDeadlineSeconds }),
      ttlSecondsAfterFinished: migration.spec.ttlSecondsAfterFinished ?? settings.ttlSecondsAfterFinished,
      template: { metadata: { labels }, spec: podSpec(migration.spec, request, settings) },
    },
  };
}

const TMP_VOLUME = 'tmp';

type PodSpec = NonNullable<NonNullable<KubeJob['spec']>['template']['spec']>;

function podSpec(spec: IndexMigrationSpec, request: JobRequest, settings: JobSettings): PodSpec {
  const sqlite = spec.database.sqlite;
  const container: Container = {
    name: 'index-operator',
    image: settings.image,
    ...(settings.imagePullPolicy === undefined ? {} : { imagePullPolicy: settings.imagePullPolicy }),
    args: jobArgs(spec, request, settings.logLevel),
    env: [...databaseEnv(spec.database), { name: 'LOG_LEVEL', value: settings.logLevel }],
    resources: settings.resources,
    securityContext: {
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      capabilities: { drop: ['ALL'] },
    },
    volumeMounts: [
      // The root file system is read-only; the image points HOME and TMPDIR here.
      { name: TMP_VOLUME, mountPath: '/tmp' },
      ...(sqlite ? [{ name: 'database', mountPath: sqliteMountPath(sqlite.path) }] : []),
    ],
  };
  return {
    restartPolicy: 'Never',
    automountServiceAccountToken: false,
    ...(settings.serviceAccountName === undefined ? {} : { serviceAccountName: settings.serviceAccountName }),
    securityContext: {
      runAsNonRoot: true,
      runAsUser: settings.runAsUser,
      runAsGroup: settings.runAsUser,
      fsGroup: settings.runAsUser,
      seccompProfile: { type: 'RuntimeDefault' },
    },
    containers: [container],
    volumes: [
      { name: TMP_VOLUME, emptyDir: { sizeLimit: '64Mi' } },
      ...(sqlite ? [{ name: 'database', persistentVolumeClaim: { claimName: sqlite.claimName } }] : []),
    ],
  };
}
