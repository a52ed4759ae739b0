/**
 * The time each CREATE INDEX and ANALYZE statement takes, as its client sees it (from sending it to its
 * result), whoever sends it: the engine on its build session and pool, or the direct side on the pool.
 * Both sides are timed by the same instrument, at the driver, so the time inside the statements and the
 * time outside them (the engine's own steps) can be told apart (measure-fixed-cost.ts).
 *
 * PostgreSQL only: it wraps `pg.Client.prototype.query` while a measurement runs (every pool and
 * dedicated session of the dialect is a `pg.Client`), and restores it after. A bench instrument, not
 * the dialect's own code: the engine records its own build time too (the build row's duration_ms), but
 * that spans more than the statement (the build row's insert, the pre-build checks of the session: see
 * measure-fixed-cost.ts), so it cannot tell the engine's waits from the statement's.
 */
import pg from 'pg';
import { nowMs } from './timer.js';

export interface TimedStatement {
  /** `create:<index>` or `analyze:<tables>` (the pairing key of the two sides). */
  readonly key: string;
  readonly ms: number;
}

export interface StatementClock {
  /** The statements finished since the last take, in finishing order; starts a new list. */
  take(): TimedStatement[];
  /** Puts the driver back as it was. */
  stop(): void;
}

/** What a statement is, as far as the clock cares (undefined: not timed). */
export function statementKey(sql: string): string | undefined {
  const create =
    /^\s*CREATE\s+(?:UNIQUE\s+)?INDEX\s+(?:CONCURRENTLY\s+)?(?:IF\s+NOT\s+EXISTS\s+)?"?([^"\s]+)"?/i.exec(
      sql,
    );
  if (create) return `create:${create[1] ?? ''}`;
  const analyze = /^\s*ANALYZE\s+(.+?)\s*;?\s*$/is.exec(sql);
  if (analyze) return `analyze:${(analyze[1] ?? '').replaceAll('"', '').replace(/\s+/g, '')}`;
  return undefined;
}

type Query = (this: pg.Client, ...args: unknown[]) => unknown;

/** A clock on the PostgreSQL driver; undefined for a dialect it cannot time. */
export function startStatementClock(dialect: string): StatementClock | undefined {
  if (dialect !== 'postgresql') return undefined;
  const proto = pg.Client.prototype as unknown as { query: Query };
  const original = proto.query;
  let done: TimedStatement[] = [];
  proto.query = function timedQuery(this: pg.Client, ...args: unknown[]): unknown {
    const first = args[0];
    const text =
      typeof first === 'string'
        ? first
        : typeof (first as { text?: unknown } | null)?.text === 'string'
          ? (first as { text: string }).text
          : '';
    const key = statementKey(text);
    if (key === undefined) return original.apply(this, args);
    const t0 = nowMs();
    const record = (): void => {
      done.push({ key, ms: nowMs() - t0 });
    };
    const last = args.length - 1;
    const callback = args[last];
    if (typeof callback === 'function') {
      // The pool's form: query(text, values, callback).
      args[last] = (...result: unknown[]): unknown => {
        record();
        return (callback as (...a: unknown[]) => unknown)(...result);
      };
      return original.apply(this, args);
    }
    const pending = original.apply(this, args) as Promise<unknown>;
    return pending.then(
      (r) => {
        record();
        return r;
      },
      (e: unknown) => {
        record();
        throw e;
      },
    );
  };
  return {
    take() {
      const out = done;
      done = [];
      return out;
    },
    stop() {
      proto.query = original;
    },
  };
}
