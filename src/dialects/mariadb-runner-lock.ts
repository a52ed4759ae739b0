/**
 * A held MariaDB runner lock: `GET_LOCK()` on its own dedicated session, which lives exactly as long as
 * that session, watched by watchLockSession.
 */
import type { Connection } from 'mariadb';
import type { Logger } from '../log.js';
import type { HeldLock } from './dialect.js';
import { watchLockSession } from './watched-lock-session.js';

export function holdGetLock(
  conn: Connection,
  lockName: string,
  target: string,
  log: Logger | undefined,
  onRelease: () => void,
): HeldLock {
  const lock = watchLockSession({
    target,
    log,
    product: 'MariaDB',
    ping: () => conn.query('SELECT 1'),
    end: () => conn.destroy(),
    onRelease,
    unlock: async () => {
      try {
        await conn.query('DELETE FROM index_operator_lock WHERE session = ?', [conn.threadId ?? 0]);
        await conn.query('SELECT RELEASE_LOCK(?)', [lockName]);
      } catch (err) {
        log?.warn({ err, target }, 'runner lock release failed; ending its session');
      } finally {
        await conn.end().catch(() => conn.destroy());
      }
    },
  });
  conn.on('end', () => lock.lose('its MariaDB session ended'));
  conn.on('error', (err) => lock.lose('its MariaDB session failed', err));
  return lock;
}
