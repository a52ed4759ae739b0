/**
 * Plays kubelet and the Job controller for the fake API server, in process. For each new Job: resolves
 * its container's env (secretKeyRef/configMapKeyRef from the fake server, as kubelet would; a missing
 * Secret or key leaves the Job active and waiting, like a pod in CreateContainerConfigError, until it
 * appears), maps the SQLite claim mount to a local directory, runs the container's args through
 * `runCli(args, io)` against the real database, and writes the Job's status as the Job controller does
 * (startTime + active, then succeeded + Complete with completionTime, or failed + Failed).
 * Each run is a Pod owned by its Job (ownerReference with blockOwnerDeletion, as the Job controller sets
 * it): the run ends when the Pod is deleted (CliIo.signal; kubelet's graceful termination, after which
 * the Pod object goes), not when the Job is. Deleting the Job with propagation Background or Foreground
 * deletes its Pods and so stops the run; Orphan (the default for batch/v1 Jobs without a policy) leaves
 * the Pod running to its end, as on a real cluster. activeDeadlineSeconds ends a run with DeadlineExceeded.
 * Tests can hold a Job (active, not started) and release it, or make the next matching Job fail.
 */
import { Writable } from 'node:stream';
import { posix } from 'node:path';
import { runCli } from '../../src/cli/run-cli.js';
import type { CliIo } from '../../src/cli/cli-io.js';
import type { FakeApiServer } from './fake-api-server.js';
import type { KubeObject, StoredChange } from './fake-store.js';
import { now } from './fake-api-handlers.js';
import { PODS } from './kube-resources.js';

export type CliRunner = (argv: readonly string[], io: CliIo) => Promise<number>;

export interface JobRunnerOptions {
  /** PersistentVolumeClaim name -> local directory holding what the claim holds. */
  readonly claims?: Readonly<Record<string, string>>;
  /** Env every container gets under its own (e.g. LOG_LEVEL). */
  readonly baseEnv?: Readonly<Record<string, string>>;
  /** What runs the container's args; runCli by default. */
  readonly run?: CliRunner;
}

/** Selects Jobs for hold/fail: a name, or a predicate over the Job. */
export type JobSelector = string | ((job: KubeObject) => boolean);

export interface JobRun {
  readonly namespace: string;
  /** The Job's name. */
  readonly name: string;
  /** The Pod running it. */
  readonly pod: string;
  readonly args: readonly string[];
  /** Exit code once finished. */
  exitCode: number | undefined;
  /** Why it ended other than by exiting: 'deleted' (its Pod), 'deadline', 'forced'. */
  endedBy: string | undefined;
  readonly stdout: () => string;
  readonly stderr: () => string;
  readonly finished: Promise<void>;
}

interface Container {
  readonly args?: readonly string[];
  readonly env?: readonly EnvVar[];
  readonly volumeMounts?: readonly { readonly name: string; readonly mountPath: string }[];
}

interface EnvVar {
  readonly name: string;
  readonly value?: string;
  readonly valueFrom?: {
    readonly secretKeyRef?: { readonly name: string; readonly key: string; readonly optional?: boolean };
    readonly configMapKeyRef?: { readonly name: string; readonly key: string; readonly optional?: boolean };
  };
}

interface PodSpec {
  readonly containers?: readonly Container[];
  readonly volumes?: readonly {
    readonly name: string;
    readonly persistentVolumeClaim?: { readonly claimName: string };
  }[];
}

interface JobSpec {
  readonly activeDeadlineSeconds?: number;
  readonly template?: { readonly spec?: PodSpec };
}

function memoryStream(into: string[]): Writable {
  return new Writable({
    write(chunk: Buffer | string, _enc, done) {
      into.push(chunk.toString());
      done();
    },
  });
}

function keyOf(ns: string | undefined, name: string | undefined): string {
  return `${ns ?? ''}/${name ?? ''}`;
}

export class JobRunner {
  /** Every run started, in order. */
  readonly runs: JobRun[] = [];
  /** Jobs waiting for a Secret/ConfigMap key, with kubelet's reason. */
  readonly waiting = new Map<string, string>();
  private readonly handled = new Set<string>();
  /** By Pod key: the run each Pod plays. */
  private readonly aborts = new Map<string, AbortController>();
  /** Job key -> its Pod's name. */
  private readonly pods = new Map<string, string>();
  private readonly held = new Map<string, () => void>();
  private readonly holds: JobSelector[] = [];
  private readonly failures: { selector: JobSelector; message: string }[] = [];
  private readonly unsubscribe: (() => void)[] = [];

