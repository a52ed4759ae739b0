/**
 * Dialects in tests: one opened for a step and closed when the step ends, whether it passed or threw;
 * a database given ContextForge's schema;
 * a transaction held open on another connection until the test releases it.
 */
import type { Dialect } from '../../src/dialects/dialect.js';
import { openDialect } from '../../src/dialects/open-dialect.js';
import { schemaDdl } from '../../src/seed/schema-ddl.js';
import { preEpicSchema } from '../../src/catalogue/contextforge/schema-facts.js';

/** Opens a dialect on url, runs fn with it and closes it, whether fn returned or threw. */
export async function withDialect<T>(url: string, fn: (dialect: Dialect) => T | Promise<T>): Promise<T> {
  const dialect = await openDialect(url);
  try {
    return await fn(dialect);
  } finally {
    await dialect.close();
  }
}

/** Creates ContextForge's pre-epic schema (tables and the application's own indexes, no data) at url. */
export async function createPreEpicSchema(url: string): Promise<void> {
  await withDialect(url, async (dialect) => {
    for (const sql of schemaDdl(preEpicSchema(), dialect.name)) await dialect.execute(sql);
  });
}

/** Starts a transaction on `other` that runs `during` and stays open until the returned release(). */
export async function holdTransactionOpen(
  other: Dialect,
  during: (tx: Pick<Dialect, 'query' | 'execute'>) => Promise<unknown>,
) {
  let release = (): void => undefined;
  const released = new Promise<void>((r) => (release = r));
  let ready = (): void => undefined;
  const isReady = new Promise<void>((r) => (ready = r));
  const done = other.transaction(async (tx) => {
    await during(tx);
    ready();
    await released;
  });
  await Promise.race([isReady, done]);
  return {
    release: async () => {
      release();
      await done;
    },
  };
}
