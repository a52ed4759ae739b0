/**
 * Built-in catalogues by name. To add one: one line in BUILT_IN (plus its import).
 */
import type { Catalogue } from './catalogue.js';
import { exampleCatalogue } from './example/example-catalogue.js';
import { contextforgeCatalogue } from '../../migrations/contextforge/index.js';
import { validateCatalogue } from './validate-catalogue.js';
import { UsageError } from '../errors.js';

const BUILT_IN: Readonly<Record<string, () => Catalogue>> = {
  contextforge: () => contextforgeCatalogue,
  example: () => exampleCatalogue,
};

export function builtInCatalogueNames(): string[] {
  return Object.keys(BUILT_IN).sort();
}

/** The named built-in catalogue, validated; an unknown name is a UsageError listing the known ones. */
export function loadBuiltInCatalogue(name: string): Catalogue {
  const load = Object.hasOwn(BUILT_IN, name) ? BUILT_IN[name] : undefined;
  if (!load) {
    throw new UsageError(
      `unknown catalogue '${name}'; built-in catalogues: ${builtInCatalogueNames().join(', ')}`,
      { reason: 'unknown_catalogue' },
    );
  }
  return validateCatalogue(load());
}
