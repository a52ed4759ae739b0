/**
 * Label and field selectors as the API server reads them from `?labelSelector=` / `?fieldSelector=`.
 * Labels: `k=v`, `k==v`, `k!=v`, `k`, `!k`, `k in (a,b)`, `k notin (a,b)`, comma-separated (AND).
 * Fields: `metadata.name` and `metadata.namespace` with `=`, `==`, `!=`.
 */

export type Matcher = (obj: { readonly metadata?: unknown }) => boolean;

interface Meta {
  readonly name?: string;
  readonly namespace?: string;
  readonly labels?: Readonly<Record<string, string>>;
}

function meta(obj: { readonly metadata?: unknown }): Meta {
  return obj.metadata ?? {};
}

/** Splits on commas outside parentheses. */
function terms(selector: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of selector) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      out.push(current.trim());
      current = '';
    } else current += ch;
  }
  if (current.trim()) out.push(current.trim());
  return out;
}

function labelTerm(term: string): (labels: Readonly<Record<string, string>>) => boolean {
  const set = /^(\S+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(term);
  if (set) {
    const [, key = '', op, list = ''] = set;
    const values = list.split(',').map((v) => v.trim());
    return op === 'in'
      ? (l) => l[key] !== undefined && values.includes(l[key])
      : (l) => l[key] === undefined || !values.includes(l[key]);
  }
  const cmp = /^([^!=\s]+)\s*(==|=|!=)\s*(\S*)$/.exec(term);
  if (cmp) {
    const [, key = '', op, value = ''] = cmp;
    return op === '!=' ? (l) => l[key] !== value : (l) => l[key] === value;
  }
  if (term.startsWith('!')) return (l) => l[term.slice(1).trim()] === undefined;
  if (/^\S+$/.test(term)) return (l) => l[term] !== undefined;
  throw new SelectorError(`unable to parse requirement: ${JSON.stringify(term)}`);
}

export class SelectorError extends Error {
  override readonly name = 'SelectorError';
}

export function labelMatcher(selector: string | null): Matcher {
  if (!selector) return () => true;
  const tests = terms(selector).map(labelTerm);
  return (obj) => {
    const labels = meta(obj).labels ?? {};
    return tests.every((t) => t(labels));
  };
}

export function fieldMatcher(selector: string | null): Matcher {
  if (!selector) return () => true;
  const tests = terms(selector).map((term): Matcher => {
    const m = /^(metadata\.name|metadata\.namespace)\s*(==|=|!=)\s*(\S*)$/.exec(term);
    if (!m) throw new SelectorError(`field label not supported: ${term}`);
    const [, field, op, value] = m;
    const read = (obj: { readonly metadata?: unknown }): string | undefined =>
      field === 'metadata.name' ? meta(obj).name : meta(obj).namespace;
    return op === '!=' ? (obj) => read(obj) !== value : (obj) => read(obj) === value;
  });
  return (obj) => tests.every((t) => t(obj));
}
