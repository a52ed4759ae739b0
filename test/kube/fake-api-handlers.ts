/**
 * The REST semantics of the fake API server, independent of HTTP: create (generateName, uid,
 * timestamps, generation), update with optimistic concurrency, patches, the status subresource,
 * deletion with finalizers and owner-reference cascade, admission of IndexMigrations against the CRD.
 */
import { randomUUID, randomInt } from 'node:crypto';
import {
  apiVersionOf,
  CUSTOM_RESOURCE_DEFINITIONS,
  INDEX_MIGRATIONS,
  SECRETS,
  type ResourceType,
} from './kube-resources.js';
import { FakeStore, type KubeObject } from './fake-store.js';
import { jsonPatch, mergePatch, PatchError, type JsonPatchOp } from './patches.js';
import { createCrdValidator, type CrdValidator, type StatusCause } from './crd-validator.js';
import { crdProblems, oldestSupportedMinor } from './crd-compatibility.js';

/** A failure the server answers with a metav1.Status body. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly details: { name?: string; group?: string; kind?: string; causes?: readonly StatusCause[] } = {},
  ) {
    super(message);
  }

  toStatus(): Record<string, unknown> {
    return {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: this.message,
      reason: this.reason,
      details: this.details,
      code: this.code,
    };
  }
}

export type Subresource = 'status' | undefined;

export type PatchType =
  'application/merge-patch+json' | 'application/json-patch+json' | 'application/strategic-merge-patch+json';

export const PATCH_TYPES: readonly string[] = [
  'application/merge-patch+json',
  'application/json-patch+json',
  'application/strategic-merge-patch+json',
];

export interface DeleteOptions {
  readonly propagationPolicy?: 'Background' | 'Foreground' | 'Orphan';
}

/** `jobs.batch "x"`, the way API errors name an object. */
function qualified(type: ResourceType, name: string): string {
  return `${type.resource}${type.group ? `.${type.group}` : ''} "${name}"`;
}

