/**
 * A held PostgreSQL runner lock (session-level advisory lock on its own dedicated session). The lock
 * lives exactly as long as that session, so the session is watched: its end (terminated backend, lost
 * network) or a periodic `SELECT 1` that fails or gets no answer aborts `lost`, and the session is
 * ended so that the lock is surely gone rather than perhaps still held.
 */
import type pg from 'pg';
import { TransientError } from '../errors.js';
import type { Logger } from '../log.js';
import type { HeldLock } from './dialect.js';
import { withDeadline } from './postgres-connect.js';
import { LOCK_KEY } from './postgres-session.js';

/** How often the lock's session is checked while held, and how long a check may take. */
const CHECK_MS = 5_000;
const CHECK_DEADLINE_MS = 15_000;

export function holdAdvisoryLock(client: pg.Client, target: string, log: Logger | undefined): HeldLock {
  let released = false;
  const lost = new AbortController();
  const loseLock = (why: string, err?: unknown): void => {
    if (released || lost.signal.aborted) return;
    log?.error({ err, target }, `runner lock lost: ${why}`);
    const message =
      `the runner lock on ${target} was lost: ${why}; another runner may hold it now, so no new ` +
      'build starts. Run again: the next run settles what this one left';
    lost.abort(new TransientError(message, { cause: err, reason: 'runner_lock_lost' }));
    client.end().catch(() => undefined);
  };
  client.on('end', () => loseLock('its PostgreSQL session ended'));
  let timer: NodeJS.Timeout | undefined;
  const check = (): void => {
    withDeadline(client.query('SELECT 1'), CHECK_DEADLINE_MS).then(
      () => {
        if (!released && !lost.signal.aborted) timer = setTimeout(check, CHECK_MS).unref();
      },
      (err: unknown) => loseLock('its PostgreSQL session does not answer', err),
    );
  };
  timer = setTimeout(check, CHECK_MS).unref();
  return {
    lost: lost.signal,
    release: async () => {
      if (released) return;
      released = true;
      clearTimeout(timer);
      if (lost.signal.aborted) return; // its session is already gone, and the lock with it
      try {
        await client.query('SELECT pg_advisory_unlock($1::bigint)', [LOCK_KEY]);
      } catch (err) {
        // Harmless: ending the session below releases the lock.
        log?.warn({ err, target }, 'runner lock unlock failed; ending its session');
      } finally {
        await client.end().catch(() => undefined);
      }
    },
  };
}
