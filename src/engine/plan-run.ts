import type { Catalogue } from '../catalogue/catalogue.js';
import { PermanentError } from '../errors.js';
import type { EngineDeps, Plan, PlanOptions } from './engine.js';

export function planRunImpl(_deps: EngineDeps, _catalogue: Catalogue, _options: PlanOptions): Promise<Plan> {
  return Promise.reject(new PermanentError('planRun is not implemented yet'));
}
