/**
 * Facts about the ContextForge MCP Gateway schema (names, types, keys, indexes), read from the
 * application's SQLAlchemy models and kept as JSON beside this file. Loaded once, shape-checked, then
 * used by the catalogue tests, `seed` (schema DDL) and the planner's "already there" comparison.
 */
import preEpicJson from './facts/schema-pre-epic.json' with { type: 'json' };
import currentJson from './facts/schema.json' with { type: 'json' };
import upstreamJson from './facts/upstream-epic-indexes.json' with { type: 'json' };
import { IDENTIFIER_PATTERN } from '../index-definition.js';

export type ColumnType =
  | 'varchar'
  | `varchar(${number})`
  | 'text'
  | 'integer'
  | 'bigint'
  | 'boolean'
  | 'timestamptz'
  | 'float'
  | 'json';

export interface ColumnFact {
  readonly name: string;
  readonly type: ColumnType;
  readonly primary_key: boolean;
  readonly nullable: boolean;
  readonly unique?: boolean;
  readonly index?: boolean;
  readonly default?: string | number | boolean | null;
}

export interface ForeignKeyFact {
  readonly columns: readonly string[];
  readonly ref_table: string;
  readonly ref_columns: readonly string[];
  readonly on_delete?: string;
}

export interface IndexFact {
  readonly name: string;
  /** Column names, each optionally followed by ` DESC`. */
  readonly columns: readonly string[];
  readonly unique: boolean;
  readonly postgresql_where?: string;
  readonly sqlite_where?: string;
}

export interface UniqueConstraintFact {
  readonly name: string;
  readonly columns: readonly string[];
}

export interface TableFact {
  readonly name: string;
  readonly columns: readonly ColumnFact[];
  readonly primary_key: readonly string[];
  readonly foreign_keys: readonly ForeignKeyFact[];
  readonly indexes: readonly IndexFact[];
  readonly unique_constraints: readonly UniqueConstraintFact[];
}

export interface SchemaFacts {
  readonly source: string;
  readonly tables: readonly TableFact[];
}

export interface UpstreamIndexFact {
  readonly name: string;
  readonly table: string;
  readonly columns: readonly string[];
  readonly unique: boolean;
}

const COLUMN_TYPE = /^(varchar(\(\d+\))?|text|integer|bigint|boolean|timestamptz|float|json)$/;

/** Throws on a fact file that does not have the shape above (a bad edit of the JSON). */
function checkSchema(raw: unknown, file: string): SchemaFacts {
  const facts = raw as SchemaFacts;
  const bad = (what: string): never => {
    throw new Error(`${file}: ${what}`);
  };
  if (!Array.isArray(facts.tables)) bad('tables is not a list');
  for (const t of facts.tables) {
    if (!IDENTIFIER_PATTERN.test(t.name)) bad(`bad table name ${JSON.stringify(t.name)}`);
    for (const c of t.columns) {
      if (!IDENTIFIER_PATTERN.test(c.name)) bad(`${t.name}: bad column name ${JSON.stringify(c.name)}`);
      if (!COLUMN_TYPE.test(c.type)) bad(`${t.name}.${c.name}: unknown type ${JSON.stringify(c.type)}`);
    }
    for (const list of [
      t.primary_key,
      ...t.foreign_keys.map((f) => f.columns),
      ...t.indexes.map((i) => i.columns),
    ]) {
      if (!Array.isArray(list) || list.length === 0) bad(`${t.name}: empty column list`);
    }
  }
  return facts;
}

const PRE_EPIC = checkSchema(preEpicJson, 'schema-pre-epic.json');
const CURRENT = checkSchema(currentJson, 'schema.json');
const UPSTREAM: readonly UpstreamIndexFact[] = (upstreamJson as { indexes: UpstreamIndexFact[] }).indexes;

/** The schema just before the indexing plan (53 tables, 60 foreign keys): what `seed` creates. */
export function preEpicSchema(): SchemaFacts {
  return PRE_EPIC;
}

/** The newest upstream schema read (models only; upstream's plan indexes are separate). */
export function currentSchema(): SchemaFacts {
  return CURRENT;
}

/** The 102 indexes upstream's own migration for the plan creates. */
export function upstreamEpicIndexes(): readonly UpstreamIndexFact[] {
  return UPSTREAM;
}

export function tableFact(schema: SchemaFacts, name: string): TableFact | undefined {
  return schema.tables.find((t) => t.name === name);
}
