import type { IndexDefinition } from './index-definition.js';

/** A named, ordered group of index definitions. Order in `Catalogue.phases` is apply order. */
export interface Phase {
  readonly name: string;
  readonly description: string;
  readonly indexes: readonly IndexDefinition[];
}

/**
 * A hot query the catalogue promises to speed up; `verify` EXPLAINs it on each dialect. Written as the
 * application sends it: a boolean literal the application renders inline (SQLAlchemy's `.is_(True)`,
 * `== True`) is written `{true}` / `{false}` and rendered the way the dialect's driver would
 * (PostgreSQL `true`, SQLite `1`); see src/verify/hot-query-sql.ts.
 */
/**
 * Which catalogue indexes serve a hot query is said on the index (`IndexDefinition.serves`), not here,
 * so the claim lives in one place.
 */
export interface HotQuery {
  readonly name: string;
  readonly description: string;
  /** Where the application sends it (e.g. `mcpgateway/auth.py:_lookup_api_token_sync`). */
  readonly source?: string;
  /** SQL with `$1..$n` placeholders and `{true}`/`{false}` literals. Portable SQL only. */
  readonly sql: string;
  /**
   * The phases whose indexes it needs. `verify` of a subset of phases reports a query that needs a
   * phase outside the subset as not covered, instead of failing it.
   */
  readonly phases: readonly string[];
  /**
   * Set when the query's own shape keeps any index from serving it well (e.g. an OR-form keyset
   * cursor read at a deep page): `verify` reports the shape and the rewrite instead of a verdict.
   */
  readonly shapeLimit?: ShapeLimit;
  /** Bind parameters. Functions are resolved against the seeded data set before running. */
  readonly params: readonly unknown[];
  /** Tables the query reads; a sequential scan of one of them fails `verify` when it is large. */
  readonly tables: readonly string[];
}

export interface ShapeLimit {
  /** What in the query defeats an index, and what it costs (measured). */
  readonly why: string;
  /** The same query written so an index serves it. */
  readonly rewrite: string;
}

export interface Catalogue {
  /** Built-in name, e.g. `contextforge` or `example`. */
  readonly name: string;
  readonly description: string;
  readonly phases: readonly Phase[];
  readonly hotQueries: readonly HotQuery[];
}
