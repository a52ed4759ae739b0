/**
 * The IndexMigration resource (`index-operator.io/v1alpha1`): the one place its TypeScript types live.
 *
 * The CRD (crds/index-operator.io_indexmigrations.yaml) is the other half of the contract. The field
 * tables at the bottom (`SPEC_FIELDS`, `STATUS_FIELDS`) are checked against the TS types at compile
 * time (a field added to or removed from a type, or a changed type or optionality, fails `tsc`) and
 * against the CRD's openAPIV3Schema by test/operator/crd-types.test.ts (a changed schema fails the
 * test). Enums and defaults are compared the same way.
 *
 * Spec fields that carry a schema default are non-optional here: the API server fills them in before
 * anyone reads the object. Optional fields are the ones without a default.
 */

import { MARIADB_SSL_MODES, type MariadbSslMode } from '../dialects/mariadb-tls.js';

export const GROUP = 'index-operator.io';
export const VERSION = 'v1alpha1';
export const API_VERSION = `${GROUP}/${VERSION}`;
export const KIND = 'IndexMigration';
export const LIST_KIND = 'IndexMigrationList';
export const PLURAL = 'indexmigrations';
export const SINGULAR = 'indexmigration';
export const SHORT_NAME = 'idxm';
/** `metadata.name` of the CustomResourceDefinition. */
export const CRD_NAME = `${PLURAL}.${GROUP}`;

/** Phase names of the built-in ContextForge catalogue, in apply order. */
export const PHASE_NAMES = [
  'core',
  'rbac',
  'teams',
  'metrics',
  'tokens',
  'sessions',
  'associations',
  'misc',
] as const;
export type PhaseName = (typeof PHASE_NAMES)[number];

export const DIALECTS = ['postgresql', 'sqlite', 'mariadb'] as const;
export type DatabaseDialect = (typeof DIALECTS)[number];

export const ON_FAILURE_POLICIES = ['RollbackPhase', 'RollbackAll', 'Halt'] as const;
export type OnFailurePolicy = (typeof ON_FAILURE_POLICIES)[number];

export const DELETION_POLICIES = ['Retain', 'RollBack'] as const;
export type DeletionPolicy = (typeof DELETION_POLICIES)[number];

/** `status.phase`: where the whole migration is. */
export const MIGRATION_PHASES = [
  'Pending',
  'Running',
  'Succeeded',
  'Failed',
  'RollingBack',
  'RolledBack',
  'Suspended',
] as const;
export type MigrationPhase = (typeof MIGRATION_PHASES)[number];

/** `status.phases[].state`: where one catalogue phase is. */
export const PHASE_STATES = [
  'Pending',
  'Running',
  'Succeeded',
  'Failed',
  'RollingBack',
  'RolledBack',
] as const;
export type PhaseState = (typeof PHASE_STATES)[number];

export const CONDITION_TYPES = ['Ready', 'Progressing', 'Degraded'] as const;
export type ConditionType = (typeof CONDITION_TYPES)[number];

export const CONDITION_STATUSES = ['True', 'False', 'Unknown'] as const;
export type ConditionStatus = (typeof CONDITION_STATUSES)[number];

/** Durations in the spec: a whole number with a unit, e.g. `500ms`, `5s`, `10m`, `1h`. */
export const DURATION_PATTERN = '^[0-9]+(ms|s|m|h)$';
/** Secret and PersistentVolumeClaim names: a DNS-1123 subdomain. */
export const DNS_SUBDOMAIN_PATTERN = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$';
/** Keys inside a Secret (Kubernetes `IsConfigMapKey`). */
export const SECRET_KEY_PATTERN = '^[-._a-zA-Z0-9]+$';

export interface SecretRef {
  /** Name of the Secret in the resource's namespace. */
  readonly name: string;
  /**
   * Key holding a whole URL (`postgres://…`, or `mariadb://…`/`mysql://…` for MariaDB); alternative to
   * userKey + passwordKey + databaseKey.
   */
  readonly urlKey?: string;
  readonly userKey?: string;
  readonly passwordKey?: string;
  readonly databaseKey?: string;
}

