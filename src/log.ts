import { pino, type Logger, type DestinationStream } from 'pino';
import { redactUrl } from './redact.js';

export type { Logger };

/** Paths redacted in every log line, whatever a caller passes. Fixed here, not configurable. */
export const REDACT_PATHS: readonly string[] = [
  'password',
  '*.password',
  'databaseUrl',
  '*.databaseUrl',
  'url',
  '*.url',
  'connectionString',
  '*.connectionString',
  'env.DATABASE_URL',
  'headers.authorization',
];

export interface LogOptions {
  readonly level?: string;
  readonly destination?: DestinationStream;
}

/** The one root logger; built at the entry point and passed down (child loggers carry context). */
export function createLogger(options: LogOptions = {}): Logger {
  const opts = {
    level: options.level ?? 'info',
    base: { name: 'index-operator' },
    redact: { paths: [...REDACT_PATHS], censor: '[redacted]' },
    formatters: { level: (label: string) => ({ level: label }) },
    hooks: {
      // Error messages from drivers can quote the connection string: scrub any URL password.
      logMethod(this: Logger, args: Parameters<Logger['info']>, method: (...a: unknown[]) => void) {
        method.apply(
          this,
          args.map((a) => (typeof a === 'string' ? redactUrl(a) : a)),
        );
      },
    },
    serializers: {
      err: (e: unknown) => serializeError(e),
    },
  };
  return options.destination ? pino(opts, options.destination) : pino(opts);
}

function serializeError(e: unknown): Record<string, unknown> {
  if (!(e instanceof Error)) return { message: redactUrl(String(e)) };
  const out: Record<string, unknown> = {
    type: e.name,
    message: redactUrl(e.message),
    stack: e.stack === undefined ? undefined : redactUrl(e.stack),
  };
  const code = (e as { code?: unknown }).code;
  if (typeof code === 'string') out['code'] = code;
  if (e.cause !== undefined) out['cause'] = serializeError(e.cause);
  return out;
}
