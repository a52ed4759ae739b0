/**
 * A worst-case cost bound for an `x-kubernetes-validations` rule, computed the way the API server's
 * static estimator does before it accepts a CRD (cel-go's checker cost model, with the sizes
 * k8s.io/apiserver derives from the schema): every string, list and map is assumed as large as its
 * schema allows, and one without a bound as large as a 3 MiB request can carry. Before Kubernetes 1.29
 * an `enum` does not bound a string's length; from 1.29 the longest enum value does.
 *
 * Costs follow cel-go: an identifier or field select 1, a literal 0, `has()` 1, `&&`/`||` the sum of both
 * sides, `==`/`!=`/`<` on strings or lists 0.1 per element of the smaller side (rounded up), a
 * comprehension its range size times the cost of one step, any other call 1 plus its arguments. Where
 * this model is unsure it errs high, so a rule it accepts the API server accepts too.
 */
import { parse, type ASTNode } from '@marcbachmann/cel-js';
import type { SchemaNode } from './crd-validator.js';

/** k8s.io/apiserver/pkg/cel: the largest request the API server accepts, the size bound of the unbounded. */
export const MAX_REQUEST_SIZE_BYTES = 3 * 1024 * 1024;
/** apiextensions validation: the most one rule may cost, estimated statically, for the CRD to be accepted. */
export const STATIC_ESTIMATED_COST_LIMIT = 10_000_000;
/** apiextensions validation: the most all rules together may cost (each times how often it can run). */
export const STATIC_ESTIMATED_CRD_COST_LIMIT = 100_000_000;
/** cel-go's common.StringTraversalCostFactor and RegexStringLengthCostFactor. */
const STRING_TRAVERSAL = 0.1;
const REGEX_LENGTH = 0.25;
/** Serialized `2006-01-02T15:04:05.999999999Z` and a duration, with quotes. */
const MAX_DATETIME_SIZE = 32;

export interface CostModel {
  /** Minor version of Kubernetes 1.x whose estimator is modelled. */
  readonly minor: number;
}

interface Estimate {
  readonly cost: number;
  /** Largest size (characters of a string, items of a list, entries of a map) the value can have. */
  readonly size: number;
  /** The schema node of the value, when it comes from `self`. */
  readonly schema?: SchemaNode;
}

type Scope = ReadonlyMap<string, Estimate>;

/** Worst-case cost of one evaluation of `rule` on a value of `schema`. */
export function ruleCost(rule: string, schema: SchemaNode, model: CostModel): number {
  const self: Estimate = { cost: 1, size: maxSize(schema, model), schema };
  return estimate(parse(rule).ast, new Map([['self', self]]), model).cost;
}

/** How many values of this schema a list, map or a 3 MiB request can hold (the list's maxItems, ...). */
export function maxSize(node: SchemaNode, model: CostModel): number {
  const unbounded = MAX_REQUEST_SIZE_BYTES - 2;
  switch (node.type ?? '') {
    case 'string': {
      const maxLength = node['maxLength'];
      if (typeof maxLength === 'number') return maxLength * 4; // maxLength counts runes: up to 4 bytes each
      if (node['format'] === 'date-time' || node['format'] === 'duration') return MAX_DATETIME_SIZE;
      if (model.minor >= 29 && node.enum && node.enum.length > 0)
        return Math.max(...node.enum.map((v) => String(v).length));
      return unbounded;
    }
    case 'array': {
      const maxItems = node['maxItems'];
      if (typeof maxItems === 'number') return maxItems;
      return Math.floor(unbounded / (minSerializedSize(node.items ?? {}) + 1));
    }
    case 'object': {
      if (typeof node.additionalProperties !== 'object') return 1;
      const maxProperties = node['maxProperties'];
      if (typeof maxProperties === 'number') return maxProperties;
      return Math.floor(unbounded / (minSerializedSize(node.additionalProperties) + 6));
    }
    default:
      return 1;
  }
}

/** Smallest JSON a value of the schema can be (k8s.io/apiserver SchemaDeclType's MinSerializedSize). */
function minSerializedSize(node: SchemaNode): number {
  switch (node.type ?? '') {
    case 'string':
      return node['format'] === 'date-time' ? 21 : 2;
    case 'boolean':
      return 4;
    case 'object': {
      let size = 2;
      for (const [name, prop] of Object.entries(node.properties ?? {}))
        if (node.required?.includes(name) && prop.default === undefined)
          size += name.length + minSerializedSize(prop) + 4;
      return size;
    }
    case 'array':
      return 2;
    default:
      return 1;
  }
}

/** How many times a rule on the node at `path` can run for one object: the sizes of the lists and maps around it. */
export function cardinality(enclosing: readonly SchemaNode[], model: CostModel): number {
  return enclosing
    .filter((n) => n.type === 'array' || typeof n.additionalProperties === 'object')
    .reduce((product, n) => product * maxSize(n, model), 1);
}

function traversal(size: number, factor = STRING_TRAVERSAL): number {
  return Math.ceil(size * factor);
}

function child(schema: SchemaNode | undefined, field: string): SchemaNode | undefined {
  if (!schema) return undefined;
  const prop = schema.properties?.[field];
  if (prop) return prop;
  return typeof schema.additionalProperties === 'object' ? schema.additionalProperties : undefined;
}

