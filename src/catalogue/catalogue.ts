import type { IndexDefinition } from './index-definition.js';

/** A named, ordered group of index definitions. Order in `Catalogue.phases` is apply order. */
export interface Phase {
  readonly name: string;
  readonly description: string;
  readonly indexes: readonly IndexDefinition[];
}

/** A hot query the catalogue promises to speed up; `verify` EXPLAINs it on each dialect. */
export interface HotQuery {
  readonly name: string;
  readonly description: string;
  /** SQL with `$1..$n` placeholders; the dialect adapts placeholders. Portable SQL only. */
  readonly sql: string;
  /** Bind parameters. Functions are resolved against the seeded data set before running. */
  readonly params: readonly unknown[];
  /** Tables the query reads; a sequential scan of one of them fails `verify` when it is large. */
  readonly tables: readonly string[];
  /** Index names expected to serve it after the catalogue is applied (informational). */
  readonly expectIndexes?: readonly string[];
}

export interface Catalogue {
  /** Built-in name, e.g. `contextforge` or `example`. */
  readonly name: string;
  readonly description: string;
  readonly phases: readonly Phase[];
  readonly hotQueries: readonly HotQuery[];
}
