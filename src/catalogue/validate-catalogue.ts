/**
 * Catalogue validation: every problem at once, as `{ path, message }`, then one UsageError listing
 * them all. Built-in catalogues pass through here too, so a bad edit fails `plan` before any SQL runs.
 */
import type { Catalogue, HotQuery, Phase } from './catalogue.js';
import {
  IDENTIFIER_PATTERN,
  indexShapeKey,
  type Condition,
  type IndexDefinition,
} from './index-definition.js';
import { UsageError } from '../errors.js';
import { keyLeadsWith, parseServes } from './serves.js';

export interface CatalogueProblem {
  /** Where, e.g. `phases[1].indexes[3].columns[0]` (index names are given in the message). */
  readonly path: string;
  readonly message: string;
}

type Report = (path: string, message: string) => void;

/** Array.isArray without widening to any[] (catalogues may come from YAML, so shapes are re-checked). */
function isList<T>(value: readonly T[] | undefined): value is readonly T[] {
  return Array.isArray(value);
}

/** Throws a UsageError listing every problem; returns the catalogue unchanged when it is valid. */
export function validateCatalogue(catalogue: Catalogue): Catalogue {
  const problems = findCatalogueProblems(catalogue);
  if (problems.length === 0) return catalogue;
  const lines = problems.map((p) => `  - ${p.path}: ${p.message}`);
  throw new UsageError(
    `catalogue '${String(catalogue.name)}' is invalid (${problems.length} problem${problems.length === 1 ? '' : 's'}); fix:\n${lines.join('\n')}`,
    { reason: 'invalid_catalogue' },
  );
}

export function findCatalogueProblems(catalogue: Catalogue): CatalogueProblem[] {
  const problems: CatalogueProblem[] = [];
  const report: Report = (path, message) => problems.push({ path, message });
  checkIdentifier(report, 'name', catalogue.name, 'catalogue name');
  if (!isList(catalogue.phases) || catalogue.phases.length === 0) {
    report('phases', 'a catalogue needs at least one phase');
    return problems;
  }
  checkPhaseNames(report, catalogue.phases);
  const phaseNames = new Set(catalogue.phases.map((p) => p.name));
  const queries = new Map((isList(catalogue.hotQueries) ? catalogue.hotQueries : []).map((q) => [q.name, q]));
  catalogue.phases.forEach((phase, i) => checkPhase(report, `phases[${i}]`, phase, { phaseNames, queries }));
  checkUniqueness(report, catalogue.phases);
  return problems;
}

function checkIdentifier(report: Report, path: string, value: unknown, what: string): void {
  if (typeof value !== 'string' || !IDENTIFIER_PATTERN.test(value)) {
    report(path, `${what} ${JSON.stringify(value)} is not a valid identifier (${IDENTIFIER_PATTERN.source})`);
  }
}

function checkPhaseNames(report: Report, phases: readonly Phase[]): void {
  const seen = new Set<string>();
  phases.forEach((phase, i) => {
    checkIdentifier(report, `phases[${i}].name`, phase.name, 'phase name');
    if (seen.has(phase.name)) report(`phases[${i}].name`, `duplicate phase name '${phase.name}'`);
    seen.add(phase.name);
  });
}

interface Known {
  readonly phaseNames: ReadonlySet<string>;
  readonly queries: ReadonlyMap<string, HotQuery>;
}

function checkPhase(report: Report, path: string, phase: Phase, known: Known): void {
  if (!isList(phase.indexes) || phase.indexes.length === 0) {
    report(`${path}.indexes`, `phase '${phase.name}' has no indexes`);
    return;
  }
  phase.indexes.forEach((def, j) => {
    const at = `${path}.indexes[${j}]`;
    checkIndex(report, at, def);
    checkServes(report, at, def, known.queries);
    if (def.phase !== phase.name) {
      const where = known.phaseNames.has(def.phase) ? 'another phase' : 'an unknown phase';
      report(
        `${at}.phase`,
        `index '${def.name}' says phase '${def.phase}' (${where}) but is listed in '${phase.name}'`,
      );
    }
  });
}

function checkIndex(report: Report, at: string, def: IndexDefinition): void {
  const label = `index '${String(def.name)}'`;
  checkIdentifier(report, `${at}.name`, def.name, 'index name');
  checkIdentifier(report, `${at}.table`, def.table, `${label}: table`);
  checkColumns(report, at, def, label);
  checkInclude(report, at, def, label);
  (def.where ?? []).forEach((c, k) => checkCondition(report, `${at}.where[${k}]`, c, label));
  if (typeof def.unique !== 'boolean') report(`${at}.unique`, `${label}: unique must be true or false`);
  if (typeof def.reason !== 'string' || def.reason.trim() === '') {
    report(`${at}.reason`, `${label}: reason is empty (say which query or foreign key it serves)`);
  }
}

/**
 * Each `serves` entry names a hot query of this catalogue that reads the index's table, or a foreign key
 * of the index's table (`fk:<table>.<column>[,<column>]`) whose columns lead the index key.
 */
