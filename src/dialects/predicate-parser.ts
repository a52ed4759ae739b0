/**
 * Reads a partial-index predicate back from the SQL text a database reports (PostgreSQL
 * `pg_get_expr(indpred, indrelid)`, the WHERE of a SQLite CREATE INDEX) into the catalogue's Condition
 * grammar, so an existing index can be compared with a definition through `canonicalPredicate()`.
 *
 * Understands what PostgreSQL prints for our own predicates: extra parentheses, casts
 * (`(status)::text = 'x'::text`, `'-1'::integer`), `col = ANY (ARRAY[...])` (that is how `IN` comes
 * back), `<>`/`!=`, `IS [NOT] NULL`, AND. Anything outside the grammar returns undefined.
 */
import type { Condition, PredicateLiteral } from '../catalogue/index-definition.js';

export type Token =
  | { readonly t: 'id'; readonly v: string; readonly quoted: boolean }
  | { readonly t: 'str'; readonly v: string }
  | { readonly t: 'num'; readonly v: string }
  | { readonly t: 'op'; readonly v: string };

const OPERATORS = [
  '::',
  '<>',
  '!=',
  '==',
  '>=',
  '<=',
  '=',
  '<',
  '>',
  '(',
  ')',
  ',',
  '[',
  ']',
  '-',
  '.',
  ';',
  '+',
  '*',
  '/',
  '%',
  '||',
  '|',
  '&',
  '~',
];

/** Bind parameters: `$1`, `?1`, `?`, `:name`, `@name`. */
const PARAMETER = /^(?:\$\d+|\?\d*|[:@][A-Za-z_]\w*)/;

/** Splits SQL into tokens; undefined when it meets something it does not know. */
export function tokenize(sql: string): Token[] | undefined {
  const out: Token[] = [];
  let i = 0;
  while (i < sql.length) {
    const rest = sql.slice(i);
    const ws = /^\s+/.exec(rest);
    if (ws) {
      i += ws[0].length;
      continue;
    }
    const quoted =
      /^'((?:[^']|'')*)'/.exec(rest) ?? /^"((?:[^"]|"")*)"/.exec(rest) ?? /^`((?:[^`]|``)*)`/.exec(rest);
    if (quoted) {
      const q = rest[0] ?? '';
      const v = (quoted[1] ?? '').replaceAll(q + q, q);
      out.push(q === "'" ? { t: 'str', v } : { t: 'id', v, quoted: true });
      i += quoted[0].length;
      continue;
    }
    const word = /^[A-Za-z_][A-Za-z0-9_$]*/.exec(rest) ?? /^\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(rest);
    if (word) {
      out.push(/^\d/.test(word[0]) ? { t: 'num', v: word[0] } : { t: 'id', v: word[0], quoted: false });
      i += word[0].length;
      continue;
    }
    const op = PARAMETER.exec(rest)?.[0] ?? OPERATORS.find((o) => rest.startsWith(o));
    if (op === undefined) return undefined;
    out.push({ t: 'op', v: op });
    i += op.length;
  }
  return out;
}

/** Parses a whole predicate (AND of conditions); undefined when it is outside the grammar. */
export function parsePredicate(sql: string): Condition[] | undefined {
  const tokens = tokenize(sql);
  return tokens === undefined ? undefined : parsePredicateTokens(tokens);
}

export function parsePredicateTokens(tokens: readonly Token[]): Condition[] | undefined {
  const p = new Parser(tokens);
  const conds = p.and();
  return conds !== undefined && p.done() ? conds : undefined;
}

const NUMERIC_TYPES = new Set([
  'integer',
  'int',
  'int2',
  'int4',
  'int8',
  'bigint',
  'smallint',
  'numeric',
  'real',
  'decimal',
]);

class Parser {
  private pos = 0;
  constructor(private readonly tokens: readonly Token[]) {}

  done(): boolean {
    return this.pos === this.tokens.length;
  }

  and(): Condition[] | undefined {
    const first = this.term();
    if (first === undefined) return undefined;
    const all = [...first];
    while (this.keyword('AND')) {
      const next = this.term();
      if (next === undefined) return undefined;
      all.push(...next);
    }
    return all;
  }

  private term(): Condition[] | undefined {
    const start = this.pos;
    if (this.op('(')) {
      const inner = this.and();
      if (inner !== undefined && this.op(')')) return inner;
      this.pos = start;
    }
    const c = this.condition();
    return c === undefined ? undefined : [c];
  }

