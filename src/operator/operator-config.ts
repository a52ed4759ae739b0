/**
 * The `operator` command's flags + environment → typed options. Pure; every problem reported together.
 */
import { Problems, durationFlag, integerFlag, str, type Env, type RawValues } from '../config.js';
import { DEFAULT_JOB_SETTINGS, type JobSettings } from './job-builder.js';
import type { LeaderElectionOptions } from './leader-elector.js';
import { DEFAULT_RESYNC_MS } from './reconciler.js';

export interface OperatorConfig {
  readonly namespaces: readonly string[] | 'all';
  readonly workers: number;
  readonly lease: LeaderElectionOptions;
  readonly bindAddress: string;
  readonly healthPort: number;
  readonly metricsPort: number;
  readonly pollMs: number;
  readonly resyncMs: number;
  readonly kubeconfig: string | undefined;
  readonly jobs: JobSettings;
}

const PORT = { min: 0, max: 65_535 } as const;

export function parseOperatorConfig(
  values: RawValues,
  env: Env,
  hostname: string,
  logLevel: string,
): OperatorConfig {
  const p = new Problems();
  const watch = str(values['watch-namespace']) ?? env['WATCH_NAMESPACE'] ?? '';
  const namespaces = watch
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  const image = str(values['job-image']) ?? env['OPERATOR_IMAGE'];
  if (image === undefined || image === '')
    p.add(
      "--job-image (or OPERATOR_IMAGE) is required: the image the phase Jobs run, normally the operator's own",
    );
  const lease: LeaderElectionOptions = {
    name: str(values['lease-name']) ?? 'index-operator-leader',
    namespace: str(values['lease-namespace']) ?? env['POD_NAMESPACE'] ?? 'default',
    identity: str(values['identity']) ?? env['POD_NAME'] ?? hostname,
    leaseDurationMs: durationFlag('--lease-duration', values['lease-duration'], 15_000, p),
    renewDeadlineMs: durationFlag('--renew-deadline', values['renew-deadline'], 10_000, p),
    retryPeriodMs: durationFlag('--retry-period', values['retry-period'], 2_000, p),
  };
  if (!(lease.retryPeriodMs < lease.renewDeadlineMs && lease.renewDeadlineMs < lease.leaseDurationMs)) {
    p.add('lease timings must satisfy --retry-period < --renew-deadline < --lease-duration');
  }
  const d = DEFAULT_JOB_SETTINGS;
  const config: OperatorConfig = {
    namespaces: namespaces.length === 0 ? 'all' : namespaces,
    workers: integerFlag('--workers', values['workers'], 2, { min: 1, max: 64 }, p),
    lease,
    bindAddress: str(values['bind-address']) ?? '0.0.0.0',
    healthPort: integerFlag('--health-port', values['health-port'], 8081, PORT, p),
    metricsPort: integerFlag('--metrics-port', values['metrics-port'], 8080, PORT, p),
    pollMs: durationFlag('--poll-interval', values['poll-interval'], 5_000, p),
    resyncMs: durationFlag('--resync-period', values['resync-period'], DEFAULT_RESYNC_MS, p),
    kubeconfig: str(values['kubeconfig']),
    jobs: {
      image: image ?? '',
      runAsUser: integerFlag(
        '--job-run-as-user',
        values['job-run-as-user'],
        d.runAsUser,
        { min: 1, max: 2 ** 31 - 1 },
        p,
      ),
      resources: {
        requests: {
          cpu: str(values['job-cpu-request']) ?? d.resources.requests['cpu'] ?? '50m',
          memory: str(values['job-memory-request']) ?? d.resources.requests['memory'] ?? '128Mi',
        },
        limits: {
          cpu: str(values['job-cpu-limit']) ?? d.resources.limits['cpu'] ?? '1',
          memory: str(values['job-memory-limit']) ?? d.resources.limits['memory'] ?? '512Mi',
        },
      },
      ttlSecondsAfterFinished: integerFlag(
        '--job-ttl-seconds',
        values['job-ttl-seconds'],
        d.ttlSecondsAfterFinished,
        { min: 0, max: 31_536_000 },
        p,
      ),
      ...pullPolicy(str(values['job-image-pull-policy']), p),
      ...(str(values['job-service-account']) === undefined
        ? {}
        : { serviceAccountName: str(values['job-service-account']) }),
      logLevel: logLevel === 'silent' ? 'warn' : logLevel,
    },
  };
  p.done();
  return config;
}

const PULL_POLICIES = ['Always', 'IfNotPresent', 'Never'] as const;

/** `--job-image-pull-policy`: unset leaves Kubernetes' default for the image's tag. */
function pullPolicy(value: string | undefined, p: Problems): Pick<JobSettings, 'imagePullPolicy'> {
  if (value === undefined || value === '') return {};
  if (PULL_POLICIES.some((policy) => policy === value)) return { imagePullPolicy: value };
  p.add(`--job-image-pull-policy '${value}' is not one of ${PULL_POLICIES.join(', ')}`);
  return {};
}
