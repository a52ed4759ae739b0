/**
 * Throttling between builds (`pauseBetweenBuildsMs`): once a build on the database ends, the next one
 * starts no sooner than the pause later, so the application's I/O, WAL shipping and replicas catch up
 * between builds. One pacer per run, shared by every concurrent slot and across phases; the first build
 * of a run does not wait.
 */
import type { Clock } from './clock.js';

export type Turn = 'now' | 'waited' | 'aborted';

export interface Pacer {
  /** Resolves when a build may start: at once ('now'), after a pause ('waited'), or 'aborted'. */
  turn(signal: AbortSignal | undefined): Promise<Turn>;
  /** A build attempt ended (whatever its outcome). */
  buildEnded(): void;
}

/** Milliseconds still to wait before a build may start (0: start now). */
export function pauseLeft(lastEndedAt: number | undefined, now: number, pauseMs: number): number {
  if (lastEndedAt === undefined || pauseMs <= 0) return 0;
  return Math.max(0, lastEndedAt + pauseMs - now);
}

export function createPacer(pauseMs: number, clock: Clock): Pacer {
  let lastEndedAt: number | undefined;
  return {
    async turn(signal) {
      let waited = false;
      // Another slot's build may end while this one waits: wait again from its end.
      for (let left = pauseLeft(lastEndedAt, clock.now(), pauseMs); left > 0;) {
        if (signal?.aborted) return 'aborted';
        try {
          await clock.sleep(left, signal);
        } catch {
          return 'aborted';
        }
        waited = true;
        left = pauseLeft(lastEndedAt, clock.now(), pauseMs);
      }
      return waited ? 'waited' : 'now';
    },
    buildEnded() {
      lastEndedAt = clock.now();
    },
  };
}
