/**
 * The health report and the pure analysis that builds it from a schema snapshot (every dialect) and,
 * where the dialect keeps them, usage statistics (PostgreSQL; MariaDB sizes, and usage with userstat).
 * No I/O here.
 */
import type { Catalogue } from '../catalogue/catalogue.js';
import { indexShapeKey } from '../catalogue/index-definition.js';
import type {
  DialectName,
  ExistingIndex,
  ForeignKeyInfo,
  SchemaSnapshot,
  TableStats,
  UsageStatistics,
} from '../dialects/dialect.js';

export type { IndexStats, TableStats, UsageStatistics } from '../dialects/dialect.js';

/** Tables of the engine's own bookkeeping; never part of a health report. */
export const BOOKKEEPING_PREFIX = 'index_operator_';

export interface IndexHealth {
  readonly name: string;
  readonly table: string;
  readonly state: 'valid' | 'invalid' | 'missing';
  readonly inCatalogue: boolean;
  readonly unique: boolean;
  readonly primary: boolean;
  /** Null without statistics, and for a missing index. */
  readonly sizeBytes: number | null;
  readonly scans: number | null;
  readonly definition: string;
}

export interface DuplicateFinding {
  readonly table: string;
  /** The redundant index (the one a user would drop). */
  readonly index: string;
  /** The index that already serves its lookups. */
  readonly duplicateOf: string;
  /** duplicate: same key and predicate; overlapping: its key is a leading prefix of the other's. */
  readonly kind: 'duplicate' | 'overlapping';
}

export interface UnindexedForeignKey {
  readonly table: string;
  readonly constraint: string;
  readonly columns: readonly string[];
  readonly refTable: string;
}

export interface HealthFindings {
  readonly invalid: readonly IndexHealth[];
  readonly missing: readonly IndexHealth[];
  readonly unused: readonly IndexHealth[];
  readonly duplicates: readonly DuplicateFinding[];
  readonly unindexedForeignKeys: readonly UnindexedForeignKey[];
}

export interface HealthReport {
  readonly dialect: DialectName;
  /** Host:port/database or file path, never a password. */
  readonly target: string;
  /** Catalogue whose tables were inspected, or null for every table of the schema. */
  readonly catalogue: string | null;
  readonly inspectedAt: string;
  /** False when the dialect keeps no usage statistics: sizes, scans and unused are not checked. */
  readonly statistics: boolean;
  /** Said to the reader when only part of the checks could run. */
  readonly note: string | null;
  readonly statsResetAt: string | null;
  readonly tablesInspected: readonly string[];
  readonly indexes: readonly IndexHealth[];
  readonly tables: readonly TableStats[];
  readonly findings: HealthFindings;
  /** False when an index is invalid or a foreign key has no index (the `health` command exits 1). */
  readonly ok: boolean;
}

export interface AnalyzeInput {
  readonly dialect: DialectName;
  readonly target: string;
  readonly snapshot: SchemaSnapshot;
  readonly statistics?: UsageStatistics;
  readonly catalogue?: Catalogue;
  readonly now: Date;
}

export function analyzeHealth(input: AnalyzeInput): HealthReport {
  const { snapshot, statistics, catalogue } = input;
  const scope = tablesInScope(snapshot, catalogue);
  const existing = snapshot.indexes.filter((i) => scope.has(i.table));
  const owned = catalogueNames(catalogue);
  const indexes = [
    ...existing.map((i) => existingHealth(i, statistics, owned)),
    ...missing(snapshot, catalogue),
  ];
  const invalid = indexes.filter((i) => i.state === 'invalid');
  const unindexedForeignKeys = snapshot.foreignKeys
    .filter((fk) => scope.has(fk.table) && !hasLeadingIndex(fk, existing))
    .map((fk) => ({ table: fk.table, constraint: fk.name, columns: fk.columns, refTable: fk.refTable }));
  const findings: HealthFindings = {
    invalid,
    missing: indexes.filter((i) => i.state === 'missing'),
    unused: statistics ? indexes.filter(isUnused) : [],
    duplicates: findDuplicates(existing, catalogue),
    unindexedForeignKeys,
  };
  return {
    dialect: input.dialect,
    target: input.target,
    catalogue: catalogue?.name ?? null,
    inspectedAt: input.now.toISOString(),
    statistics: statistics !== undefined,
    note: statistics
      ? (statistics.note ?? null)
      : `${input.dialect} keeps no index usage statistics: structure checks only (invalid, missing, ` +
        'duplicate/overlapping, unindexed foreign keys); sizes, scans and unused indexes are not checked',
    statsResetAt: statistics?.resetAt?.toISOString() ?? null,
    tablesInspected: [...scope].sort(),
    indexes,
    tables: (statistics?.tables ?? []).filter((t) => scope.has(t.table)),
    findings,
    ok: invalid.length === 0 && unindexedForeignKeys.length === 0,
  };
}

