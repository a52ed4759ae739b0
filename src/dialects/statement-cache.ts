/**
 * A bounded least-recently-used cache keyed by SQL text. The SQLite dialect keeps its prepared
 * statements here, so SQL that runs again (a bulk INSERT, the engine's bookkeeping queries) is compiled
 * once. A Map keeps insertion order: a hit moves its entry to the end, and past the bound the first
 * (least recently used) entry is dropped.
 */
export class StatementCache<V> {
  private readonly entries = new Map<string, V>();

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`statement cache capacity must be a whole number ≥ 1, not ${capacity}`);
    }
  }

  get size(): number {
    return this.entries.size;
  }

  /** The value cached for `sql`; on a miss, `make(sql)`, cached (evicting the oldest past the bound). */
  get(sql: string, make: (sql: string) => V): V {
    const hit = this.entries.get(sql);
    if (hit !== undefined) {
      this.entries.delete(sql);
      this.entries.set(sql, hit);
      return hit;
    }
    const made = make(sql);
    this.entries.set(sql, made);
    if (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next();
      if (oldest.done !== true) this.entries.delete(oldest.value);
    }
    return made;
  }

  has(sql: string): boolean {
    return this.entries.has(sql);
  }

  clear(): void {
    this.entries.clear();
  }
}