export function now(): string {
  return new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The object with resourceVersion blanked, for "did anything change" comparisons. */
function fingerprint(obj: KubeObject): string {
  return JSON.stringify({ ...obj, metadata: { ...obj.metadata, resourceVersion: undefined } });
}

const NAME_CHARS = 'bcdfghjklmnpqrstvwxz2456789';

export class FakeApiHandlers {
  private readonly validator: CrdValidator = createCrdValidator();

  /** kubernetesMinor: the 1.x version whose CRD admission is modelled (default: the oldest the chart claims). */
  constructor(
    readonly store: FakeStore,
    readonly kubernetesMinor: number = oldestSupportedMinor(),
  ) {}

  get(type: ResourceType, namespace: string | undefined, name: string): KubeObject {
    const obj = this.store.get(type, namespace, name);
    if (!obj)
      throw new ApiError(404, 'NotFound', `${qualified(type, name)} not found`, this.details(type, name));
    return obj;
  }

  create(type: ResourceType, namespace: string | undefined, body: unknown): KubeObject {
    const obj = this.asObject(type, body);
    const meta = obj.metadata;
    if (type.namespaced && meta.namespace !== undefined && meta.namespace !== namespace) {
      throw new ApiError(
        400,
        'BadRequest',
        'the namespace of the provided object does not match the namespace sent on the request',
      );
    }
    if (!meta.name && meta.generateName) {
      meta.name =
        meta.generateName +
        Array.from({ length: 5 }, () => NAME_CHARS[randomInt(NAME_CHARS.length)]).join('');
    }
    if (!meta.name)
      this.invalid(type, '', [
        {
          reason: 'FieldValueRequired',
          field: 'metadata.name',
          message: 'metadata.name: Required value: name or generateName is required',
        },
      ]);
    const name = meta.name ?? '';
    if (this.store.get(type, namespace, name)) {
      throw new ApiError(
        409,
        'AlreadyExists',
        `${qualified(type, name)} already exists`,
        this.details(type, name),
      );
    }
    if (type.namespaced) meta.namespace = namespace;
    else delete meta.namespace;
    meta.uid = randomUUID();
    meta.creationTimestamp = now();
    delete meta.resourceVersion;
    delete meta.deletionTimestamp;
    if (type.hasSpec) meta.generation = 1;
    if (type.statusSubresource) delete obj['status'];
    return this.store.commit(type, 'ADDED', this.admit(type, obj));
  }

  /** PUT of the object (subresource undefined) or of its status. */
  update(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
    body: unknown,
    sub: Subresource,
  ): KubeObject {
    const existing = this.get(type, namespace, name);
    const incoming = this.asObject(type, body);
    if (incoming.metadata.name !== undefined && incoming.metadata.name !== name) {
      throw new ApiError(
        400,
        'BadRequest',
        `the name of the object (${incoming.metadata.name}) does not match the name on the URL (${name})`,
      );
    }
    const rv = incoming.metadata.resourceVersion;
    if (rv === undefined || rv === '') {
      if (type.requireResourceVersionOnUpdate) {
        this.invalid(type, name, [
          {
            reason: 'FieldValueInvalid',
            field: 'metadata.resourceVersion',
            message: 'metadata.resourceVersion: Invalid value: 0x0: must be specified for an update',
          },
        ]);
      }
    } else if (rv !== existing.metadata.resourceVersion) {
      throw new ApiError(
        409,
        'Conflict',
        `Operation cannot be fulfilled on ${qualified(type, name)}: the object has been modified; please apply your changes to the latest version and try again`,
        this.details(type, name),
      );
    }
    const next =
      sub === 'status'
        ? this.withStatusOf(existing, incoming)
        : this.withServerFields(type, existing, incoming);
    return this.write(type, existing, next);
  }

  patch(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
    contentType: string,
    body: unknown,
    sub: Subresource,
  ): KubeObject {
    const existing = this.get(type, namespace, name);
    let patched: unknown;
    try {
      patched =
        contentType === 'application/json-patch+json'
          ? jsonPatch(existing, this.asOps(body))
          : mergePatch(existing, body);
    } catch (e) {
      if (e instanceof PatchError)
        throw new ApiError(
          422,
          'Invalid',
          `${qualified(type, name)} is invalid: ${e.message}`,
          this.details(type, name),
        );
      throw e;
    }
    const obj = this.asObject(type, patched);
    if (obj.metadata.resourceVersion === undefined)
      obj.metadata.resourceVersion = existing.metadata.resourceVersion;
    return this.update(type, namespace, name, obj, sub);
  }

  /** Sets deletionTimestamp while finalizers remain; otherwise removes the object (and cascades). */
  delete(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
    options: DeleteOptions = {},
  ): { object: KubeObject; removed: boolean } {
    const existing = this.get(type, namespace, name);
    if ((existing.metadata.finalizers ?? []).length > 0) {
      if (existing.metadata.deletionTimestamp) return { object: existing, removed: false };
      const marked = structuredClone(existing);
      marked.metadata.deletionTimestamp = now();
      marked.metadata.deletionGracePeriodSeconds = 0;
      if (marked.metadata.generation !== undefined) marked.metadata.generation += 1;
      return { object: this.store.commit(type, 'MODIFIED', marked), removed: false };
    }
    return { object: this.remove(type, existing, options), removed: true };
  }

  private remove(type: ResourceType, obj: KubeObject, options: DeleteOptions): KubeObject {
    const removed = this.store.commit(type, 'DELETED', obj);
    if (options.propagationPolicy === 'Orphan') return removed;
    const uid = obj.metadata.uid;
    for (const { type: depType, object: dep } of this.store.all()) {
      if (!(dep.metadata.ownerReferences ?? []).some((o) => o.uid === uid)) continue;
      if (this.store.get(depType, dep.metadata.namespace, dep.metadata.name ?? '')) {
        this.delete(depType, dep.metadata.namespace, dep.metadata.name ?? '', {
          propagationPolicy: 'Background',
        });
      }
    }
    return removed;
  }

  /** Commits next over existing: a no-op when nothing changed; removal once deleting and unfinalized. */
  private write(type: ResourceType, existing: KubeObject, next: KubeObject): KubeObject {
    const admitted = this.admit(type, next);
    if (fingerprint(admitted) === fingerprint(existing)) return existing;
    if (admitted.metadata.deletionTimestamp && (admitted.metadata.finalizers ?? []).length === 0) {
      return this.remove(type, admitted, {});
    }
    return this.store.commit(type, 'MODIFIED', admitted);
  }

  /** A main-resource write: server-owned metadata and (with a status subresource) status kept. */
  private withServerFields(type: ResourceType, existing: KubeObject, incoming: KubeObject): KubeObject {
    const next = structuredClone(incoming);
    const keep = [
      'uid',
      'creationTimestamp',
      'deletionTimestamp',
      'deletionGracePeriodSeconds',
      'namespace',
      'name',
      'generation',
    ] as const;
    const meta: Record<string, unknown> = next.metadata;
    for (const key of keep) {
      if (existing.metadata[key] === undefined) delete meta[key];
      else meta[key] = existing.metadata[key];
    }
    if (type.statusSubresource) {
      if (existing['status'] === undefined) delete next['status'];
      else next['status'] = existing['status'];
    }
    if (type.hasSpec && JSON.stringify(next['spec']) !== JSON.stringify(existing['spec'])) {
      next.metadata.generation = (existing.metadata.generation ?? 0) + 1;
    }
    return next;
  }

  /** A status write: only status is taken from the request. */
  private withStatusOf(existing: KubeObject, incoming: KubeObject): KubeObject {
    const next = structuredClone(existing);
    if (incoming['status'] === undefined) delete next['status'];
    else next['status'] = structuredClone(incoming['status']);
    return next;
  }

  private admit(type: ResourceType, obj: KubeObject): KubeObject {
    if (type === SECRETS) return secretWithStringData(obj);
    if (type === CUSTOM_RESOURCE_DEFINITIONS) return this.admitCrd(obj);
    if (type !== INDEX_MIGRATIONS) return obj;
    const result = this.validator.admit(obj);
    if (!result.ok) this.invalid(type, obj.metadata.name ?? '', result.causes);
    return result.object as KubeObject;
  }

  /**
   * A CRD as the modelled version's API server takes it: a field that version does not know is a strict
   * decoding error (400, as `kubectl apply` and `helm install` see it); a CEL rule over the static cost
   * budget makes the CRD invalid (422).
   */
  private admitCrd(obj: KubeObject): KubeObject {
    const problems = crdProblems(obj, this.kubernetesMinor);
    const unknown = problems.filter((p) => p.kind === 'unknown-field');
    if (unknown.length > 0) {
      throw new ApiError(
        400,
        'BadRequest',
        `CustomResourceDefinition in version "v1" cannot be handled as a CustomResourceDefinition: ${unknown.map((p) => p.message).join(', ')}`,
      );
    }
    const causes = problems.map((p) => ({
      reason: 'FieldValueForbidden',
      field: p.field,
      message: p.message,
    }));
    if (causes.length > 0) this.invalid(CUSTOM_RESOURCE_DEFINITIONS, obj.metadata.name ?? '', causes);
    return obj;
  }

  private invalid(type: ResourceType, name: string, causes: readonly StatusCause[]): never {
    const list = causes.map((c) => c.message);
    const joined = list.length === 1 ? (list[0] ?? '') : `[${list.join(', ')}]`;
    throw new ApiError(
      422,
      'Invalid',
      `${type.kind}${type.group ? `.${type.group}` : ''} "${name}" is invalid: ${joined}`,
      {
        ...this.details(type, name),
        kind: type.kind,
        causes,
      },
    );
  }

  private details(type: ResourceType, name: string): { name: string; group: string; kind: string } {
    return { name, group: type.group, kind: type.resource };
  }

  private asObject(type: ResourceType, body: unknown): KubeObject {
    if (!isRecord(body)) throw new ApiError(400, 'BadRequest', 'the request body must be a JSON object');
    const obj = structuredClone(body) as KubeObject;
    if (!isRecord(obj.metadata)) obj.metadata = {};
    if (obj.kind !== undefined && obj.kind !== type.kind) {
      throw new ApiError(400, 'BadRequest', `the body is a ${String(obj.kind)}, the URL names ${type.kind}`);
    }
    obj.apiVersion = apiVersionOf(type);
    obj.kind = type.kind;
    return obj;
  }

  private asOps(body: unknown): JsonPatchOp[] {
    if (!Array.isArray(body))
      throw new ApiError(400, 'BadRequest', 'a JSON patch must be an array of operations');
    return body as JsonPatchOp[];
  }
}

/** Secrets: `stringData` is written into `data` (base64), as the API server does. */
function secretWithStringData(obj: KubeObject): KubeObject {
  const stringData = obj['stringData'];
  if (!isRecord(stringData)) return obj;
  const data = isRecord(obj['data']) ? { ...obj['data'] } : {};
  for (const [k, v] of Object.entries(stringData)) data[k] = Buffer.from(String(v)).toString('base64');
  const { stringData: _dropped, ...rest } = obj;
  return { ...rest, data, metadata: obj.metadata };
}
