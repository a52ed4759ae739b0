/**
 * A work queue keyed by `namespace/name`, shaped like client-go's rate-limited queue:
 * - a key is queued at most once (de-duplication);
 * - a key handed to a worker is never handed to another until `done(key)`; adding it meanwhile marks
 *   it dirty and it is queued again on `done`;
 * - `addRateLimited(key)` re-adds after a per-key exponential backoff (capped), reset by `forget(key)`.
 */
export interface WorkQueueOptions {
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

/** Capped at a minute: a Secret created or a database brought back is noticed within a minute. */
export const DEFAULT_QUEUE_OPTIONS: WorkQueueOptions = { baseDelayMs: 500, maxDelayMs: 60_000 };

/** Backoff after `failures` consecutive failures (1 = first): base·2^(failures-1), capped. */
export function backoffDelay(failures: number, options: WorkQueueOptions): number {
  const exponent = Math.max(0, Math.min(failures - 1, 30));
  return Math.min(options.baseDelayMs * 2 ** exponent, options.maxDelayMs);
}

export class WorkQueue {
  private readonly ready: string[] = [];
  private readonly queued = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly dirty = new Set<string>();
  private readonly failures = new Map<string, number>();
  private readonly timers = new Map<string, { readonly at: number; readonly timer: NodeJS.Timeout }>();
  private readonly waiters: ((key: string | undefined) => void)[] = [];
  private closed = false;

  constructor(private readonly options: WorkQueueOptions = DEFAULT_QUEUE_OPTIONS) {}

  add(key: string): void {
    if (this.closed) return;
    if (this.processing.has(key)) {
      this.dirty.add(key);
      return;
    }
    if (this.queued.has(key)) return;
    const waiter = this.waiters.shift();
    if (waiter) {
      this.processing.add(key);
      waiter(key);
      return;
    }
    this.queued.add(key);
    this.ready.push(key);
  }

  /** Adds the key after `delayMs`; an earlier pending delayed add wins over a later one. */
  addAfter(key: string, delayMs: number): void {
    if (this.closed) return;
    if (delayMs <= 0) return this.add(key);
    const at = Date.now() + delayMs;
    const pending = this.timers.get(key);
    if (pending && pending.at <= at) return;
    if (pending) clearTimeout(pending.timer);
    const timer = setTimeout(() => {
      this.timers.delete(key);
      this.add(key);
    }, delayMs);
    this.timers.set(key, { at, timer });
  }

  /** Re-adds after this key's next backoff delay; returns the delay in ms. */
  addRateLimited(key: string): number {
    const failures = (this.failures.get(key) ?? 0) + 1;
    this.failures.set(key, failures);
    const delay = backoffDelay(failures, this.options);
    this.addAfter(key, delay);
    return delay;
  }

  /** Clears the key's failure count (call after a successful reconcile). */
  forget(key: string): void {
    this.failures.delete(key);
  }

  failureCount(key: string): number {
    return this.failures.get(key) ?? 0;
  }

  /** Next key to work on, or undefined once the queue is shut down. */
  get(): Promise<string | undefined> {
    if (this.closed) return Promise.resolve(undefined);
    const key = this.ready.shift();
    if (key !== undefined) {
      this.queued.delete(key);
      this.processing.add(key);
      return Promise.resolve(key);
    }
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** The worker finished with the key; a key added meanwhile is queued again. */
  done(key: string): void {
    this.processing.delete(key);
    if (this.dirty.delete(key)) this.add(key);
  }

  /** Stops handing out keys; waiting workers get undefined. Pending delayed adds are dropped. */
  shutdown(): void {
    this.closed = true;
    for (const { timer } of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    for (const waiter of this.waiters.splice(0)) waiter(undefined);
  }

  get length(): number {
    return this.ready.length;
  }

  get isShutDown(): boolean {
    return this.closed;
  }
}
