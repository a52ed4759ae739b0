/**
 * Resolves a hot query's parameters: functions (see src/catalogue/contextforge/sample-param.ts) are
 * called against the database, every other value is bound as it is.
 */
import type { ParamSource } from '../catalogue/contextforge/sample-param.js';

export async function resolveParams(db: ParamSource, params: readonly unknown[]): Promise<unknown[]> {
  const out: unknown[] = [];
  for (const p of params) {
    out.push(typeof p === 'function' ? await (p as (db: ParamSource) => Promise<unknown>)(db) : p);
  }
  return out;
}