export interface PostgresqlDatabase {
  /** Host name of the PostgreSQL server (never a PgBouncer in transaction mode); or `hostKey`. */
  readonly host?: string;
  /** Key in the Secret holding the host name, when `host` is not given. */
  readonly hostKey?: string;
  readonly port: number;
  readonly secretRef: SecretRef;
  /** libpq sslmode. */
  readonly sslMode?: SslMode;
}

export const SSL_MODES = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'] as const;
export type SslMode = (typeof SSL_MODES)[number];

export interface MariadbDatabase {
  /** Host name of the MariaDB server; or `hostKey`. */
  readonly host?: string;
  /** Key in the Secret holding the host name, when `host` is not given. */
  readonly hostKey?: string;
  readonly port: number;
  readonly secretRef: SecretRef;
  /** TLS, in MariaDB Connector/J's words: disable (the default), trust, verify-ca, verify-full. */
  readonly sslMode?: MariadbSslMode;
}

export interface SqliteDatabase {
  /** PersistentVolumeClaim the application's database file lives on. */
  readonly claimName: string;
  /** Absolute path of the database file inside the mounted claim. */
  readonly path: string;
}

export interface DatabaseSpec {
  readonly dialect: DatabaseDialect;
  /** Required when dialect is postgresql. */
  readonly postgresql?: PostgresqlDatabase;
  /** Required when dialect is sqlite. */
  readonly sqlite?: SqliteDatabase;
  /** Required when dialect is mariadb. */
  readonly mariadb?: MariadbDatabase;
}

export interface RetriesSpec {
  /** Attempts per index after the first, for transient failures (lock timeout, deadlock, ...). */
  readonly limit: number;
  /** Wait before the first retry; doubles each attempt. */
  readonly backoff: string;
}

export interface IndexMigrationSpec {
  readonly database: DatabaseSpec;
  /** Built-in catalogue name. */
  readonly catalogue: string;
  /** Phases to apply; always run in catalogue order, whatever the order here. */
  readonly phases: readonly PhaseName[];
  /** Index builds at once (never two on one table). */
  readonly concurrency: number;
  readonly lockTimeout: string;
  readonly statementTimeout?: string;
  /** Idle time between two index builds (`up --pause-between-builds`); absent = no pause. */
  readonly pauseBetweenBuilds?: string;
  /** PostgreSQL 11+ max_parallel_maintenance_workers for the builds, 0–64; absent = the server's setting. */
  readonly maxParallelMaintenanceWorkers?: number;
  readonly retries: RetriesSpec;
  readonly onFailure: OnFailurePolicy;
  /** true: start no new Job (a running one finishes). */
  readonly suspend: boolean;
  /** Run the hot-query suite once the phases are applied. */
  readonly verify: boolean;
  /** What deleting the resource does to the indexes it built. */
  readonly deletionPolicy: DeletionPolicy;
  /** Passed to each phase Job. */
  readonly activeDeadlineSeconds?: number;
  /** Passed to each phase Job. */
  readonly ttlSecondsAfterFinished?: number;
}

/** metav1.Condition. */
export interface Condition {
  readonly type: ConditionType;
  readonly status: ConditionStatus;
  /** CamelCase machine-readable reason. */
  readonly reason: string;
  readonly message: string;
  /** RFC 3339 time. */
  readonly lastTransitionTime: string;
  readonly observedGeneration?: number;
}

/** `status.phases[].rollback.state`: where the rollback of one phase is. */
export const ROLLBACK_STATES = ['Running', 'Succeeded', 'Failed'] as const;
export type RollbackState = (typeof ROLLBACK_STATES)[number];

/** Why a phase's run failed: the first cause, kept after the rollback. */
export interface PhaseFailure {
  /**
   * Bounded class of the cause: the engine's reason (`lock_timeout`, `statement_timeout`, `deadlock`,
   * `unique_violation`, `conflict`, `interrupted`, …), `DeadlineExceeded` when activeDeadlineSeconds
   * stopped the Job, `JobFailed` when the Job failed without a failed build to show for it.
   */
  readonly reason: string;
  /** SQLSTATE (PostgreSQL) or result code (SQLite) of the statement that failed. */
  readonly code?: string;
  /** The index whose build failed (or was running when the Job was stopped). */
  readonly index?: string;
  /** What the engine said: the statement, the error, the session it waited for when it names one. */
  readonly message: string;
}

