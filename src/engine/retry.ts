/** Exponential backoff with jitter: backoffMs * 2^(attempt-1), plus up to 50% random on top. */
export function backoffDelay(attempt: number, backoffMs: number, random: () => number): number {
  const base = backoffMs * 2 ** Math.max(0, attempt - 1);
  return Math.round(base * (1 + 0.5 * random()));
}
