/**
 * Waits on a condition with a deadline, never a bare sleep: runs check until it stops throwing (or
 * returns true), polling every few milliseconds; after timeoutMs rethrows the last failure.
 */
export async function eventually<T>(
  check: () => T | Promise<T>,
  timeoutMs = 5000,
  intervalMs = 10,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const result = await check();
      if (result !== false) return result;
      throw new Error('condition still false');
    } catch (e) {
      if (Date.now() >= deadline) {
        throw e instanceof Error ? new Error(`not true after ${timeoutMs}ms: ${e.message}`, { cause: e }) : e;
      }
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
