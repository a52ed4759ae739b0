/**
 * The built-in `contextforge` catalogue: the ContextForge MCP Gateway "Database Indexing Optimization"
 * plan as 8 phases over the application's schema (table and column names exactly as the models have
 * them), plus the hot-query suite `verify` and `demo` run.
 */
import type { Catalogue } from '../../src/catalogue/catalogue.js';
import { associations } from './associations.js';
import { core } from './core.js';
import { hotQueries } from './hot-queries.js';
import { metrics } from './metrics.js';
import { misc } from './misc.js';
import { rbac } from './rbac.js';
import { sessions } from './sessions.js';
import { teams } from './teams.js';
import { tokens } from './tokens.js';

export const contextforgeCatalogue: Catalogue = {
  name: 'contextforge',
  description: 'ContextForge MCP Gateway: foreign keys, composite, partial and covering indexes in 8 phases',
  phases: [core, rbac, teams, metrics, tokens, sessions, associations, misc],
  hotQueries,
};