/** The rollback of a phase (a `down` Job), side by side with the run it undid. */
export interface PhaseRollback {
  readonly state: RollbackState;
  /** The rollback (or cleanup) Job. */
  readonly jobName: string;
  readonly startedAt?: string;
  readonly completedAt?: string;
  readonly durationSeconds?: number;
  /** What the rollback did (e.g. how many indexes it dropped) or why it failed. */
  readonly message?: string;
}

export interface PhaseStatus {
  readonly name: PhaseName;
  readonly state: PhaseState;
  /** Timings and counts of the phase's last run (a failed run's, after its rollback too). */
  readonly startedAt?: string;
  readonly completedAt?: string;
  readonly durationSeconds?: number;
  readonly indexesCreated?: number;
  readonly indexesSkipped?: number;
  /** Failed, rolling back or rolled back: the cause and the rollback's outcome in one line. */
  readonly message?: string;
  /** The Job that runs (or ran) the phase; never the rollback Job (that is `rollback.jobName`). */
  readonly jobName?: string;
  /** Why the phase's run failed (the first cause). */
  readonly failure?: PhaseFailure;
  /** The rollback that followed a failure (of this phase, or of another with onFailure RollbackAll). */
  readonly rollback?: PhaseRollback;
}

export interface ProgressStatus {
  readonly indexesDone: number;
  readonly indexesTotal: number;
  /** The index being built, or '' between builds. */
  readonly current?: string;
  /** `indexesDone/indexesTotal`, e.g. `40/152` (the Progress printer column). */
  readonly summary?: string;
  /**
   * Estimated seconds the builds not done yet still need (the spec's phases, one at a time): table sizes
   * and the build rate this database showed (engine estimate.ts), updated as builds finish. Absent when
   * the operator cannot read the database.
   */
  readonly estimatedRemainingSeconds?: number;
}

export interface IndexMigrationStatus {
  readonly phase?: MigrationPhase;
  readonly observedGeneration?: number;
  readonly conditions?: readonly Condition[];
  readonly phases?: readonly PhaseStatus[];
  readonly progress?: ProgressStatus;
}

export interface OwnerReference {
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  readonly uid: string;
  readonly controller?: boolean;
  readonly blockOwnerDeletion?: boolean;
}

/** The parts of metav1.ObjectMeta the operator reads and writes (timestamps as RFC 3339 strings). */
export interface ObjectMeta {
  readonly name?: string;
  readonly generateName?: string;
  readonly namespace?: string;
  readonly uid?: string;
  readonly resourceVersion?: string;
  readonly generation?: number;
  readonly creationTimestamp?: string;
  readonly deletionTimestamp?: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
  readonly finalizers?: readonly string[];
  readonly ownerReferences?: readonly OwnerReference[];
}

export interface IndexMigration {
  readonly apiVersion: typeof API_VERSION;
  readonly kind: typeof KIND;
  readonly metadata: ObjectMeta;
  readonly spec: IndexMigrationSpec;
  readonly status?: IndexMigrationStatus;
}

/** Defaults the CRD schema applies (checked against the schema's `default`s by a test). */
export const SPEC_DEFAULTS = {
  catalogue: 'contextforge',
  phases: [...PHASE_NAMES],
  concurrency: 2,
  lockTimeout: '5s',
  'retries.limit': 5,
  'retries.backoff': '10s',
  onFailure: 'RollbackPhase',
  suspend: false,
  verify: true,
  deletionPolicy: 'Retain',
  'database.postgresql.port': 5432,
  'database.mariadb.port': 3306,
} as const satisfies Partial<Record<SpecPath, unknown>>;

// ---------------------------------------------------------------------------------------------
// Field tables: the TS types and the CRD schema meet here.

export type SchemaType = 'string' | 'integer' | 'number' | 'boolean' | 'object' | 'array';

/** One field: its JSON-schema type, and whether it may be absent from a stored object. */
export interface FieldSpec {
  readonly type: SchemaType;
  readonly optional: boolean;
}

