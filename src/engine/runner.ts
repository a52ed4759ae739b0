import type { Catalogue } from '../catalogue/catalogue.js';
import { PermanentError } from '../errors.js';
import type { DownOptions, EngineDeps, RunReport, UpOptions } from './engine.js';

export function applyPhasesImpl(
  _deps: EngineDeps,
  _catalogue: Catalogue,
  _options: UpOptions,
): Promise<RunReport> {
  return Promise.reject(new PermanentError('applyPhases is not implemented yet'));
}

export function rollbackPhasesImpl(
  _deps: EngineDeps,
  _catalogue: Catalogue,
  _options: DownOptions,
): Promise<RunReport> {
  return Promise.reject(new PermanentError('rollbackPhases is not implemented yet'));
}
