/**
 * A dialect for a test step: opened on a URL, closed when the step ends, whether it passed or threw.
 */
import type { Dialect } from '../../src/dialects/dialect.js';
import { openDialect } from '../../src/dialects/open-dialect.js';

export async function withDialect<T>(url: string, fn: (dialect: Dialect) => T | Promise<T>): Promise<T> {
  const dialect = await openDialect(url);
  try {
    return await fn(dialect);
  } finally {
    await dialect.close();
  }
}