type KindOf<T> = T extends string
  ? 'string'
  : T extends number
    ? 'integer' | 'number'
    : T extends boolean
      ? 'boolean'
      : T extends readonly unknown[]
        ? 'array'
        : T extends object
          ? 'object'
          : never;

type ElementOf<A> = A extends readonly (infer E)[] ? E : never;

/** Dotted paths of every field of T, array elements as `name[]` (`phases[].state`). */
type FieldPaths<T, P extends string = ''> = {
  [K in keyof T & string]-?:
    | `${P}${K}`
    | (NonNullable<T[K]> extends readonly (infer E)[]
        ? E extends object
          ? FieldPaths<E, `${P}${K}[].`>
          : never
        : NonNullable<T[K]> extends object
          ? FieldPaths<NonNullable<T[K]>, `${P}${K}.`>
          : never);
}[keyof T & string];

type Step<T, S extends string> = S extends `${infer A}[]`
  ? ElementOf<NonNullable<T[A & keyof T]>>
  : NonNullable<T[S & keyof T]>;

type OptionalKey<T, K extends keyof T> = Record<never, never> extends Pick<T, K> ? true : false;

/** The FieldSpec a path must have, derived from the TS type. */
type FieldSpecAt<T, P extends string> = P extends `${infer S}.${infer R}`
  ? FieldSpecAt<Step<T, S>, R>
  : P extends keyof T
    ? { readonly type: KindOf<NonNullable<T[P]>>; readonly optional: OptionalKey<T, P> }
    : never;

/** Exactly one entry per field of T, each with the type and optionality T gives it. */
export type FieldTable<T> = { readonly [P in FieldPaths<T>]: FieldSpecAt<T, P> };

export type SpecPath = FieldPaths<IndexMigrationSpec>;

const REQUIRED_STRING = { type: 'string', optional: false } as const;
const OPTIONAL_STRING = { type: 'string', optional: true } as const;
const REQUIRED_INTEGER = { type: 'integer', optional: false } as const;
const OPTIONAL_INTEGER = { type: 'integer', optional: true } as const;
const REQUIRED_OBJECT = { type: 'object', optional: false } as const;
const OPTIONAL_OBJECT = { type: 'object', optional: true } as const;
const REQUIRED_BOOLEAN = { type: 'boolean', optional: false } as const;

/** Every spec field. `satisfies FieldTable` makes tsc reject a missing, extra or mistyped entry. */
export const SPEC_FIELDS = {
  database: REQUIRED_OBJECT,
  'database.dialect': REQUIRED_STRING,
  'database.postgresql': OPTIONAL_OBJECT,
  'database.postgresql.host': OPTIONAL_STRING,
  'database.postgresql.hostKey': OPTIONAL_STRING,
  'database.postgresql.port': REQUIRED_INTEGER,
  'database.postgresql.secretRef': REQUIRED_OBJECT,
  'database.postgresql.secretRef.name': REQUIRED_STRING,
  'database.postgresql.secretRef.urlKey': OPTIONAL_STRING,
  'database.postgresql.secretRef.userKey': OPTIONAL_STRING,
  'database.postgresql.secretRef.passwordKey': OPTIONAL_STRING,
  'database.postgresql.secretRef.databaseKey': OPTIONAL_STRING,
  'database.postgresql.sslMode': OPTIONAL_STRING,
  'database.sqlite': OPTIONAL_OBJECT,
  'database.sqlite.claimName': REQUIRED_STRING,
  'database.sqlite.path': REQUIRED_STRING,
  'database.mariadb': OPTIONAL_OBJECT,
  'database.mariadb.host': OPTIONAL_STRING,
  'database.mariadb.hostKey': OPTIONAL_STRING,
  'database.mariadb.port': REQUIRED_INTEGER,
  'database.mariadb.secretRef': REQUIRED_OBJECT,
  'database.mariadb.secretRef.name': REQUIRED_STRING,
  'database.mariadb.secretRef.urlKey': OPTIONAL_STRING,
  'database.mariadb.secretRef.userKey': OPTIONAL_STRING,
  'database.mariadb.secretRef.passwordKey': OPTIONAL_STRING,
  'database.mariadb.secretRef.databaseKey': OPTIONAL_STRING,
  'database.mariadb.sslMode': OPTIONAL_STRING,
  catalogue: REQUIRED_STRING,
  phases: { type: 'array', optional: false },
  concurrency: REQUIRED_INTEGER,
  lockTimeout: REQUIRED_STRING,
  statementTimeout: OPTIONAL_STRING,
  pauseBetweenBuilds: OPTIONAL_STRING,
  maxParallelMaintenanceWorkers: OPTIONAL_INTEGER,
  retries: REQUIRED_OBJECT,
  'retries.limit': REQUIRED_INTEGER,
  'retries.backoff': REQUIRED_STRING,
  onFailure: REQUIRED_STRING,
  suspend: REQUIRED_BOOLEAN,
  verify: REQUIRED_BOOLEAN,
  deletionPolicy: REQUIRED_STRING,
  activeDeadlineSeconds: OPTIONAL_INTEGER,
  ttlSecondsAfterFinished: OPTIONAL_INTEGER,
} as const satisfies FieldTable<IndexMigrationSpec>;

