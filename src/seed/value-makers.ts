/**
 * Deterministic building blocks of the synthetic data: a seeded PRNG, ids, emails, timestamps. The same
 * seed gives the same rows on every dialect and every run.
 */
/** mulberry32: small, fast, good enough for synthetic data. Returns 0 ≤ x < 1. */
export type Rng = () => number;

export function rng(seed: number, salt: string): Rng {
  let a = (seed ^ fnv1a(salt)) >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

const TAGS = new Map<string, string>();

/** A UUID-shaped id (36 characters) for row `i` of `space` (a table, or a table.column). */
export function uuidFor(space: string, i: number): string {
  let tag = TAGS.get(space);
  if (tag === undefined) {
    tag = fnv1a(space).toString(16).padStart(8, '0');
    TAGS.set(space, tag);
  }
  return `${tag}-0000-4000-8000-${i.toString(16).padStart(12, '0')}`;
}

export function emailFor(i: number): string {
  return `user${String(i).padStart(6, '0')}@example.com`;
}

/** The data set's "now": fixed, so a seed is reproducible; activity spreads over the 30 days before. */
export const ANCHOR_MS = Date.UTC(2026, 5, 1);
export const DAY_MS = 86_400_000;

export function timestampBefore(r: Rng, days: number): string {
  return timestampText(ANCHOR_MS - Math.floor(r() * days * DAY_MS));
}

export function timestampAround(r: Rng, days: number): string {
  return timestampText(ANCHOR_MS + Math.floor((r() * 2 - 1) * days * DAY_MS));
}

const DAY_PREFIXES = new Map<number, string>();
const PAD2 = Array.from({ length: 100 }, (_, i) => String(i).padStart(2, '0'));
const PAD3 = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'));

/**
 * `YYYY-MM-DD HH:MM:SS.ffffff` (UTC) of an epoch-ms time, the text formatTimestamp (sample-param.ts)
 * writes, without building a Date and two ISO strings per value: the generator's hottest path. The date
 * part is cached per day (the data spans a few weeks).
 */
export function timestampText(ms: number): string {
  const day = Math.floor(ms / DAY_MS);
  let prefix = DAY_PREFIXES.get(day);
  if (prefix === undefined) {
    prefix = `${new Date(day * DAY_MS).toISOString().slice(0, 10)} `;
    DAY_PREFIXES.set(day, prefix);
  }
  let rest = ms - day * DAY_MS;
  const hours = Math.floor(rest / 3_600_000);
  rest -= hours * 3_600_000;
  const minutes = Math.floor(rest / 60_000);
  rest -= minutes * 60_000;
  const seconds = Math.floor(rest / 1000);
  const millis = rest - seconds * 1000;
  return `${prefix}${PAD2[hours]}:${PAD2[minutes]}:${PAD2[seconds]}.${PAD3[millis]}000`;
}

export function pick<T>(r: Rng, values: readonly T[]): T {
  return values[Math.floor(r() * values.length)] as T;
}

/** A 64-hex-digit digest-like value, unique per i. */
export function hashFor(i: number, r: Rng): string {
  const tail = Math.floor(r() * 2 ** 32)
    .toString(16)
    .padStart(8, '0');
  return `${i.toString(16).padStart(16, '0')}${tail.repeat(6)}`;
}
