import type { Catalogue } from '../catalogue/catalogue.js';
import { UsageError } from '../errors.js';
import type { DownOptions, UpOptions } from './engine.js';

const ON_FAILURE = ['rollback-phase', 'rollback-all', 'halt'];

/** PostgreSQL's lock_timeout/statement_timeout and SQLite's busy_timeout are 32-bit milliseconds. */
export const MAX_TIMEOUT_MS = 2_147_483_647;

/** Every problem with the options at once, as one UsageError. */
export function validateRunOptions(o: UpOptions & DownOptions, catalogue: Catalogue): void {
  const problems: string[] = [];
  const check = (ok: boolean, message: string): void => {
    if (!ok) problems.push(message);
  };
  const nonNegative = (v: number | undefined, what: string): void =>
    check(
      v === undefined || (Number.isFinite(v) && v >= 0),
      `${what} must be a number ≥ 0 (got ${String(v)})`,
    );
  check(
    o.concurrency === undefined || (Number.isInteger(o.concurrency) && o.concurrency >= 1),
    `concurrency must be a whole number ≥ 1 (got ${String(o.concurrency)})`,
  );
  const timeout = (v: number | undefined, what: string): void => {
    nonNegative(v, what);
    check(
      v === undefined || v <= MAX_TIMEOUT_MS,
      `${what} must be at most ${MAX_TIMEOUT_MS}ms, the most the database accepts (got ${String(v)})`,
    );
  };
  timeout(o.lockTimeoutMs, 'lock timeout');
  timeout(o.statementTimeoutMs, 'statement timeout');
  timeout(o.busyTimeoutMs, 'busy timeout');
  nonNegative(o.lockWaitMs, 'lock wait');
  nonNegative(o.snapshotWaitMs, 'snapshot wait');
  nonNegative(o.pauseBetweenBuildsMs, 'pause between builds');
  check(
    o.maxParallelMaintenanceWorkers === undefined ||
      (Number.isInteger(o.maxParallelMaintenanceWorkers) &&
        o.maxParallelMaintenanceWorkers >= 0 &&
        o.maxParallelMaintenanceWorkers <= 1024),
    `max parallel maintenance workers must be a whole number from 0 to 1024 (got ${String(o.maxParallelMaintenanceWorkers)})`,
  );
  if (o.retries) {
    check(
      Number.isInteger(o.retries.limit) && o.retries.limit >= 0,
      `retries must be a whole number ≥ 0 (got ${String(o.retries.limit)})`,
    );
    nonNegative(o.retries.backoffMs, 'retry backoff');
  }
  check(
    o.onFailure === undefined || ON_FAILURE.includes(o.onFailure),
    `on-failure must be one of ${ON_FAILURE.join(', ')} (got ${String(o.onFailure)})`,
  );
  check(
    o.maintenanceWorkMem === undefined || /^[1-9][0-9]*\s*(kB|MB|GB|TB)?$/.test(o.maintenanceWorkMem),
    `maintenance work mem must look like 256MB (got ${String(o.maintenanceWorkMem)})`,
  );
  check(
    o.to === undefined || catalogue.phases.some((p) => p.name === o.to),
    `--to names unknown phase '${String(o.to)}'; phases: ${catalogue.phases.map((p) => p.name).join(', ')}`,
  );
  if (problems.length > 0) {
    throw new UsageError(`invalid run options: ${problems.join('; ')}`, { reason: 'invalid_options' });
  }
}
