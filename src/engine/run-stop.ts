/**
 * Why a run stops starting work before it is done: the caller aborted it (EngineDeps.signal), or the
 * runner lock was lost (its session died: another runner may be running now). Either way no new build
 * starts, running builds finish and are recorded, and nothing is rolled back (an aborted run should stop
 * quickly; after a lost lock, dropping could undo another runner's work). The next run repairs the rest.
 */
import type { Logger } from 'pino';
import { errorMessage } from '../errors.js';
import type { HeldLock } from '../dialects/dialect.js';
import type { RunError } from './engine.js';

export type StopReason = 'aborted' | 'runner_lock_lost';

export interface RunStop {
  /** Aborted by the caller's signal or by a lost runner lock, whichever comes first. */
  readonly signal: AbortSignal;
  /** Stops the run when the lock is lost; returns the function that stops watching. */
  watchLock(lock: HeldLock): () => void;
  /** The run's failure for a phase the stop cut short (`started`) or kept from starting. */
  error(phase: string, started: boolean): RunError;
}

export function createRunStop(callerSignal: AbortSignal | undefined, log: Logger): RunStop {
  const lockLost = new AbortController();
  const signal = callerSignal ? AbortSignal.any([callerSignal, lockLost.signal]) : lockLost.signal;
  return {
    signal,
    watchLock(lock) {
      const onLost = (): void => {
        log.error({ err: lock.lost.reason }, 'runner lock lost: no new build starts; running ones finish');
        lockLost.abort(lock.lost.reason);
      };
      if (lock.lost.aborted) onLost();
      else lock.lost.addEventListener('abort', onLost, { once: true });
      return () => lock.lost.removeEventListener('abort', onLost);
    },
    error(phase, started) {
      if (lockLost.signal.aborted && signal.reason === lockLost.signal.reason) {
        const why = errorMessage(lockLost.signal.reason);
        const message = started ? `phase ${phase} stopped: ${why}` : `phase ${phase} did not start: ${why}`;
        return { message, errorClass: 'transient', reason: 'runner_lock_lost', phase };
      }
      const message = started
        ? `phase ${phase} stopped: the run was aborted`
        : `the run was aborted before phase ${phase} started`;
      return { message, errorClass: 'transient', reason: 'aborted', phase };
    },
  };
}

/** A failure that only stopped the run (nothing to roll back). */
export function isStop(error: RunError): boolean {
  return error.reason === 'aborted' || error.reason === 'runner_lock_lost';
}