  constructor(
    private readonly server: FakeApiServer,
    private readonly options: JobRunnerOptions = {},
  ) {}

  /** Starts running Jobs: those that exist now and every one created later. */
  start(): this {
    this.unsubscribe.push(this.server.onChange('jobs', (c) => this.onJob(c)));
    this.unsubscribe.push(this.server.onChange('pods', (c) => this.onPod(c)));
    this.unsubscribe.push(this.server.onChange('secrets', () => this.retryWaiting()));
    this.unsubscribe.push(this.server.onChange('configmaps', () => this.retryWaiting()));
    for (const job of this.server.list('jobs')) this.consider(job);
    return this;
  }

  /** Stops watching, aborts running Jobs and waits for their runs to end. */
  async stop(): Promise<void> {
    for (const off of this.unsubscribe.splice(0)) off();
    for (const release of this.held.values()) release();
    for (const controller of this.aborts.values()) controller.abort(new Error('job runner stopped'));
    await Promise.all(this.runs.map((r) => r.finished));
  }

  /** Jobs matching the selector are marked active but not started until release(). */
  hold(selector: JobSelector): void {
    this.holds.push(selector);
  }

  /** Starts held Jobs matching the selector (all held Jobs without one) and stops holding them. */
  release(selector?: JobSelector): void {
    if (selector !== undefined) {
      const at = this.holds.indexOf(selector);
      if (at >= 0) this.holds.splice(at, 1);
    } else this.holds.splice(0);
    for (const [key, start] of [...this.held]) {
      const [ns, name] = key.split('/');
      const job = this.server.get('jobs', ns, name ?? '');
      if (!job || selector === undefined || matches(selector, job)) {
        this.held.delete(key);
        start();
      }
    }
  }

  /** The next Job matching the selector fails at once (exit 1, Failed) without running. */
  failNext(selector: JobSelector, message = 'failed by the test'): void {
    this.failures.push({ selector, message });
  }

  runsOf(name: string): JobRun[] {
    return this.runs.filter((r) => r.name === name);
  }

  get heldCount(): number {
    return this.held.size;
  }

  /** Pods of the runner still there (running, or finished and kept until their Job goes). */
  livePods(namespace?: string): KubeObject[] {
    return this.server.list('pods', namespace);
  }

  private onJob(change: StoredChange): void {
    const key = keyOf(change.object.metadata.namespace, change.object.metadata.name);
    if (change.type === 'DELETED') {
      this.waiting.delete(key);
      this.held.delete(key);
      return;
    }
    if (change.type === 'ADDED') this.consider(change.object);
  }

  /** kubelet: a Pod marked for deletion stops its run; once the run ended, the Pod object goes. */
  private onPod(change: StoredChange): void {
    const pod = change.object;
    const key = keyOf(pod.metadata.namespace, pod.metadata.name);
    if (change.type === 'DELETED') {
      this.aborts.get(key)?.abort(new Error('Pod deleted'));
      return;
    }
    if (pod.metadata.deletionTimestamp === undefined) return;
    const run = this.aborts.get(key);
    if (run) run.abort(new Error('Pod deleted'));
    else this.removePod(pod);
  }

  private removePod(pod: KubeObject): void {
    const { namespace, name = '' } = pod.metadata;
    if (!this.server.get('pods', namespace, name)) return;
    this.server.delete('pods', namespace, name, { gracePeriodSeconds: 0 });
  }

