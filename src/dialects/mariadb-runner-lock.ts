/**
 * A held MariaDB runner lock: `GET_LOCK()` on its own dedicated session, which lives exactly as long as
 * that session. The session is watched: its end (killed, lost network) or a periodic `SELECT 1` that
 * fails or gets no answer aborts `lost`, and the session is destroyed so the lock is surely gone.
 */
import type { Connection } from 'mariadb';
import { TransientError } from '../errors.js';
import type { Logger } from '../log.js';
import type { HeldLock } from './dialect.js';
import { withDeadline } from './postgres-connect.js';

const CHECK_MS = 5_000;
const CHECK_DEADLINE_MS = 15_000;

export function holdGetLock(
  conn: Connection,
  lockName: string,
  target: string,
  log: Logger | undefined,
  onRelease: () => void,
): HeldLock {
  let released = false;
  const lost = new AbortController();
  const loseLock = (why: string, err?: unknown): void => {
    if (released || lost.signal.aborted) return;
    log?.error({ err, target }, `runner lock lost: ${why}`);
    const message =
      `the runner lock on ${target} was lost: ${why}; another runner may hold it now, so no new ` +
      'build starts. Run again: the next run settles what this one left';
    lost.abort(new TransientError(message, { cause: err, reason: 'runner_lock_lost' }));
    onRelease();
    conn.destroy();
  };
  conn.on('end', () => loseLock('its MariaDB session ended'));
  conn.on('error', (err) => loseLock('its MariaDB session failed', err));
  let timer: NodeJS.Timeout | undefined;
  const check = (): void => {
    withDeadline(conn.query('SELECT 1'), CHECK_DEADLINE_MS).then(
      () => {
        if (!released && !lost.signal.aborted) timer = setTimeout(check, CHECK_MS).unref();
      },
      (err: unknown) => loseLock('its MariaDB session does not answer', err),
    );
  };
  timer = setTimeout(check, CHECK_MS).unref();
  return {
    lost: lost.signal,
    release: async () => {
      if (released) return;
      released = true;
      clearTimeout(timer);
      onRelease();
      if (lost.signal.aborted) return;
      try {
        await conn.query('DELETE FROM index_operator_lock WHERE session = ?', [conn.threadId ?? 0]);
        await conn.query('SELECT RELEASE_LOCK(?)', [lockName]);
      } catch (err) {
        log?.warn({ err, target }, 'runner lock release failed; ending its session');
      } finally {
        await conn.end().catch(() => conn.destroy());
      }
    },
  };
}