function checkServes(
  report: Report,
  at: string,
  def: IndexDefinition,
  queries: ReadonlyMap<string, HotQuery>,
): void {
  if (def.serves === undefined) return;
  const label = `index '${String(def.name)}'`;
  if (!isList(def.serves)) {
    report(`${at}.serves`, `${label}: serves must be a list of hot query names and fk:<table>.<column>`);
    return;
  }
  const seen = new Set<string>();
  def.serves.forEach((entry, k) => {
    const path = `${at}.serves[${k}]`;
    if (seen.has(entry)) report(path, `${label}: serves '${entry}' twice`);
    seen.add(entry);
    const claim = typeof entry === 'string' ? parseServes(entry) : undefined;
    if (claim === undefined) {
      report(
        path,
        `${label}: serves ${JSON.stringify(entry)} is neither a hot query name nor fk:<table>.<column>[,<column>]`,
      );
    } else if (claim.kind === 'fk') {
      if (claim.table !== def.table)
        report(path, `${label}: serves ${entry}, a foreign key of another table than '${def.table}'`);
      else if (!isList(def.columns) || !keyLeadsWith(def, claim.columns))
        report(
          path,
          `${label}: serves ${entry}, but its key does not start with ${claim.columns.join(', ')}`,
        );
    } else {
      const q = queries.get(claim.name);
      if (q === undefined)
        report(
          path,
          `${label}: serves '${entry}', which is no hot query of this catalogue (a foreign key is written fk:<table>.<column>)`,
        );
      else if (!q.tables.includes(def.table))
        report(path, `${label}: serves '${entry}', which does not read table '${def.table}'`);
    }
  });
}

function checkColumns(report: Report, at: string, def: IndexDefinition, label: string): void {
  if (!isList(def.columns) || def.columns.length === 0) {
    report(`${at}.columns`, `${label} has no key columns`);
    return;
  }
  const seen = new Set<string>();
  def.columns.forEach((c, k) => {
    checkIdentifier(report, `${at}.columns[${k}]`, c.name, `${label}: column`);
    if (c.order !== 'ASC' && c.order !== 'DESC') {
      report(`${at}.columns[${k}].order`, `${label}: order ${JSON.stringify(c.order)} is not ASC or DESC`);
    }
    if (seen.has(c.name)) report(`${at}.columns[${k}]`, `${label}: column '${c.name}' appears twice`);
    seen.add(c.name);
  });
}

function checkInclude(report: Report, at: string, def: IndexDefinition, label: string): void {
  const keys = new Set((def.columns ?? []).map((c) => c.name));
  (def.include ?? []).forEach((name, k) => {
    checkIdentifier(report, `${at}.include[${k}]`, name, `${label}: include column`);
    if (keys.has(name))
      report(`${at}.include[${k}]`, `${label}: include column '${name}' is also a key column`);
  });
}

function checkCondition(report: Report, at: string, c: Condition, label: string): void {
  checkIdentifier(report, `${at}.column`, c.column, `${label}: predicate column`);
  switch (c.op) {
    case 'IS NULL':
    case 'IS NOT NULL':
      return;
    case '=':
    case '<>':
      checkLiteral(report, `${at}.value`, c.value, label);
      return;
    case 'IN':
      if (!isList(c.values) || c.values.length === 0) {
        report(`${at}.values`, `${label}: IN needs at least one value`);
        return;
      }
      c.values.forEach((v, k) => checkLiteral(report, `${at}.values[${k}]`, v, label));
      return;
    default:
      report(`${at}.op`, `${label}: operator ${JSON.stringify((c as { op: unknown }).op)} is not supported`);
  }
}

function checkLiteral(report: Report, at: string, value: unknown, label: string): void {
  const ok =
    typeof value === 'boolean' ||
    (typeof value === 'number' && Number.isFinite(value)) ||
    (typeof value === 'string' && !value.includes('\u0000') && value.length <= 200);
  if (!ok)
    report(
      at,
      `${label}: predicate literal ${JSON.stringify(value)} is not a boolean, finite number or short string`,
    );
}

function checkUniqueness(report: Report, phases: readonly Phase[]): void {
  const names = new Map<string, string>();
  const shapes = new Map<string, string>();
  phases.forEach((phase, i) =>
    (phase.indexes ?? []).forEach((def, j) => {
      const at = `phases[${i}].indexes[${j}]`;
      const sameName = names.get(def.name);
      if (sameName !== undefined)
        report(`${at}.name`, `duplicate index name '${def.name}' (also at ${sameName})`);
      else names.set(def.name, at);
      if (!isList(def.columns) || def.columns.length === 0) return;
      const shape = indexShapeKey({ ...def, where: def.where ?? [] });
      const sameShape = shapes.get(shape);
      if (sameShape !== undefined) {
        report(at, `index '${def.name}' is the same index as ${sameShape} (${shape})`);
      } else shapes.set(shape, `'${def.name}'`);
    }),
  );
}
