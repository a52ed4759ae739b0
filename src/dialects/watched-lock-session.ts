/**
 * A runner lock that lives exactly as long as its own dedicated session (PostgreSQL's advisory lock,
 * MariaDB's GET_LOCK). The session is watched: its end, or a periodic ping that fails or gets no answer,
 * aborts `lost`, and the session is ended so that the lock is surely gone rather than perhaps still held.
 * The dialect reports the session's own end/error events through `lose`.
 */
import { TransientError } from '../errors.js';
import type { Logger } from '../log.js';
import type { HeldLock } from './dialect.js';
import { withDeadline } from './postgres-connect.js';

/** How often the lock's session is checked while held, and how long a check may take. */
const CHECK_MS = 5_000;
const CHECK_DEADLINE_MS = 15_000;

export interface LockSession {
  readonly target: string;
  readonly log: Logger | undefined;
  /** Names the session in messages, e.g. 'PostgreSQL'. */
  readonly product: string;
  /** A cheap round trip on the lock's session. */
  readonly ping: () => Promise<unknown>;
  /** Ends the session at once, after the lock was lost. */
  readonly end: () => void;
  /** Releases the lock and ends the session, while it is still held. */
  readonly unlock: () => Promise<void>;
  /** Called when the lock stops being held, lost or released. */
  readonly onRelease?: () => void;
}

export interface WatchedLock extends HeldLock {
  /** The lock's session is gone (its end or error event): abort `lost`. */
  readonly lose: (why: string, err?: unknown) => void;
}

export function watchLockSession(s: LockSession): WatchedLock {
  let released = false;
  const lost = new AbortController();
  const lose = (why: string, err?: unknown): void => {
    if (released || lost.signal.aborted) return;
    s.log?.error({ err, target: s.target }, `runner lock lost: ${why}`);
    const message =
      `the runner lock on ${s.target} was lost: ${why}; another runner may hold it now, so no new ` +
      'build starts. Run again: the next run settles what this one left';
    lost.abort(new TransientError(message, { cause: err, reason: 'runner_lock_lost' }));
    s.onRelease?.();
    s.end();
  };
  let timer: NodeJS.Timeout | undefined;
  const check = (): void => {
    withDeadline(s.ping(), CHECK_DEADLINE_MS).then(
      () => {
        if (!released && !lost.signal.aborted) timer = setTimeout(check, CHECK_MS).unref();
      },
      (err: unknown) => lose(`its ${s.product} session does not answer`, err),
    );
  };
  timer = setTimeout(check, CHECK_MS).unref();
  return {
    lost: lost.signal,
    lose,
    release: async () => {
      if (released) return;
      released = true;
      clearTimeout(timer);
      s.onRelease?.();
      if (lost.signal.aborted) return; // its session is already gone, and the lock with it
      await s.unlock();
    },
  };
}
