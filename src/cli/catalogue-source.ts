/**
 * Which catalogue a command works on: `--catalogue-file <path.json>` (the user's own), else
 * `--catalogue <name>` (built in), else `contextforge` when it is built in, else the first built-in one.
 * Always validated before anything touches the database.
 */
import { readFile } from 'node:fs/promises';
import type { Catalogue } from '../catalogue/catalogue.js';
import { builtInCatalogueNames, loadBuiltInCatalogue } from '../catalogue/registry.js';
import type { GlobalConfig } from '../config.js';
import { UsageError, errorMessage } from '../errors.js';
import { catalogueFromJson } from './catalogue-json.js';

export const PREFERRED_CATALOGUE = 'contextforge';

export async function resolveCatalogue(global: GlobalConfig): Promise<Catalogue> {
  if (global.catalogueFile !== undefined) return loadCatalogueFile(global.catalogueFile);
  return loadBuiltInCatalogue(global.catalogue ?? defaultCatalogueName());
}

export function defaultCatalogueName(): string {
  const names = builtInCatalogueNames();
  return names.includes(PREFERRED_CATALOGUE) ? PREFERRED_CATALOGUE : (names[0] ?? PREFERRED_CATALOGUE);
}

async function loadCatalogueFile(path: string): Promise<Catalogue> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read catalogue file ${path}: ${errorMessage(e)}`, {
      cause: e,
      reason: 'invalid_catalogue',
    });
  }
  return catalogueFromJson(text, path);
}

export function phaseNames(catalogue: Catalogue): string[] {
  return catalogue.phases.map((p) => p.name);
}
