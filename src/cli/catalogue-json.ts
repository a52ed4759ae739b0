/**
 * A user's own catalogue as JSON (`--catalogue-file`). The shape mirrors the built-in catalogue files:
 *
 * ```json
 * { "name": "shop", "description": "…",
 *   "phases": [ { "name": "orders", "description": "…",
 *     "indexes": [ { "name": "idx_orders_customer_created", "table": "orders",
 *                    "columns": ["customer_id", "created_at DESC"], "unique": false,
 *                    "where": [{ "column": "deleted_at", "op": "IS NULL" }], "include": ["total"],
 *                    "reason": "orders of a customer, newest first",
 *                    "serves": ["fk:orders.customer_id"] } ] } ] }
 * ```
 *
 * `serves` is optional: the foreign keys (`fk:<table>.<column>`) the index serves (a catalogue file has
 * no hot queries yet, so it names no query).
 *
 * Shape problems (wrong types, unknown keys) and validateCatalogue's (identifiers, duplicates and the
 * rest) are reported together, in one UsageError: exit 2, nothing touched.
 */
import type { Catalogue, Phase } from '../catalogue/catalogue.js';
import { defineIndex } from '../catalogue/define-phase.js';
import type { Condition, IndexDefinition } from '../catalogue/index-definition.js';
import { findCatalogueProblems, validateCatalogue } from '../catalogue/validate-catalogue.js';
import { UsageError } from '../errors.js';

const CATALOGUE_KEYS = ['name', 'description', 'phases', 'hotQueries'];
const PHASE_KEYS = ['name', 'description', 'indexes'];
const INDEX_KEYS = ['name', 'table', 'columns', 'unique', 'where', 'include', 'reason', 'serves'];

type Json = Readonly<Record<string, unknown>>;

/** Parses and validates a catalogue from JSON text; `source` names the file in messages. */
export function catalogueFromJson(text: string, source: string): Catalogue {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`catalogue file ${source} is not valid JSON: ${(e as Error).message}`, {
      reason: 'invalid_catalogue',
    });
  }
  const problems: string[] = [];
  const catalogue = toCatalogue(doc, problems);
  if (catalogue !== undefined) problems.push(...identifierProblems(catalogue, problems));
  if (problems.length > 0 || catalogue === undefined) {
    const lines = problems.map((p) => `  - ${p}`).join('\n');
    throw new UsageError(
      `catalogue file ${source} has ${problems.length} problem${problems.length === 1 ? '' : 's'}; fix:\n${lines}`,
      { reason: 'invalid_catalogue' },
    );
  }
  return validateCatalogue(catalogue);
}

/**
 * validateCatalogue's problems (identifiers, duplicates, …) of the catalogue as far as its shape could
 * be read, so that shape and identifier problems come in one round. A path whose shape is already
 * reported (e.g. `phases[0].name: must be a string`) is not reported a second time.
 */
function identifierProblems(catalogue: Catalogue, shape: readonly string[]): string[] {
  const badPaths = shape.map((p) => p.slice(0, p.indexOf(':')));
  const covered = (path: string): boolean =>
    badPaths.some((b) => path === b || path.startsWith(`${b}.`) || path.startsWith(`${b}[`));
  return findCatalogueProblems(catalogue)
    .filter((p) => !covered(p.path))
    .map((p) => `${p.path}: ${p.message}`);
}

function toCatalogue(doc: unknown, problems: string[]): Catalogue | undefined {
  if (!isObject(doc)) {
    problems.push('the file must hold one JSON object with name, description and phases');
    return undefined;
  }
  unknownKeys(doc, CATALOGUE_KEYS, '(top level)', problems);
  if (
    doc['hotQueries'] !== undefined &&
    !(Array.isArray(doc['hotQueries']) && doc['hotQueries'].length === 0)
  ) {
    problems.push('hotQueries: not supported in catalogue files yet (leave it out or empty)');
  }
  const phases = Array.isArray(doc['phases']) ? doc['phases'] : [];
  if (!Array.isArray(doc['phases'])) problems.push('phases: must be a list of phases');
  return {
    name: text(doc, 'name', 'name', problems),
    description: optionalText(doc, 'description', 'description', problems),
    phases: phases.map((p, i) => toPhase(p, `phases[${i}]`, problems)),
    hotQueries: [],
  };
}

function toPhase(doc: unknown, at: string, problems: string[]): Phase {
  if (!isObject(doc)) {
    problems.push(`${at}: must be an object with name, description and indexes`);
    return { name: '', description: '', indexes: [] };
  }
  unknownKeys(doc, PHASE_KEYS, at, problems);
  const name = text(doc, 'name', `${at}.name`, problems);
  const indexes = Array.isArray(doc['indexes']) ? doc['indexes'] : [];
  if (!Array.isArray(doc['indexes'])) problems.push(`${at}.indexes: must be a list of index definitions`);
  return {
    name,
    description: optionalText(doc, 'description', `${at}.description`, problems),
    indexes: indexes.map((d, j) => toIndex(d, name, `${at}.indexes[${j}]`, problems)),
  };
}

function toIndex(doc: unknown, phase: string, at: string, problems: string[]): IndexDefinition {
  if (!isObject(doc)) {
    problems.push(`${at}: must be an object with name, table, columns and reason`);
    return defineIndex(phase, { name: '', table: '', columns: [], reason: '' });
  }
  unknownKeys(doc, INDEX_KEYS, at, problems);
  const unique = doc['unique'];
  if (unique !== undefined && typeof unique !== 'boolean')
    problems.push(`${at}.unique: must be true or false`);
  return defineIndex(phase, {
    name: text(doc, 'name', `${at}.name`, problems),
    table: text(doc, 'table', `${at}.table`, problems),
    columns: stringList(doc, 'columns', at, problems),
    unique: unique === true,
    where: conditions(doc, at, problems),
    include: stringList(doc, 'include', at, problems),
    reason: text(doc, 'reason', `${at}.reason`, problems),
    ...servesOf(doc, at, problems),
  });
}

function servesOf(doc: Json, at: string, problems: string[]): { serves?: string[] } {
  const v = doc['serves'];
  if (v === undefined) return {};
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) {
    problems.push(`${at}.serves: must be a list of strings such as "fk:orders.customer_id"`);
    return {};
  }
  return { serves: v };
}

/** Conditions are checked in detail by validateCatalogue; here only that they are objects. */
function conditions(doc: Json, at: string, problems: string[]): Condition[] {
  const where = doc['where'];
  if (where === undefined) return [];
  if (!Array.isArray(where) || !where.every(isObject)) {
    problems.push(`${at}.where: must be a list of {column, op, value|values}`);
    return [];
  }
  return where as unknown as Condition[];
}

function stringList(doc: Json, key: string, at: string, problems: string[]): string[] {
  const v = doc[key];
  if (v === undefined && key !== 'columns') return [];
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) {
    problems.push(`${at}.${key}: must be a list of column names (a key column may end in ' DESC')`);
    return [];
  }
  return v;
}

function text(doc: Json, key: string, at: string, problems: string[]): string {
  const v = doc[key];
  if (typeof v === 'string') return v;
  problems.push(`${at}: must be a string`);
  return '';
}

function optionalText(doc: Json, key: string, at: string, problems: string[]): string {
  return doc[key] === undefined ? '' : text(doc, key, at, problems);
}

function unknownKeys(doc: Json, allowed: readonly string[], at: string, problems: string[]): void {
  for (const key of Object.keys(doc)) {
    if (!allowed.includes(key)) problems.push(`${at}: unknown key '${key}' (allowed: ${allowed.join(', ')})`);
  }
}

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
