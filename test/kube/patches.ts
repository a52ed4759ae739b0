/**
 * JSON Merge Patch (RFC 7386) and JSON Patch (RFC 6902), pure functions over plain JSON values.
 * Strategic merge patch is served as a merge patch: none of our kinds' lists need merge keys in tests.
 */

export class PatchError extends Error {
  override readonly name = 'PatchError';
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isRecord(patch)) return structuredClone(patch);
  const out: Record<string, unknown> = isRecord(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete out[key];
    else out[key] = mergePatch(out[key], value);
  }
  return out;
}

export interface JsonPatchOp {
  readonly op: 'add' | 'remove' | 'replace' | 'move' | 'copy' | 'test';
  readonly path: string;
  readonly value?: unknown;
  readonly from?: string;
}

function tokens(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw new PatchError(`invalid JSON pointer ${JSON.stringify(pointer)}`);
  return pointer
    .slice(1)
    .split('/')
    .map((t) => t.replaceAll('~1', '/').replaceAll('~0', '~'));
}

function get(doc: unknown, path: string[]): unknown {
  let at: unknown = doc;
  for (const t of path) {
    if (Array.isArray(at)) at = at[Number(t)];
    else if (isRecord(at)) at = at[t];
    else return undefined;
  }
  return at;
}

function parentOf(doc: unknown, path: string[], pointer: string): { parent: unknown; key: string } {
  const key = path[path.length - 1];
  const parent = get(doc, path.slice(0, -1));
  if (key === undefined || (parent === undefined && path.length > 1)) {
    throw new PatchError(`path ${pointer} does not exist`);
  }
  return { parent, key };
}

function add(doc: unknown, pointer: string, value: unknown): unknown {
  const path = tokens(pointer);
  if (path.length === 0) return structuredClone(value);
  const { parent, key } = parentOf(doc, path, pointer);
  if (Array.isArray(parent)) {
    const index = key === '-' ? parent.length : Number(key);
    if (!Number.isInteger(index) || index < 0 || index > parent.length)
      throw new PatchError(`bad index in ${pointer}`);
    parent.splice(index, 0, structuredClone(value));
  } else if (isRecord(parent)) parent[key] = structuredClone(value);
  else throw new PatchError(`path ${pointer} does not exist`);
  return doc;
}

function remove(doc: unknown, pointer: string): unknown {
  const path = tokens(pointer);
  const { parent, key } = parentOf(doc, path, pointer);
  if (Array.isArray(parent) && Number(key) < parent.length) parent.splice(Number(key), 1);
  else if (isRecord(parent) && key in parent) delete parent[key];
  else throw new PatchError(`path ${pointer} does not exist`);
  return doc;
}

/** Applies the operations to a copy of doc, all or nothing. */
export function jsonPatch(doc: unknown, ops: readonly JsonPatchOp[]): unknown {
  let out = structuredClone(doc);
  for (const op of ops) {
    switch (op.op) {
      case 'add':
        out = add(out, op.path, op.value);
        break;
      case 'remove':
        out = remove(out, op.path);
        break;
      case 'replace':
        out = add(remove(out, op.path), op.path, op.value);
        break;
      case 'move': {
        const value = get(out, tokens(op.from ?? ''));
        out = add(remove(out, op.from ?? ''), op.path, value);
        break;
      }
      case 'copy':
        out = add(out, op.path, get(out, tokens(op.from ?? '')));
        break;
      case 'test':
        if (JSON.stringify(get(out, tokens(op.path))) !== JSON.stringify(op.value)) {
          throw new PatchError(`test operation failed at ${op.path}`);
        }
        break;
      default:
        throw new PatchError(`unknown JSON patch operation ${JSON.stringify((op as { op: unknown }).op)}`);
    }
  }
  return out;
}
