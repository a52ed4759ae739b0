import type { Catalogue } from '../catalogue/catalogue.js';
import { PermanentError } from '../errors.js';
import type { EngineDeps, StatusReport } from './engine.js';

export function readStatusImpl(_deps: EngineDeps, _catalogue?: Catalogue): Promise<StatusReport> {
  return Promise.reject(new PermanentError('readStatus is not implemented yet'));
}
