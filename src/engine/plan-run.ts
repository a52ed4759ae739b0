import type { Catalogue } from '../catalogue/catalogue.js';
import { validateCatalogue } from '../catalogue/validate-catalogue.js';
import type { EngineDeps, Plan, PlanOptions } from './engine.js';
import { DEFAULT_SPEED_PROBE_TIMEOUT_MS } from './estimate.js';
import { countActions, planPhases } from './planner.js';
import { readEstimate } from './read-estimate.js';
import { systemClock } from './clock.js';
import { selectPhases } from './select-phases.js';
import { SqlBookkeepingStore } from './sql-bookkeeping-store.js';

/** Reads the database (schema + bookkeeping, never creating anything) and plans. */
export async function planRunImpl(
  deps: EngineDeps,
  catalogue: Catalogue,
  options: PlanOptions,
): Promise<Plan> {
  validateCatalogue(catalogue);
  const phases = selectPhases(catalogue, options.phases);
  const store = new SqlBookkeepingStore(deps.dialect);
  const hasTables = await store.tablesExist();
  const [snapshot, migrations, owned, builds] = await Promise.all([
    deps.dialect.introspect(),
    hasTables ? store.listMigrations() : Promise.resolve([]),
    hasTables ? store.listOwned() : Promise.resolve([]),
    hasTables ? store.listBuilds() : Promise.resolve([]),
  ]);
  const planned = planPhases({
    phases,
    snapshot,
    capabilities: deps.dialect.capabilities,
    migrations,
    owned: new Set(owned.map((o) => o.indexName)),
  });
  const estimate = await readEstimate(
    deps.dialect,
    planned,
    { builds, nowMs: (deps.clock ?? systemClock).now() },
    snapshot,
    options.speedProbeTimeoutMs ?? DEFAULT_SPEED_PROBE_TIMEOUT_MS,
  );
  const probe = estimate.model.probe;
  if (probe?.status === 'failed')
    deps.log.warn(
      { reason: probe.reason },
      'speed probe failed: the estimate goes on without it (the default rates, or the recorded builds)',
    );
  return {
    catalogue: catalogue.name,
    dialect: deps.dialect.name,
    target: deps.dialect.target,
    phases: planned,
    counts: countActions(planned),
    estimate,
  };
}
