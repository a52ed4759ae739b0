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
  RESOURCE_TYPES,
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
  /** 0 removes a pod at once (its kubelet saying the container ended, or `--force`). */
  readonly gracePeriodSeconds?: number;
}

/** The finalizer a Foreground deletion puts on the owner until its dependents are gone. */
export const FOREGROUND_DELETION = 'foregroundDeletion';

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
    /** OwnerReferencesPermissionEnforcement on: the `group/resource/finalizers` callers may update. */
    readonly finalizerUpdates?: readonly string[],
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

  /**
   * As the API server and its garbage collector do: while finalizers remain (a Foreground deletion adds
   * `foregroundDeletion` until the dependents are gone) or a pod terminates gracefully, only
   * deletionTimestamp is set; otherwise the object goes and its dependents are deleted in the background,
   * or orphaned (ownerReference removed). Without a propagationPolicy the kind's default applies: Jobs
   * orphan their pods.
   */
  delete(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
    options: DeleteOptions = {},
  ): { object: KubeObject; removed: boolean } {
    const existing = this.get(type, namespace, name);
    const policy = options.propagationPolicy ?? type.defaultPropagation;
    const force = type.gracefulDeletion && options.gracePeriodSeconds === 0;
    const finalizers = existing.metadata.finalizers ?? [];
    if (existing.metadata.deletionTimestamp) {
      if (force && finalizers.length === 0)
        return { object: this.remove(type, existing, 'Background'), removed: true };
      return { object: existing, removed: false };
    }
    const uid = existing.metadata.uid ?? '';
    const foreground = policy === 'Foreground' && this.dependentsOf(uid).length > 0;
    if (finalizers.length > 0 || foreground || (type.gracefulDeletion && !force)) {
      const marked = structuredClone(existing);
      marked.metadata.deletionTimestamp = now();
      marked.metadata.deletionGracePeriodSeconds = type.gracefulDeletion && !force ? 30 : 0;
      if (foreground) marked.metadata.finalizers = [...finalizers, FOREGROUND_DELETION];
      if (marked.metadata.generation !== undefined) marked.metadata.generation += 1;
      const object = this.store.commit(type, 'MODIFIED', marked);
      if (foreground) this.deleteDependents(uid);
      return { object, removed: false };
    }
    return { object: this.remove(type, existing, policy), removed: true };
  }

  /**
   * OwnerReferencesPermissionEnforcement: blockOwnerDeletion on an ownerReference needs `update` on the
   * owner's `<resource>/finalizers` (checked by the caller's RBAC; here the configured list). Applies
   * to API requests, not to the test hooks (which play controllers that hold that permission).
   */
  enforceOwnerReferencePermission(type: ResourceType, body: unknown): void {
    if (this.finalizerUpdates === undefined || !isRecord(body) || !isRecord(body['metadata'])) return;
    const meta = body['metadata'] as KubeObject['metadata'];
    const name = meta.name ?? meta.generateName ?? '';
    for (const ref of meta.ownerReferences ?? []) {
      if ((ref as { blockOwnerDeletion?: boolean }).blockOwnerDeletion !== true) continue;
      const owner = RESOURCE_TYPES.find((t) => apiVersionOf(t) === ref.apiVersion && t.kind === ref.kind);
      const finalizers = owner ? `${owner.group}/${owner.resource}/finalizers` : '';
      if (this.finalizerUpdates.includes(finalizers)) continue;
      throw new ApiError(
        403,
        'Forbidden',
        `${qualified(type, name)} is forbidden: cannot set blockOwnerDeletion if an ownerReference refers to a resource you can't set finalizers on: , <nil>`,
        this.details(type, name),
      );
    }
  }

  private dependentsOf(uid: string): { type: ResourceType; object: KubeObject }[] {
    return this.store
      .all()
      .filter(({ object }) => (object.metadata.ownerReferences ?? []).some((o) => o.uid === uid));
  }

  private deleteDependents(uid: string): void {
    for (const { type, object } of this.dependentsOf(uid)) {
      if (this.store.get(type, object.metadata.namespace, object.metadata.name ?? '')) {
        this.delete(type, object.metadata.namespace, object.metadata.name ?? '', {
          propagationPolicy: 'Background',
        });
      }
    }
  }

  private remove(
    type: ResourceType,
    obj: KubeObject,
    policy: 'Background' | 'Foreground' | 'Orphan',
  ): KubeObject {
    const removed = this.store.commit(type, 'DELETED', obj);
    const uid = obj.metadata.uid ?? '';
    if (policy === 'Orphan') {
      for (const { type: depType, object: dep } of this.dependentsOf(uid)) {
        dep.metadata.ownerReferences = (dep.metadata.ownerReferences ?? []).filter((o) => o.uid !== uid);
        this.store.commit(depType, 'MODIFIED', dep);
      }
    } else this.deleteDependents(uid);
    this.finishForegroundDeletions();
    return removed;
  }

  /** An owner in Foreground deletion whose dependents are all gone loses its foregroundDeletion finalizer. */
  private finishForegroundDeletions(): void {
    for (const { type, object } of this.store.all()) {
      const finalizers = object.metadata.finalizers ?? [];
      if (!finalizers.includes(FOREGROUND_DELETION)) continue;
      if (this.dependentsOf(object.metadata.uid ?? '').length > 0) continue;
      const next = structuredClone(object);
      next.metadata.finalizers = finalizers.filter((f) => f !== FOREGROUND_DELETION);
      this.write(type, object, next);
    }
  }

  /** Commits next over existing: a no-op when nothing changed; removal once deleting and unfinalized. */
  private write(type: ResourceType, existing: KubeObject, next: KubeObject): KubeObject {
    const admitted = this.admit(type, next);
    if (fingerprint(admitted) === fingerprint(existing)) return existing;
    if (admitted.metadata.deletionTimestamp && (admitted.metadata.finalizers ?? []).length === 0) {
      if (type.gracefulDeletion && admitted.metadata.deletionGracePeriodSeconds !== 0)
        return this.store.commit(type, 'MODIFIED', admitted);
      return this.remove(type, admitted, 'Background');
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