  /** The Job controller's Pod for the Job: owned by it, labelled with its name. */
  private createPod(job: KubeObject): KubeObject {
    const name = job.metadata.name ?? '';
    const spec = (job['spec'] ?? {}) as JobSpec;
    const pod = this.server.create('pods', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        generateName: `${name}-`,
        namespace: job.metadata.namespace,
        labels: { 'batch.kubernetes.io/job-name': name, 'job-name': name },
        ownerReferences: [
          {
            apiVersion: 'batch/v1',
            kind: 'Job',
            name,
            uid: job.metadata.uid ?? '',
            controller: true,
            blockOwnerDeletion: true,
          },
        ],
      },
      spec: spec.template?.spec ?? {},
    });
    this.pods.set(keyOf(job.metadata.namespace, name), pod.metadata.name ?? '');
    this.setPodPhase(pod, 'Pending');
    return pod;
  }

  private setPodPhase(pod: KubeObject, phase: string): void {
    const { namespace, name = '' } = pod.metadata;
    const current = this.server.get('pods', namespace, name);
    if (!current) return;
    this.server.handlers.update(PODS, namespace, name, { ...current, status: { phase } }, 'status');
  }

  private consider(job: KubeObject): void {
    const key = keyOf(job.metadata.namespace, job.metadata.name);
    const status = job['status'] as { startTime?: string } | undefined;
    // By uid: a Job deleted and created again under its name is a new Job.
    const uid = job.metadata.uid ?? key;
    if (this.handled.has(uid) || status?.startTime) return;
    this.handled.add(uid);
    this.setStatus(job, { startTime: now(), active: 1, ready: 0 });
    this.createPod(job);
    const failure = this.failures.find((f) => matches(f.selector, job));
    if (failure) {
      this.failures.splice(this.failures.indexOf(failure), 1);
      this.finish(job, 1, failure.message);
      const podName = this.pods.get(key) ?? '';
      const pod = this.server.get('pods', job.metadata.namespace, podName);
      if (pod) this.setPodPhase(pod, 'Failed');
      return;
    }
    if (this.holds.some((s) => matches(s, job))) this.held.set(key, () => this.prepare(job));
    else this.prepare(job);
  }

  private retryWaiting(): void {
    for (const key of [...this.waiting.keys()]) {
      const [ns, name] = key.split('/');
      const job = this.server.get('jobs', ns, name ?? '');
      this.waiting.delete(key);
      if (job) this.prepare(job);
    }
  }

  /** Resolves env as kubelet would; runs when everything it references exists. */
  private prepare(job: KubeObject): void {
    const key = keyOf(job.metadata.namespace, job.metadata.name);
    const spec = (job['spec'] ?? {}) as JobSpec;
    const podSpec = spec.template?.spec ?? {};
    const container = podSpec.containers?.[0];
    if (!container) {
      this.finish(job, 1, 'the Job has no container');
      return;
    }
    const env = this.resolveEnv(job.metadata.namespace ?? '', container.env ?? []);
    if (typeof env === 'string') {
      this.waiting.set(key, `CreateContainerConfigError: ${env}`);
      return;
    }
    this.mapSqliteClaim(env, container, podSpec);
    this.execute(job, container.args ?? [], env, spec.activeDeadlineSeconds);
  }

  /** The env, or kubelet's complaint about a missing Secret/ConfigMap or key. */
  private resolveEnv(namespace: string, vars: readonly EnvVar[]): Record<string, string> | string {
    const env: Record<string, string> = { ...this.options.baseEnv };
    for (const v of vars) {
      const ref = v.valueFrom?.secretKeyRef ?? v.valueFrom?.configMapKeyRef;
      if (!ref) {
        env[v.name] = v.value ?? '';
        continue;
      }
      const isSecret = v.valueFrom?.secretKeyRef !== undefined;
      const source = this.server.get(isSecret ? 'secrets' : 'configmaps', namespace, ref.name);
      const data = (source?.['data'] ?? {}) as Record<string, string>;
      const raw = data[ref.key];
      if (raw === undefined) {
        if (ref.optional) continue;
        const what = isSecret ? 'secret' : 'configmap';
        return source
          ? `couldn't find key ${ref.key} in ${what} ${namespace}/${ref.name}`
          : `${what} "${ref.name}" not found`;
      }
      env[v.name] = isSecret ? Buffer.from(raw, 'base64').toString('utf8') : raw;
    }
    return env;
  }

  /** `sqlite:/data/mcp.db` with /data mounted from claim mcp-data -> `sqlite:<local dir>/mcp.db`. */
  private mapSqliteClaim(env: Record<string, string>, container: Container, podSpec: PodSpec): void {
    const url = env['DATABASE_URL'];
    if (!url?.startsWith('sqlite:')) return;
    const path = url.slice('sqlite:'.length);
    for (const mount of container.volumeMounts ?? []) {
      const claim = podSpec.volumes?.find((v) => v.name === mount.name)?.persistentVolumeClaim?.claimName;
      const local = claim === undefined ? undefined : this.options.claims?.[claim];
      const relative = posix.relative(mount.mountPath, path);
      if (local === undefined || relative.startsWith('..')) continue;
      env['DATABASE_URL'] = `sqlite:${posix.join(local, relative)}`;
      return;
    }
  }

  private execute(
    job: KubeObject,
    args: readonly string[],
    env: Record<string, string>,
    deadlineSeconds?: number,
  ): void {
    const podName = this.pods.get(keyOf(job.metadata.namespace, job.metadata.name)) ?? '';
    const pod = this.server.get('pods', job.metadata.namespace, podName);
    if (!pod || pod.metadata.deletionTimestamp !== undefined) {
      if (pod) this.removePod(pod);
      return;
    }
    const key = keyOf(job.metadata.namespace, podName);
    const controller = new AbortController();
    this.aborts.set(key, controller);
    this.setPodPhase(pod, 'Running');
    const out: string[] = [];
    const err: string[] = [];
    const io: CliIo = {
      stdout: memoryStream(out),
      stderr: memoryStream(err),
      env,
      signal: controller.signal,
    };
    const deadline =
      deadlineSeconds === undefined
        ? undefined
        : setTimeout(() => controller.abort(new Error('deadline')), deadlineSeconds * 1000);
    const run: JobRun = {
      namespace: job.metadata.namespace ?? '',
      name: job.metadata.name ?? '',
      pod: podName,
      args,
      exitCode: undefined,
      endedBy: undefined,
      stdout: () => out.join(''),
      stderr: () => err.join(''),
      finished: (this.options.run ?? runCli)(args, io)
        .catch((e: unknown) => {
          err.push(`job runner: the run threw: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
          return 1;
        })
        .then((code) => {
          clearTimeout(deadline);
          this.aborts.delete(key);
          run.exitCode = code;
          const reason = controller.signal.aborted
            ? String((controller.signal.reason as Error).message)
            : undefined;
          run.endedBy = reason === 'Pod deleted' ? 'deleted' : reason === 'deadline' ? 'deadline' : undefined;
          const current = this.server.get('pods', pod.metadata.namespace, podName);
          if (current?.metadata.deletionTimestamp !== undefined) this.removePod(current);
          else this.setPodPhase(pod, code === 0 ? 'Succeeded' : 'Failed');
          if (run.endedBy === 'deadline')
            this.finish(job, 1, 'Job was active longer than specified deadline', 'DeadlineExceeded');
          else if (run.endedBy !== 'deleted') this.finish(job, code, lastLine(err.join('')));
        }),
    };
    this.runs.push(run);
  }

  /** Writes the final Job status as the Job controller does (not for a Job gone or replaced meanwhile). */
  private finish(job: KubeObject, code: number, message: string, reason = 'BackoffLimitExceeded'): void {
    const current = this.server.get('jobs', job.metadata.namespace, job.metadata.name ?? '');
    if (!current || current.metadata.uid !== job.metadata.uid) return;
    const startTime = (current['status'] as { startTime?: string } | undefined)?.startTime ?? now();
    const at = now();
    const status =
      code === 0
        ? {
            startTime,
            completionTime: at,
            succeeded: 1,
            ready: 0,
            conditions: [{ type: 'Complete', status: 'True', lastProbeTime: at, lastTransitionTime: at }],
          }
        : {
            startTime,
            failed: 1,
            ready: 0,
            conditions: [
              {
                type: 'Failed',
                status: 'True',
                reason,
                message: message || `exit code ${code}`,
                lastProbeTime: at,
                lastTransitionTime: at,
              },
            ],
          };
    this.setStatus(current, status);
  }

  private setStatus(job: KubeObject, status: Record<string, unknown>): void {
    try {
      this.server.setJobStatus(job.metadata.namespace ?? '', job.metadata.name ?? '', status);
    } catch (e) {
      // The Job was deleted meanwhile: nothing to report on.
      if (!(e instanceof Error && 'code' in e && e.code === 404)) throw e;
    }
  }
}

function matches(selector: JobSelector, job: KubeObject): boolean {
  return typeof selector === 'string' ? job.metadata.name === selector : selector(job);
}

function lastLine(text: string): string {
  const lines = text.trim().split('\n');
  return (lines[lines.length - 1] ?? '').slice(0, 1024);
}
