/**
 * Inspects one database: structure from the dialect's introspection (pg_index/pg_constraint on
 * PostgreSQL, pragmas on SQLite, information_schema on MariaDB), usage statistics where the dialect
 * keeps them (`Dialect.usageStatistics`).
 */
import type { Catalogue } from '../catalogue/catalogue.js';
import type { Dialect } from '../dialects/dialect.js';
import { analyzeHealth, type HealthReport } from './health-report.js';

export type InspectedDialect = Pick<
  Dialect,
  'name' | 'target' | 'capabilities' | 'query' | 'introspect' | 'usageStatistics'
>;

export async function inspectHealth(
  dialect: InspectedDialect,
  catalogue?: Catalogue,
  now: () => Date = () => new Date(),
): Promise<HealthReport> {
  const snapshot = await dialect.introspect();
  const statistics = dialect.capabilities.supportsIndexStatistics
    ? await dialect.usageStatistics()
    : undefined;
  return analyzeHealth({
    dialect: dialect.name,
    target: dialect.target,
    snapshot,
    ...(statistics ? { statistics } : {}),
    ...(catalogue ? { catalogue } : {}),
    now: now(),
  });
}
