/**
 * The Kubernetes contract the operator uses: the exact calls, on plain JSON shapes (only the fields we
 * read or write). The implementation (client-node-kube-client.ts) is the only code that imports
 * @kubernetes/client-node. Errors: HTTP 409 → TransientError (reason `conflict`), 404 → `undefined`
 * where a read says so, anything else → TransientError (reason `kube_api`) with the status code.
 */
import type { IndexMigration, ObjectMeta } from '../operator/types.js';

export interface EnvVar {
  readonly name: string;
  readonly value?: string;
  readonly valueFrom?: { readonly secretKeyRef: { readonly name: string; readonly key: string } };
}

export interface Container {
  readonly name: string;
  readonly image: string;
  readonly imagePullPolicy?: string;
  readonly args?: readonly string[];
  readonly env?: readonly EnvVar[];
  readonly resources?: {
    readonly requests?: Readonly<Record<string, string>>;
    readonly limits?: Readonly<Record<string, string>>;
  };
  readonly securityContext?: Readonly<Record<string, unknown>>;
  readonly volumeMounts?: readonly {
    readonly name: string;
    readonly mountPath: string;
    readonly readOnly?: boolean;
  }[];
}

export interface KubeJob {
  readonly apiVersion?: 'batch/v1';
  readonly kind?: 'Job';
  readonly metadata: ObjectMeta;
  readonly spec?: {
    readonly backoffLimit?: number;
    readonly activeDeadlineSeconds?: number;
    readonly ttlSecondsAfterFinished?: number;
    readonly template: {
      readonly metadata?: { readonly labels?: Readonly<Record<string, string>> };
      readonly spec?: {
        readonly restartPolicy?: string;
        readonly serviceAccountName?: string;
        readonly automountServiceAccountToken?: boolean;
        readonly securityContext?: Readonly<Record<string, unknown>>;
        readonly containers: readonly Container[];
        readonly volumes?: readonly Readonly<Record<string, unknown>>[];
      };
    };
  };
  readonly status?: {
    readonly active?: number;
    readonly succeeded?: number;
    readonly failed?: number;
    readonly startTime?: string;
    readonly completionTime?: string;
    readonly conditions?: readonly {
      readonly type: string;
      readonly status: string;
      readonly reason?: string;
      readonly message?: string;
      readonly lastTransitionTime?: string;
    }[];
  };
}

export interface KubeSecret {
  readonly metadata: ObjectMeta;
  /** Base64-encoded values, as the API returns them. */
  readonly data?: Readonly<Record<string, string>>;
}

export interface KubeLease {
  readonly apiVersion?: 'coordination.k8s.io/v1';
  readonly kind?: 'Lease';
  readonly metadata: ObjectMeta;
  readonly spec?: {
    readonly holderIdentity?: string;
    readonly leaseDurationSeconds?: number;
    /** RFC 3339 with microseconds (MicroTime). */
    readonly acquireTime?: string;
    readonly renewTime?: string;
    readonly leaseTransitions?: number;
  };
}

export interface KubeEvent {
  readonly metadata: ObjectMeta;
  readonly involvedObject: {
    readonly apiVersion: string;
    readonly kind: string;
    readonly name: string;
    readonly namespace: string;
    readonly uid: string;
    readonly resourceVersion?: string;
  };
  readonly type: 'Normal' | 'Warning';
  readonly reason: string;
  readonly message: string;
  readonly source: { readonly component: string };
  readonly firstTimestamp: string;
  readonly lastTimestamp: string;
  readonly count: number;
  readonly reportingComponent: string;
  readonly reportingInstance: string;
}

/** A cache kept in sync by list + watch; restarts itself (with backoff) when the watch fails. */
export interface ObjectWatch<T> {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** True once the first list of every namespace was loaded. */
  readonly synced: boolean;
  list(): readonly T[];
  get(namespace: string, name: string): T | undefined;
}

export interface WatchHandlers<T> {
  /** Added, updated or deleted (deleted objects are passed with their last state). */
  onChange(obj: T, deleted: boolean): void;
  /** The watch failed and will be restarted after `retryInMs`. */
  onError(err: unknown, retryInMs: number): void;
}

export interface KubeClient {
  /** Where we talk to (server URL), for logs. */
  readonly server: string;

  watchMigrations(
    namespaces: readonly string[] | 'all',
    handlers: WatchHandlers<IndexMigration>,
  ): ObjectWatch<IndexMigration>;
  watchJobs(
    namespaces: readonly string[] | 'all',
    labelSelector: string,
    handlers: WatchHandlers<KubeJob>,
  ): ObjectWatch<KubeJob>;

  getMigration(namespace: string, name: string): Promise<IndexMigration | undefined>;
  /** PUT of the whole object (metadata changes such as finalizers); 409 on a stale resourceVersion. */
  replaceMigration(migration: IndexMigration): Promise<IndexMigration>;
  /** PUT of the status subresource; 409 on a stale resourceVersion. */
  replaceMigrationStatus(migration: IndexMigration): Promise<IndexMigration>;

  /** Creates the Job; 'exists' when one with that name is already there (409 AlreadyExists). */
  createJob(namespace: string, job: KubeJob): Promise<'created' | 'exists'>;
  /** Deletes with propagationPolicy Foreground (the Job goes once its pods have); a missing Job is fine. */
  deleteJob(namespace: string, name: string): Promise<void>;

  getSecret(namespace: string, name: string): Promise<KubeSecret | undefined>;

  createEvent(namespace: string, event: KubeEvent): Promise<void>;

  getLease(namespace: string, name: string): Promise<KubeLease | undefined>;
  /** 'conflict' when another replica created it first. */
  createLease(namespace: string, lease: KubeLease): Promise<KubeLease | 'conflict'>;
  /** 'conflict' when the resourceVersion is stale (another replica wrote it). */
  replaceLease(namespace: string, lease: KubeLease): Promise<KubeLease | 'conflict'>;
}