  private condition(): Condition | undefined {
    const column = this.column();
    if (column === undefined) return undefined;
    if (this.keyword('IS')) {
      const not = this.keyword('NOT');
      return this.keyword('NULL') ? { column, op: not ? 'IS NOT NULL' : 'IS NULL' } : undefined;
    }
    if (this.keyword('IN')) {
      const values = this.list('(', ')');
      return values === undefined ? undefined : { column, op: 'IN', values };
    }
    const op = this.op('=') || this.op('==') ? '=' : this.op('<>') || this.op('!=') ? '<>' : undefined;
    if (op === undefined) return undefined;
    if (op === '=' && this.keyword('ANY')) {
      const values = this.anyArray();
      return values === undefined ? undefined : { column, op: 'IN', values };
    }
    const value = this.literal();
    return value === undefined ? undefined : { column, op, value };
  }

  private column(): string | undefined {
    if (this.op('(')) {
      const inner = this.column();
      if (inner === undefined || !this.op(')')) return undefined;
      this.casts();
      return inner;
    }
    const tok = this.tokens[this.pos];
    if (tok?.t !== 'id' || (!tok.quoted && isKeyword(tok.v))) return undefined;
    this.pos++;
    let name = tok.v;
    while (this.op('.')) {
      const next = this.tokens[this.pos];
      if (next?.t !== 'id') return undefined;
      this.pos++;
      name = next.v;
    }
    this.casts();
    return name;
  }

  private literal(): PredicateLiteral | undefined {
    if (this.op('(')) {
      const inner = this.literal();
      if (inner === undefined || !this.op(')')) return undefined;
      return castLiteral(inner, this.casts());
    }
    const negative = this.op('-');
    const tok = this.tokens[this.pos];
    if (tok === undefined) return undefined;
    if (tok.t === 'num') {
      this.pos++;
      return castLiteral((negative ? -1 : 1) * Number(tok.v), this.casts());
    }
    if (negative) return undefined;
    if (tok.t === 'str') {
      this.pos++;
      return castLiteral(tok.v, this.casts());
    }
    if (tok.t === 'id' && !tok.quoted && /^(true|false)$/i.test(tok.v)) {
      this.pos++;
      this.casts();
      return tok.v.toLowerCase() === 'true';
    }
    return undefined;
  }

  private anyArray(): PredicateLiteral[] | undefined {
    if (this.op('(')) {
      const inner = this.anyArray();
      if (inner === undefined || !this.op(')')) return undefined;
      this.casts();
      return inner;
    }
    if (!this.keyword('ARRAY')) return undefined;
    const values = this.list('[', ']');
    this.casts();
    return values;
  }

  private list(open: string, close: string): PredicateLiteral[] | undefined {
    if (!this.op(open)) return undefined;
    const values: PredicateLiteral[] = [];
    do {
      const v = this.literal();
      if (v === undefined) return undefined;
      values.push(v);
    } while (this.op(','));
    return this.op(close) ? values : undefined;
  }

  /** Skips `::type[ words][(n)][[]]` casts; returns the last type name (lower case) or ''. */
  private casts(): string {
    let last = '';
    while (this.op('::')) {
      const words: string[] = [];
      for (let tok = this.tokens[this.pos]; tok?.t === 'id'; tok = this.tokens[this.pos]) {
        words.push(tok.v.toLowerCase());
        this.pos++;
      }
      if (this.op('(')) {
        while (!this.op(')') && this.pos < this.tokens.length) this.pos++;
      }
      while (this.op('[') && this.op(']')) words.push('[]');
      last = words.join(' ');
    }
    return last;
  }

  private op(v: string): boolean {
    const tok = this.tokens[this.pos];
    if (tok?.t !== 'op' || tok.v !== v) return false;
    this.pos++;
    return true;
  }

  private keyword(v: string): boolean {
    const tok = this.tokens[this.pos];
    if (tok?.t !== 'id' || tok.quoted || tok.v.toUpperCase() !== v) return false;
    this.pos++;
    return true;
  }
}

function isKeyword(word: string): boolean {
  return /^(AND|OR|NOT|IS|NULL|IN|ANY|ARRAY|TRUE|FALSE)$/i.test(word);
}

/** `'-1'::integer` is how PostgreSQL prints a negative number; a string cast to a numeric type is one. */
function castLiteral(v: PredicateLiteral, type: string): PredicateLiteral {
  if (typeof v === 'string' && NUMERIC_TYPES.has(type) && v.trim() !== '' && Number.isFinite(Number(v))) {
    return Number(v);
  }
  return v;
}
