/**
 * Configuration parsing: flags + environment → typed options. Pure (no I/O); every problem is reported
 * together in one UsageError, so the user fixes them all in one go.
 */
import { UsageError } from './errors.js';
import { redactUrl } from './redact.js';

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
  const databaseUrl = str(values['database']) ?? nonEmpty(env['DATABASE_URL']);
  const output = oneOf('--output', str(values['output']) ?? 'text', OUTPUT_FORMATS, problems);
  const logLevel = oneOf(
    '--log-level',
    str(values['log-level']) ?? nonEmpty(env['LOG_LEVEL']) ?? 'warn',
    LOG_LEVELS,
    problems,
  );
  const catalogue = str(values['catalogue']);
  const catalogueFile = str(values['catalogue-file']);
  problems.done();
  return { databaseUrl, output: output ?? 'text', catalogue, catalogueFile, logLevel: logLevel ?? 'warn' };
}

/** The database URL, or a UsageError saying how to give one. */
export function requireDatabaseUrl(global: GlobalConfig): string {
  if (global.databaseUrl !== undefined) return global.databaseUrl;
  throw new UsageError(
    'no database given: pass --database <url> or set DATABASE_URL ' +
      '(postgres://user@host:5432/db, postgresql://…, or sqlite:<path>)',
    { reason: 'bad_input' },
  );
}

/**
 * Checks a database URL's shape before anything connects (the dialect checks the rest).
 * Returns a problem message (password redacted) or undefined.
 */
export function checkDatabaseUrl(url: string): string | undefined {
  const shown = redactUrl(url);
  if (/^sqlite:/i.test(url)) {
    return url.slice('sqlite:'.length).replace(/^\/\//, '').length === 0
      ? `database URL '${shown}' has no file path: use sqlite:<path>, e.g. sqlite:./data/app.db`
      : undefined;
  }
  if (!/^postgres(ql)?:\/\//i.test(url)) {
    return `database URL '${shown}' is not supported: use postgres://user@host:5432/db, postgresql://…, or sqlite:<path>`;
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return `database URL '${shown}' is malformed: expected postgres://user[:password]@host[:port]/database`;
  }
  if (parsed.hostname === '')
    return `database URL '${shown}' has no host: expected postgres://user@host:5432/db`;
  if (parsed.port !== '' && !/^\d+$/.test(parsed.port)) return `database URL '${shown}' has a bad port`;
  return undefined;
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

export function durationFlag(flag: string, value: unknown, fallbackMs: number, problems: Problems): number {
  const text = str(value);
  if (text === undefined) return fallbackMs;
  const ms = parseDuration(text);
  if (ms === undefined) {
    problems.add(`${flag} '${text}' is not a duration: use e.g. 250ms, 5s, 2m, 1h (0 = none)`);
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
