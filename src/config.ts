/**
 * Configuration parsing: flags + environment → typed options. Pure (no I/O); every problem is reported
 * together in one UsageError, so the user fixes them all in one go.
 */
import { MARIADB_SSL_PARAM } from './dialects/mariadb-tls.js';
import { UsageError } from './errors.js';

export const OUTPUT_FORMATS = ['text', 'json'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export const ON_FAILURE_MODES = ['rollback-phase', 'rollback-all', 'halt'] as const;
export type OnFailure = (typeof ON_FAILURE_MODES)[number];

export interface GlobalConfig {
  /** As given (may hold a password: never print it; use redactUrl). Undefined when neither flag nor env. */
  readonly databaseUrl: string | undefined;
  readonly output: OutputFormat;
  readonly catalogue: string | undefined;
  readonly catalogueFile: string | undefined;
  readonly logLevel: LogLevel;
}

/** Raw flag values as node:util parseArgs returns them. */
export type RawValues = Readonly<Record<string, unknown>>;
export type Env = Readonly<Record<string, string | undefined>>;

/** Collects problems; `done()` throws one UsageError listing all of them. */
export class Problems {
  private readonly list: string[] = [];
  add(message: string): void {
    this.list.push(message);
  }
  get count(): number {
    return this.list.length;
  }
  done(): void {
    if (this.list.length === 0) return;
    if (this.list.length === 1) throw new UsageError(this.list[0] ?? '', { reason: 'bad_input' });
    throw new UsageError(`${this.list.length} problems:\n${this.list.map((p) => `  - ${p}`).join('\n')}`, {
      reason: 'bad_input',
    });
  }
}

export function parseGlobalConfig(values: RawValues, env: Env): GlobalConfig {
  const problems = new Problems();
  const config = readGlobalConfig(values, env, problems);
  problems.done();
  return config;
}

/** Like parseGlobalConfig, but adds problems to the caller's list (defaults stand in for bad values). */
export function readGlobalConfig(values: RawValues, env: Env, problems: Problems): GlobalConfig {
  const envUrl = nonEmpty(env['DATABASE_URL']);
  const databaseUrl =
    str(values['database']) ?? (envUrl === undefined ? urlFromLibpqEnv(env) : withTlsFromEnv(envUrl, env));
  const output = oneOf('--output', str(values['output']) ?? 'text', OUTPUT_FORMATS, problems);
  const logLevel = oneOf(
    '--log-level',
    str(values['log-level']) ?? nonEmpty(env['LOG_LEVEL']) ?? 'warn',
    LOG_LEVELS,
    problems,
  );
  const catalogue = str(values['catalogue']);
  const catalogueFile = str(values['catalogue-file']);
  return { databaseUrl, output: output ?? 'text', catalogue, catalogueFile, logLevel: logLevel ?? 'warn' };
}

/** The environment variables a server's connection parts are read from when DATABASE_URL is absent. */
export interface ServerEnvNames {
  readonly host: string;
  readonly port: string;
  readonly user: string;
  readonly password: string;
  readonly database: string;
  /** The TLS mode, passed on as the URL's `tlsParam` query parameter. */
  readonly tls: string;
}

/** libpq's own variables. */
export const LIBPQ_ENV = {
  host: 'PGHOST',
  port: 'PGPORT',
  user: 'PGUSER',
  password: 'PGPASSWORD',
  database: 'PGDATABASE',
  tls: 'PGSSLMODE',
} as const satisfies ServerEnvNames;

/** MariaDB's: the container image's MARIADB_USER/PASSWORD/DATABASE, plus host, port and TLS mode. */
export const MARIADB_ENV = {
  host: 'MARIADB_HOST',
  port: 'MARIADB_PORT',
  user: 'MARIADB_USER',
  password: 'MARIADB_PASSWORD',
  database: 'MARIADB_DATABASE',
  tls: 'MARIADB_SSL_MODE',
} as const satisfies ServerEnvNames;

/** How a URL is composed from each server's variables. */
const SERVER_ENVS = [
  {
    names: LIBPQ_ENV,
    scheme: 'postgres',
    schemes: ['postgres', 'postgresql'],
    port: '5432',
    tlsParam: 'sslmode',
  },
  {
    names: MARIADB_ENV,
    scheme: 'mariadb',
    schemes: ['mariadb', 'mysql'],
    port: '3306',
    tlsParam: MARIADB_SSL_PARAM,
  },
] as const;

/**
 * A server URL from libpq's PGHOST/PGPORT/PGUSER/PGPASSWORD/PGDATABASE/PGSSLMODE, or from MARIADB_HOST/
 * MARIADB_PORT/MARIADB_USER/MARIADB_PASSWORD/MARIADB_DATABASE/MARIADB_SSL_MODE, when DATABASE_URL is
 * absent (the operator's Jobs get these from the database Secret's keys). Undefined without a host.
 */
export function urlFromLibpqEnv(env: Env): string | undefined {
  for (const server of SERVER_ENVS) {
    const host = nonEmpty(env[server.names.host]);
    if (host !== undefined) return composeServerUrl(env, host, server);
  }
  return undefined;
}

/**
 * DATABASE_URL with the TLS mode of its server's variable (PGSSLMODE, MARIADB_SSL_MODE) added when the
 * URL does not set one itself (the URL wins): a Secret's URL key and the resource's sslMode together.
 */
function withTlsFromEnv(url: string, env: Env): string {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(url.trim())?.[1]?.toLowerCase() ?? '';
  const server = SERVER_ENVS.find((s) => (s.schemes as readonly string[]).includes(scheme));
  const tls = server === undefined ? undefined : nonEmpty(env[server.names.tls]);
  if (server === undefined || tls === undefined) return url;
  if (new RegExp(`[?&]${server.tlsParam}=`).test(url)) return url;
  return `${url}${url.includes('?') ? '&' : '?'}${server.tlsParam}=${encodeURIComponent(tls)}`;
}

function composeServerUrl(env: Env, host: string, server: (typeof SERVER_ENVS)[number]): string {
  const names = server.names;
  const enc = (v: string | undefined): string => encodeURIComponent(v ?? '');
  const password = nonEmpty(env[names.password]);
  const auth = `${enc(env[names.user])}${password === undefined ? '' : `:${enc(password)}`}`;
  const port = nonEmpty(env[names.port]) ?? server.port;
  const tls = nonEmpty(env[names.tls]);
  const query = tls === undefined ? '' : `?${server.tlsParam}=${enc(tls)}`;
  return `${server.scheme}://${auth}${auth === '' ? '' : '@'}${host}:${port}/${enc(env[names.database])}${query}`;
}

/** The database URL, or a UsageError saying how to give one. */
export function requireDatabaseUrl(global: GlobalConfig): string {
  if (global.databaseUrl !== undefined) return global.databaseUrl;
  throw new UsageError(
    'no database given: pass --database <url> or set DATABASE_URL (or PGHOST, PGUSER, PGDATABASE…, ' +
      'or MARIADB_HOST, MARIADB_USER, MARIADB_DATABASE…) ' +
      '(postgres://user@host:5432/db, postgresql://…, mariadb://user@host:3306/db, mysql://…, or sqlite:<path>)',
    { reason: 'bad_input' },
  );
}

const DURATION_UNITS_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** `250ms`, `5s`, `2m`, `1h`, `1.5s`, or a bare number of milliseconds. Undefined when malformed. */
export function parseDuration(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (!m?.[1]) return undefined;
  const ms = Number(m[1]) * (DURATION_UNITS_MS[m[2] ?? 'ms'] ?? 1);
  return Number.isFinite(ms) ? Math.round(ms) : undefined;
}

/** Comma-separated list (also repeated flags), trimmed, empty items dropped. */
export function parseList(value: unknown): string[] | undefined {
  if (value === undefined) return undefined;
  const items = Array.isArray(value) ? value : [value];
  return items
    .flatMap((v) => String(v).split(','))
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/** Phase names checked against the catalogue's; unknown ones are problems naming the known phases. */
export function checkPhases(
  flag: string,
  names: readonly string[],
  known: readonly string[],
  problems: Problems,
): string[] {
  const unknown = names.filter((n) => !known.includes(n));
  if (unknown.length > 0) {
    const list = unknown.map((n) => `'${n}'`).join(', ');
    problems.add(
      `${flag}: unknown phase${unknown.length > 1 ? 's' : ''} ${list}; known phases: ${known.join(', ')}`,
    );
  }
  return names.filter((n) => known.includes(n));
}

/**
 * The largest timeout PostgreSQL accepts (lock_timeout, statement_timeout are int milliseconds) and
 * SQLite's busy_timeout too: about 24.8 days.
 */
export const MAX_TIMEOUT_MS = 2_147_483_647;

export function durationFlag(
  flag: string,
  value: unknown,
  fallbackMs: number,
  problems: Problems,
  maxMs: number = Number.MAX_SAFE_INTEGER,
): number {
  const text = str(value);
  if (text === undefined) return fallbackMs;
  const ms = parseDuration(text);
  if (ms === undefined) {
    problems.add(`${flag} '${text}' is not a duration: use e.g. 250ms, 5s, 2m, 1h (0 = none)`);
    return fallbackMs;
  }
  if (ms > maxMs) {
    problems.add(
      `${flag} '${text}' is ${ms}ms, more than the ${maxMs}ms (about ${Math.floor(maxMs / 86_400_000)} days) ` +
        'the database accepts: use a shorter duration',
    );
    return fallbackMs;
  }
  return ms;
}

export function integerFlag(
  flag: string,
  value: unknown,
  fallback: number,
  range: { readonly min: number; readonly max: number },
  problems: Problems,
): number {
  const text = str(value);
  if (text === undefined) return fallback;
  const n = /^\d+$/.test(text.trim()) ? Number(text) : NaN;
  if (!Number.isSafeInteger(n) || n < range.min || n > range.max) {
    problems.add(`${flag} '${text}' must be a whole number from ${range.min} to ${range.max}`);
    return fallback;
  }
  return n;
}

export function oneOf<T extends string>(
  flag: string,
  value: string,
  accepted: readonly T[],
  problems: Problems,
): T | undefined {
  if ((accepted as readonly string[]).includes(value)) return value as T;
  problems.add(`${flag} '${value}' is not accepted: use one of ${accepted.join(', ')}`);
  return undefined;
}

export function str(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (Array.isArray(value) && typeof value[value.length - 1] === 'string')
    return value[value.length - 1] as string;
  return undefined;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

// ------------------------------------------------------------------------------ per-command options

/** PostgreSQL memory setting: a number with an optional unit (kB, MB, GB, TB). */
const MEMORY_PATTERN = /^\d{1,9}(kB|MB|GB|TB)?$/;

export interface PlanConfig {
  readonly phases: readonly string[] | undefined;
  /** --speed-probe-timeout: bound of the estimate's speed probe, ms (0: no probe). */
  readonly speedProbeTimeoutMs: number;
}

export interface RunConfig {
  readonly phases: readonly string[] | undefined;
  readonly lockTimeoutMs: number | undefined;
  readonly statementTimeoutMs: number | undefined;
  readonly maintenanceWorkMem: string | undefined;
  readonly lockWaitMs: number | undefined;
  readonly snapshotWaitMs: number | undefined;
}

export interface UpConfig extends RunConfig {
  readonly concurrency: number | undefined;
  readonly retries: { readonly limit: number; readonly backoffMs: number } | undefined;
  readonly onFailure: OnFailure | undefined;
  /** Throttling: idle time between two builds on the database. */
  readonly pauseBetweenBuildsMs: number | undefined;
  /** PostgreSQL max_parallel_maintenance_workers for builds (0 = none). */
  readonly maxParallelMaintenanceWorkers: number | undefined;
}

export interface DownConfig extends RunConfig {
  /** Roll back the phases newer than this one (it stays applied). */
  readonly to: string | undefined;
}

export interface StatusConfig {
  readonly indexes: boolean;
}

/** Defaults the engine applies when a flag is absent (shown in help; the engine owns the values). */
export interface RunDefaults {
  readonly concurrency: number;
  readonly lockTimeoutMs: number;
  readonly statementTimeoutMs: number;
  readonly lockWaitMs: number;
  readonly retries: { readonly limit: number; readonly backoffMs: number };
}

export function parsePlanConfig(
  values: RawValues,
  knownPhases: readonly string[],
  defaultSpeedProbeTimeoutMs = 0,
): PlanConfig {
  const problems = new Problems();
  const phases = phasesFlag(values, knownPhases, problems);
  const speedProbeTimeoutMs = durationFlag(
    '--speed-probe-timeout',
    values['speed-probe-timeout'],
    defaultSpeedProbeTimeoutMs,
    problems,
    MAX_SPEED_PROBE_TIMEOUT_MS,
  );
  problems.done();
  return { phases, speedProbeTimeoutMs };
}

/** A probe meant to take a fraction of a second is not worth waiting a minute for. */
const MAX_SPEED_PROBE_TIMEOUT_MS = 60_000;

export function parseUpConfig(
  values: RawValues,
  knownPhases: readonly string[],
  defaults: RunDefaults,
): UpConfig {
  const problems = new Problems();
  const run = runFlags(values, knownPhases, problems);
  const concurrency = optional(values['concurrency'], () =>
    integerFlag('--concurrency', values['concurrency'], defaults.concurrency, { min: 1, max: 64 }, problems),
  );
  const limit = optional(values['retries'], () =>
    integerFlag('--retries', values['retries'], defaults.retries.limit, { min: 0, max: 100 }, problems),
  );
  const backoffMs = optional(values['retry-backoff'], () =>
    durationFlag('--retry-backoff', values['retry-backoff'], defaults.retries.backoffMs, problems),
  );
  const retries =
    limit === undefined && backoffMs === undefined
      ? undefined
      : { limit: limit ?? defaults.retries.limit, backoffMs: backoffMs ?? defaults.retries.backoffMs };
  const onFailureText = str(values['on-failure']);
  const onFailure =
    onFailureText === undefined
      ? undefined
      : oneOf('--on-failure', onFailureText, ON_FAILURE_MODES, problems);
  const throttle = throttleFlags(values, problems);
  problems.done();
  return { ...run, concurrency, retries, onFailure, ...throttle };
}

/** PostgreSQL's own upper bound of max_parallel_maintenance_workers. */
const MAX_PARALLEL_MAINTENANCE_WORKERS = 1024;

/** `--pause-between-builds <duration>` and `--max-parallel-maintenance-workers <n>` (up only). */
function throttleFlags(
  values: RawValues,
  problems: Problems,
): Pick<UpConfig, 'pauseBetweenBuildsMs' | 'maxParallelMaintenanceWorkers'> {
  const pause = values['pause-between-builds'];
  const workers = values['max-parallel-maintenance-workers'];
  const range = { min: 0, max: MAX_PARALLEL_MAINTENANCE_WORKERS };
  return {
    pauseBetweenBuildsMs: optional(pause, () => durationFlag('--pause-between-builds', pause, 0, problems)),
    maxParallelMaintenanceWorkers: optional(workers, () =>
      integerFlag('--max-parallel-maintenance-workers', workers, 0, range, problems),
    ),
  };
}

export function parseDownConfig(values: RawValues, knownPhases: readonly string[]): DownConfig {
  const problems = new Problems();
  const run = runFlags(values, knownPhases, problems);
  const toText = str(values['to']);
  const to = toText === undefined ? undefined : checkPhases('--to', [toText], knownPhases, problems)[0];
  if (toText !== undefined && run.phases !== undefined) {
    problems.add(
      '--to and --phases cannot be used together: --to rolls back every phase newer than the one named',
    );
  }
  problems.done();
  return { ...run, to };
}

export function parseStatusConfig(values: RawValues): StatusConfig {
  return { indexes: values['indexes'] === true };
}

function runFlags(values: RawValues, knownPhases: readonly string[], problems: Problems): RunConfig {
  const phases = phasesFlag(values, knownPhases, problems);
  const ms = (flag: string, max?: number): number | undefined =>
    optional(values[flag], () => durationFlag(`--${flag}`, values[flag], 0, problems, max));
  const memory = str(values['maintenance-work-mem']);
  if (memory !== undefined && !MEMORY_PATTERN.test(memory)) {
    problems.add(`--maintenance-work-mem '${memory}' is not a size: use e.g. 64MB, 1GB, 512000kB`);
  }
  return {
    phases,
    lockTimeoutMs: ms('lock-timeout', MAX_TIMEOUT_MS),
    statementTimeoutMs: ms('statement-timeout', MAX_TIMEOUT_MS),
    maintenanceWorkMem: memory !== undefined && MEMORY_PATTERN.test(memory) ? memory : undefined,
    lockWaitMs: ms('lock-wait'),
    snapshotWaitMs: ms('snapshot-wait'),
  };
}

function phasesFlag(
  values: RawValues,
  knownPhases: readonly string[],
  problems: Problems,
): string[] | undefined {
  const names = parseList(values['phases']);
  if (names === undefined) return undefined;
  if (names.length === 0) {
    problems.add(`--phases is empty: name one or more of ${knownPhases.join(', ')} (comma-separated)`);
    return undefined;
  }
  const repeated = [...new Set(names.filter((n, i) => names.indexOf(n) !== i))];
  if (repeated.length > 0) {
    problems.add(
      `--phases names ${repeated.map((n) => `'${n}'`).join(', ')} more than once: name each phase once`,
    );
  }
  return checkPhases('--phases', [...new Set(names)], knownPhases, problems);
}

function optional<T>(raw: unknown, parse: () => T): T | undefined {
  return raw === undefined ? undefined : parse();
}
