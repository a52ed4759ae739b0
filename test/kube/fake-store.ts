/**
 * The fake API server's storage: objects by resource and namespace/name, one global increasing
 * resourceVersion, and a bounded history of changes that watches replay from. Compaction raises the
 * floor below which a watch must be answered with 410 Gone. Reads return copies.
 */
import { resourceKey, type ResourceType } from './kube-resources.js';

export interface KubeMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  deletionGracePeriodSeconds?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  finalizers?: string[];
  ownerReferences?: { apiVersion: string; kind: string; name: string; uid: string; controller?: boolean }[];
  [key: string]: unknown;
}

/** Any object the server stores: plain JSON with metadata. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: KubeMeta;
  [key: string]: unknown;
}

export type ChangeType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface StoredChange {
  readonly rv: number;
  readonly type: ChangeType;
  readonly resource: ResourceType;
  readonly object: KubeObject;
  /** The object before a MODIFIED change (to tell when it left or entered a selector). */
  readonly previous?: KubeObject;
}

export type ChangeListener = (change: StoredChange) => void;

export function objectKey(namespace: string | undefined, name: string | undefined): string {
  return `${namespace ?? ''}/${name ?? ''}`;
}

export class FakeStore {
  private rv = 1000;
  /** Lowest resourceVersion a watch may still start from. */
  private floor = 1000;
  private readonly objects = new Map<string, { type: ResourceType; items: Map<string, KubeObject> }>();
  private history: StoredChange[] = [];
  private readonly listeners = new Set<ChangeListener>();
  private readonly pending: StoredChange[] = [];
  private delivering = false;

  /** How many changes are kept for watches; older ones are compacted away. */
  constructor(private readonly historyLimit = 10_000) {}

  get resourceVersion(): string {
    return String(this.rv);
  }

  get(type: ResourceType, namespace: string | undefined, name: string): KubeObject | undefined {
    const obj = this.bucket(type).get(objectKey(type.namespaced ? namespace : undefined, name));
    return obj === undefined ? undefined : structuredClone(obj);
  }

  /** Objects of a type, in one namespace or all, sorted by namespace/name. */
  list(type: ResourceType, namespace?: string): KubeObject[] {
    return [...this.bucket(type).entries()]
      .filter(([, o]) => namespace === undefined || o.metadata.namespace === namespace)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([, o]) => structuredClone(o));
  }

  /** Stores (or removes, for DELETED) obj under a new resourceVersion and tells every listener. */
  commit(type: ResourceType, change: ChangeType, obj: KubeObject): KubeObject {
    const stored = structuredClone(obj);
    stored.metadata.resourceVersion = String(++this.rv);
    const key = objectKey(stored.metadata.namespace, stored.metadata.name);
    const bucket = this.bucket(type);
    const previous = bucket.get(key);
    if (change === 'DELETED') bucket.delete(key);
    else bucket.set(key, stored);
    const record: StoredChange = {
      rv: this.rv,
      type: change,
      resource: type,
      object: stored,
      ...(change === 'MODIFIED' && previous ? { previous } : {}),
    };
    this.history.push(record);
    if (this.history.length > this.historyLimit) {
      const dropped = this.history.splice(0, this.history.length - this.historyLimit);
      this.floor = dropped[dropped.length - 1]?.rv ?? this.floor;
    }
    this.deliver(record);
    return structuredClone(stored);
  }

  /**
   * Tells every listener, in resourceVersion order: a change committed by a listener (a controller
   * reacting) is delivered after the one it reacts to has reached every listener, watches included.
   */
  private deliver(record: StoredChange): void {
    this.pending.push(record);
    if (this.delivering) return;
    this.delivering = true;
    try {
      for (let next = this.pending.shift(); next; next = this.pending.shift())
        for (const listener of [...this.listeners]) listener(next);
    } finally {
      this.delivering = false;
    }
  }

  /** Changes after rv, or 'gone' when history no longer reaches back that far. */
  changesSince(rv: number): readonly StoredChange[] | 'gone' {
    if (rv < this.floor) return 'gone';
    return this.history.filter((c) => c.rv > rv);
  }

  /** Forgets the history: a watch from any resourceVersion older than now gets 410 Gone. */
  compact(): void {
    this.history = [];
    this.floor = this.rv;
  }

  subscribe(listener: ChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Every stored object of every type (for owner-reference cascades). */
  all(): { type: ResourceType; object: KubeObject }[] {
    return [...this.objects.values()].flatMap(({ type, items }) =>
      [...items.values()].map((o) => ({ type, object: structuredClone(o) })),
    );
  }

  private bucket(type: ResourceType): Map<string, KubeObject> {
    const key = resourceKey(type);
    let bucket = this.objects.get(key);
    if (!bucket) {
      bucket = { type, items: new Map() };
      this.objects.set(key, bucket);
    }
    return bucket.items;
  }
}
