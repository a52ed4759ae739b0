/**
 * The bookkeeping store with transient failures retried: a SQLite file locked by another writer
 * (SQLITE_BUSY, after the connection's busy timeout), a PostgreSQL connection that dropped between two
 * statements. Each call is retried with the run's retry policy (limit, doubling backoff with jitter);
 * what still fails is thrown with the attempts said in its message. Every write is idempotent (an
 * upsert, an insert of a new id, an update by id), so a retry after a lost reply does no harm.
 */
import type { Logger } from 'pino';
import type { ClassifiedDbError } from '../dialects/dialect.js';
import { TransientError, failureDetail } from '../errors.js';
import type { BookkeepingStore } from './bookkeeping-store.js';
import type { Clock } from './clock.js';
import type { RetryOptions } from './engine.js';
import { backoffDelay } from './retry.js';

export interface RetryingStoreDeps {
  readonly classify: (e: unknown) => ClassifiedDbError;
  readonly retries: RetryOptions;
  readonly clock: Clock;
  readonly random: () => number;
  readonly log: Logger;
}

export function retryingStore(store: BookkeepingStore, deps: RetryingStoreDeps): BookkeepingStore {
  const retry = <R>(name: string, fn: () => Promise<R>): Promise<R> => withRetries(name, fn, deps);
  return {
    ensureTables: () => retry('ensureTables', () => store.ensureTables()),
    tablesExist: () => retry('tablesExist', () => store.tablesExist()),
    listMigrations: () => retry('listMigrations', () => store.listMigrations()),
    getMigration: (phase) => retry('getMigration', () => store.getMigration(phase)),
    upsertMigration: (row) => retry('upsertMigration', () => store.upsertMigration(row)),
    listBuilds: (phase) => retry('listBuilds', () => store.listBuilds(phase)),
    insertBuild: (row) => retry('insertBuild', () => store.insertBuild(row)),
    finishBuild: (id, finish) => retry('finishBuild', () => store.finishBuild(id, finish)),
    listRunningBuilds: () => retry('listRunningBuilds', () => store.listRunningBuilds()),
    listOwned: (phase) => retry('listOwned', () => store.listOwned(phase)),
    disown: (name) => retry('disown', () => store.disown(name)),
  };
}

async function withRetries<R>(name: string, fn: () => Promise<R>, deps: RetryingStoreDeps): Promise<R> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (e) {
      const classified = deps.classify(e);
      if (classified.errorClass !== 'transient') throw e;
      if (attempt > deps.retries.limit) {
        throw new TransientError(
          `bookkeeping ${name} failed after ${attempt} attempt${attempt === 1 ? '' : 's'}: ${failureDetail(e)}`,
          { cause: e, code: classified.code, reason: classified.reason, detail: failureDetail(e) },
        );
      }
      const delayMs = backoffDelay(attempt, deps.retries.backoffMs, deps.random);
      deps.log.warn(
        { err: e, operation: name, attempt, delayMs, reason: classified.reason },
        `bookkeeping ${name} failed (${classified.reason}); retrying in ${delayMs}ms`,
      );
      await deps.clock.sleep(delayMs);
    }
  }
}