/** The catalogue's tables that exist, or every table but the bookkeeping ones. */
function tablesInScope(snapshot: SchemaSnapshot, catalogue: Catalogue | undefined): Set<string> {
  const all = [...snapshot.tables.keys()].filter((t) => !t.startsWith(BOOKKEEPING_PREFIX));
  if (!catalogue) return new Set(all);
  const wanted = new Set(catalogue.phases.flatMap((p) => p.indexes.map((i) => i.table)));
  return new Set(all.filter((t) => wanted.has(t)));
}

function catalogueNames(catalogue: Catalogue | undefined): Set<string> {
  return new Set(catalogue?.phases.flatMap((p) => p.indexes.map((i) => i.name)) ?? []);
}

function existingHealth(
  i: ExistingIndex,
  statistics: UsageStatistics | undefined,
  owned: ReadonlySet<string>,
): IndexHealth {
  const stats = statistics?.indexes.find((s) => s.index === i.name && s.table === i.table);
  return {
    name: i.name,
    table: i.table,
    state: i.valid ? 'valid' : 'invalid',
    inCatalogue: owned.has(i.name),
    unique: i.unique,
    primary: i.primary,
    sizeBytes: stats?.sizeBytes ?? null,
    scans: stats?.scans ?? null,
    definition: i.definition,
  };
}

/** Shape of an existing index in the catalogue's terms (see indexShapeKey). */
export function existingShapeKey(i: ExistingIndex): string | undefined {
  if (i.columns.some((c) => c.name === null)) return undefined;
  const columns = i.columns.map((c) => ({ name: c.name ?? '', order: c.order }));
  const base = indexShapeKey({ table: i.table, columns, unique: i.unique, where: [] });
  return i.predicate === '' ? base : `${base} WHERE ${i.predicate}`;
}

/** The shapes an existing index serves: its own, and a plain index's too when it is unique (as the planner). */
function servedShapes(i: ExistingIndex): (string | undefined)[] {
  return i.unique ? [existingShapeKey(i), existingShapeKey({ ...i, unique: false })] : [existingShapeKey(i)];
}

/** Catalogue indexes on existing tables with no index of that name or serving the same shape. */
function missing(snapshot: SchemaSnapshot, catalogue: Catalogue | undefined): IndexHealth[] {
  if (!catalogue) return [];
  const names = new Set(snapshot.indexes.map((i) => i.name));
  const shapes = new Set(snapshot.indexes.filter((i) => i.valid).flatMap(servedShapes));
  return catalogue.phases
    .flatMap((p) => p.indexes)
    .filter((d) => snapshot.tables.has(d.table) && !names.has(d.name) && !shapes.has(indexShapeKey(d)))
    .map((d) => ({
      name: d.name,
      table: d.table,
      state: 'missing' as const,
      inCatalogue: true,
      unique: d.unique,
      primary: false,
      sizeBytes: null,
      scans: null,
      definition: '',
    }));
}

/** Unused: valid, counted, never scanned, and not enforcing a constraint (unique/primary). */
function isUnused(i: IndexHealth): boolean {
  return i.state === 'valid' && !i.unique && !i.primary && i.scans === 0;
}

/** A valid full index whose leading key columns are exactly the foreign key's columns (any order). */
function hasLeadingIndex(fk: ForeignKeyInfo, indexes: readonly ExistingIndex[]): boolean {
  const want = new Set(fk.columns);
  return indexes.some((i) => {
    if (i.table !== fk.table || !i.valid || i.predicate !== '') return false;
    const lead = i.columns.slice(0, want.size).map((c) => c.name);
    return lead.length === want.size && lead.every((c) => c !== null && want.has(c));
  });
}

/** Keeps primary over unique over catalogue-owned over others, then name order. */
function preference(i: ExistingIndex, owned: Set<string>): string {
  return `${i.primary ? 0 : 1}${i.unique ? 0 : 1}${owned.has(i.name) ? 0 : 1}${i.name}`;
}

export function findDuplicates(
  indexes: readonly ExistingIndex[],
  catalogue: Catalogue | undefined,
): DuplicateFinding[] {
  const owned = catalogueNames(catalogue);
  const usable = indexes
    .filter((i) => i.valid && i.columns.every((c) => c.name !== null))
    .sort((a, b) => preference(a, owned).localeCompare(preference(b, owned)));
  const keyOf = (i: ExistingIndex): string => i.columns.map((c) => `${c.name} ${c.order}`).join(', ');
  const out: DuplicateFinding[] = [];
  usable.forEach((a, ai) => {
    if (a.primary) return;
    for (const [bi, b] of usable.entries()) {
      if (a === b || a.table !== b.table || a.predicate !== b.predicate) continue;
      const ka = keyOf(a);
      const kb = keyOf(b);
      if (ka === kb && bi < ai && (b.unique || !a.unique)) {
        out.push({ table: a.table, index: a.name, duplicateOf: b.name, kind: 'duplicate' });
        return;
      }
      if (!a.unique && kb.startsWith(`${ka}, `)) {
        out.push({ table: a.table, index: a.name, duplicateOf: b.name, kind: 'overlapping' });
        return;
      }
    }
  });
  return out.sort((x, y) => `${x.table}.${x.index}`.localeCompare(`${y.table}.${y.index}`));
}
