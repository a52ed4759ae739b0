/**
 * A held PostgreSQL runner lock (session-level advisory lock on its own dedicated session), watched by
 * watchLockSession: the lock lives exactly as long as that session.
 */
import type pg from 'pg';
import type { Logger } from '../log.js';
import type { HeldLock } from './dialect.js';
import { LOCK_KEY } from './postgres-session.js';
import { watchLockSession } from './watched-lock-session.js';

export function holdAdvisoryLock(client: pg.Client, target: string, log: Logger | undefined): HeldLock {
  const lock = watchLockSession({
    target,
    log,
    product: 'PostgreSQL',
    ping: () => client.query('SELECT 1'),
    end: () => void client.end().catch(() => undefined),
    unlock: async () => {
      try {
        await client.query('SELECT pg_advisory_unlock($1::bigint)', [LOCK_KEY]);
      } catch (err) {
        // Harmless: ending the session below releases the lock.
        log?.warn({ err, target }, 'runner lock unlock failed; ending its session');
      } finally {
        await client.end().catch(() => undefined);
      }
    },
  });
  client.on('end', () => lock.lose('its PostgreSQL session ended'));
  return lock;
}