function of(schema: SchemaNode | undefined, model: CostModel, cost: number): Estimate {
  return schema ? { cost, size: maxSize(schema, model), schema } : { cost, size: MAX_REQUEST_SIZE_BYTES - 2 };
}

function estimate(node: ASTNode, scope: Scope, model: CostModel): Estimate {
  const sub = (n: ASTNode, s: Scope = scope): Estimate => estimate(n, s, model);
  switch (node.op) {
    case 'value': {
      const v = node.args;
      return { cost: 0, size: typeof v === 'string' ? v.length : 1 };
    }
    case 'id': {
      const bound = scope.get(node.args);
      return bound ? { ...bound, cost: 1 } : { cost: 1, size: MAX_REQUEST_SIZE_BYTES - 2 };
    }
    case '.':
    case '.?': {
      const [operand, field] = node.args;
      const target = sub(operand);
      return of(child(target.schema, field), model, target.cost + 1);
    }
    case '[]':
    case '[?]': {
      const [operand, index] = node.args;
      const target = sub(operand);
      const items = target.schema?.items ?? target.schema?.additionalProperties;
      return of(typeof items === 'object' ? items : undefined, model, target.cost + sub(index).cost + 1);
    }
    case 'list': {
      const items = node.args.map((n) => sub(n));
      return { cost: 10 + sum(items), size: items.length };
    }
    case 'map': {
      const entries = node.args.flatMap(([k, v]) => [sub(k), sub(v)]);
      return { cost: 30 + sum(entries), size: node.args.length };
    }
    case '&&':
    case '||':
      return { cost: sum(node.args.map((n) => sub(n))), size: 1 };
    case '!_':
    case '-_':
      return { cost: 1 + sub(node.args).cost, size: 1 };
    case '?:': {
      const [cond, yes, no] = node.args.map((n) => sub(n)) as [Estimate, Estimate, Estimate];
      return { cost: cond.cost + Math.max(yes.cost, no.cost), size: Math.max(yes.size, no.size) };
    }
    case 'call':
      return call(node.args[0], undefined, node.args[1], scope, model);
    case 'rcall':
      return call(node.args[0], node.args[1], node.args[2], scope, model);
    case 'in': {
      const [item, list] = node.args.map((n) => sub(n)) as [Estimate, Estimate];
      return { cost: item.cost + list.cost + list.size, size: 1 };
    }
    case '==':
    case '!=':
    case '<':
    case '<=':
    case '>':
    case '>=': {
      const [a, b] = node.args.map((n) => sub(n)) as [Estimate, Estimate];
      return { cost: a.cost + b.cost + traversal(Math.min(a.size, b.size)), size: 1 };
    }
    case '+':
    case '-':
    case '*':
    case '/':
    case '%': {
      // Concatenation is linear in the result, arithmetic costs 1.
      const [a, b] = (node.args as ASTNode[]).map((n) => sub(n)) as [Estimate, Estimate];
      const size = a.size + b.size;
      return { cost: a.cost + b.cost + Math.max(1, traversal(size)), size };
    }
  }
}

const COMPREHENSIONS = new Set(['all', 'exists', 'exists_one', 'map', 'filter']);

function call(
  name: string,
  target: ASTNode | undefined,
  args: readonly ASTNode[],
  scope: Scope,
  model: CostModel,
): Estimate {
  const sub = (n: ASTNode, s: Scope = scope): Estimate => estimate(n, s, model);
  if (name === 'has' && args[0]?.op === '.') {
    // A presence test: 1, plus its operand (the selected field itself costs nothing).
    return { cost: 1 + sub(args[0].args[0]).cost, size: 1 };
  }
  if (target && COMPREHENSIONS.has(name)) return comprehension(name, target, args, scope, model);
  const receiver = target ? sub(target) : undefined;
  const operands = args.map((n) => sub(n));
  const base = (receiver?.cost ?? 0) + sum(operands);
  const text = receiver?.size ?? operands[0]?.size ?? 1;
  switch (name) {
    case 'matches':
      return { cost: base + traversal(text + 1) * traversal(operands[0]?.size ?? 1, REGEX_LENGTH), size: 1 };
    case 'contains':
      return { cost: base + traversal(text) * traversal(operands[0]?.size ?? 1), size: 1 };
    case 'startsWith':
    case 'endsWith':
      return { cost: base + traversal(operands[0]?.size ?? 1), size: 1 };
    default:
      return { cost: base + 1, size: text };
  }
}

/** all/exists/exists_one/map/filter: the range, then per element the loop condition and step. */
function comprehension(
  name: string,
  target: ASTNode,
  args: readonly ASTNode[],
  scope: Scope,
  model: CostModel,
): Estimate {
  const range = estimate(target, scope, model);
  const [iterVar, ...body] = args;
  const items = range.schema?.items ?? range.schema?.additionalProperties;
  const element = of(typeof items === 'object' ? items : undefined, model, 1);
  const inner = new Map(scope);
  if (iterVar?.op === 'id') inner.set(iterVar.args, element);
  const perElement = sum(body.map((n) => estimate(n, inner, model)));
  // cel-go's macro expansions: the accumulator test and update around the predicate, and the result.
  const [step, result] =
    name === 'exists_one' ? [2, 2] : name === 'map' || name === 'filter' ? [13, 1] : [3, 1];
  return { cost: range.cost + range.size * (perElement + step) + result, size: range.size };
}

function sum(estimates: readonly Estimate[]): number {
  return estimates.reduce((total, e) => total + e.cost, 0);
}