/** Every status field, checked the same way. */
export const STATUS_FIELDS = {
  phase: OPTIONAL_STRING,
  observedGeneration: OPTIONAL_INTEGER,
  conditions: { type: 'array', optional: true },
  'conditions[].type': REQUIRED_STRING,
  'conditions[].status': REQUIRED_STRING,
  'conditions[].reason': REQUIRED_STRING,
  'conditions[].message': REQUIRED_STRING,
  'conditions[].lastTransitionTime': REQUIRED_STRING,
  'conditions[].observedGeneration': OPTIONAL_INTEGER,
  phases: { type: 'array', optional: true },
  'phases[].name': REQUIRED_STRING,
  'phases[].state': REQUIRED_STRING,
  'phases[].startedAt': OPTIONAL_STRING,
  'phases[].completedAt': OPTIONAL_STRING,
  'phases[].durationSeconds': { type: 'number', optional: true },
  'phases[].indexesCreated': OPTIONAL_INTEGER,
  'phases[].indexesSkipped': OPTIONAL_INTEGER,
  'phases[].message': OPTIONAL_STRING,
  'phases[].jobName': OPTIONAL_STRING,
  'phases[].failure': OPTIONAL_OBJECT,
  'phases[].failure.reason': REQUIRED_STRING,
  'phases[].failure.code': OPTIONAL_STRING,
  'phases[].failure.index': OPTIONAL_STRING,
  'phases[].failure.message': REQUIRED_STRING,
  'phases[].rollback': OPTIONAL_OBJECT,
  'phases[].rollback.state': REQUIRED_STRING,
  'phases[].rollback.jobName': REQUIRED_STRING,
  'phases[].rollback.startedAt': OPTIONAL_STRING,
  'phases[].rollback.completedAt': OPTIONAL_STRING,
  'phases[].rollback.durationSeconds': { type: 'number', optional: true },
  'phases[].rollback.message': OPTIONAL_STRING,
  progress: OPTIONAL_OBJECT,
  'progress.indexesDone': REQUIRED_INTEGER,
  'progress.indexesTotal': REQUIRED_INTEGER,
  'progress.current': OPTIONAL_STRING,
  'progress.summary': OPTIONAL_STRING,
  'progress.estimatedRemainingSeconds': OPTIONAL_INTEGER,
} as const satisfies FieldTable<IndexMigrationStatus>;

/** The closed sets, by field path, checked against the schema's `enum`s by a test. */
export const FIELD_ENUMS = {
  spec: {
    'database.dialect': DIALECTS,
    'database.postgresql.sslMode': SSL_MODES,
    'database.mariadb.sslMode': MARIADB_SSL_MODES,
    'phases[]': PHASE_NAMES,
    onFailure: ON_FAILURE_POLICIES,
    deletionPolicy: DELETION_POLICIES,
  },
  status: {
    phase: MIGRATION_PHASES,
    'conditions[].type': CONDITION_TYPES,
    'conditions[].status': CONDITION_STATUSES,
    'phases[].name': PHASE_NAMES,
    'phases[].state': PHASE_STATES,
    'phases[].rollback.state': ROLLBACK_STATES,
  },
} as const;
