/**
 * An in-process Kubernetes API server for tests: node:http on 127.0.0.1 (random port) speaking the real
 * REST and watch protocol for the kinds the operator uses (see kube-resources.ts), so the real
 * @kubernetes/client-node talks to it through `server.kubeConfig()`.
 *
 * Test hooks are methods, not HTTP: read and write objects directly, set a Job's status, cut every
 * watch, compact the history (next watch from an old resourceVersion gets 410 Gone), send bookmarks,
 * count requests by verb and resource, and inject one-off failures.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { FakeStore, type KubeObject, type StoredChange } from './fake-store.js';
import {
  ApiError,
  FakeApiHandlers,
  PATCH_TYPES,
  type DeleteOptions,
  type Subresource,
} from './fake-api-handlers.js';
import { WatchStream } from './fake-watch.js';
import { fieldMatcher, labelMatcher, SelectorError } from './selectors.js';
import { loadCrd } from './crd-validator.js';
import {
  apiVersionOf,
  CUSTOM_RESOURCE_DEFINITIONS,
  JOBS,
  matchesResourceName,
  parseResourceName,
  resourceTypeByName,
  type ResourceType,
} from './kube-resources.js';
import {
  deleteOptions,
  discovery,
  readBody,
  route as routeOf,
  sendJson,
  verbOf,
  type Route,
  type Verb,
} from './fake-api-http.js';

export type { Verb };

export interface RecordedRequest {
  readonly verb: Verb;
  readonly group: string;
  readonly resource: string;
  readonly subresource: string | undefined;
  readonly namespace: string | undefined;
  readonly name: string | undefined;
}

/** Which requests an injected failure applies to; unset fields match anything. */
export interface RequestMatch {
  readonly verb?: Verb;
  /** kubectl-style `resource[.group][/subresource]`: `jobs`, `indexmigrations/status`, `leases`. */
  readonly resource?: string;
  readonly namespace?: string;
  readonly name?: string;
}

export interface InjectedFailure {
  readonly code: number;
  readonly reason?: string;
  readonly message?: string;
}

export interface FakeApiServerOptions {
  /** How a watch from a compacted resourceVersion is refused: ERROR event in a 200 stream (default) or HTTP 410. */
  readonly goneAs?: 'event' | 'http';
  /** Changes kept for watches before older ones are compacted away. */
  readonly historyLimit?: number;
  /** The Kubernetes 1.x version modelled (CRD admission); default: the oldest the chart claims. */
  readonly kubernetesMinor?: number;
  /**
   * Turns the OwnerReferencesPermissionEnforcement admission plugin on (as OpenShift does): the
   * `group/resource/finalizers` the caller may update. Creating an object whose ownerReference sets
   * blockOwnerDeletion on an owner outside this list is forbidden.
   */
  readonly finalizerUpdates?: readonly string[];
}

const DEFAULT_REASONS: Readonly<Record<number, string>> = {
  400: 'BadRequest',
  403: 'Forbidden',
  404: 'NotFound',
  409: 'Conflict',
  410: 'Expired',
  422: 'Invalid',
  429: 'TooManyRequests',
  500: 'InternalError',
  503: 'ServiceUnavailable',
};

export class FakeApiServer {
  readonly store: FakeStore;
  readonly handlers: FakeApiHandlers;
  /** Every API request received, in order (discovery requests are not recorded). */
  readonly requests: RecordedRequest[] = [];
  private readonly watches = new Set<WatchStream>();
  /** Watch requests held back while watches are paused (started on resume). */
  private heldWatches: (() => void)[] | undefined;
  private readonly failures: { match: RequestMatch; failure: InjectedFailure; remaining: number }[] = [];
  private readonly server: Server;
  private port = 0;

  private constructor(private readonly options: FakeApiServerOptions) {
    this.store = new FakeStore(options.historyLimit);
    this.handlers = new FakeApiHandlers(this.store, options.kubernetesMinor, options.finalizerUpdates);
    // The CRD is installed as `kubectl apply -f crds/` would: one the modelled version refuses stops here.
    this.handlers.create(CUSTOM_RESOURCE_DEFINITIONS, undefined, loadCrd());
    this.server = createServer((req, res) => void this.handle(req, res));
  }

  static async start(options: FakeApiServerOptions = {}): Promise<FakeApiServer> {
    const fake = new FakeApiServer(options);
    await new Promise<void>((resolve, reject) => {
      fake.server.once('error', reject);
      fake.server.listen(0, '127.0.0.1', () => resolve());
    });
    fake.port = (fake.server.address() as AddressInfo).port;
    return fake;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** A KubeConfig for the real client, pointed at this server (context namespace as given). */
  kubeConfig(namespace = 'default'): KubeConfig {
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'fake', server: this.url, skipTLSVerify: true }],
      users: [{ name: 'fake', token: 'fake-token' }],
      contexts: [{ name: 'fake', cluster: 'fake', user: 'fake', namespace }],
      currentContext: 'fake',
    });
    return kc;
  }

  async close(): Promise<void> {
    this.cutWatches();
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  // ---- test hooks -------------------------------------------------------------------------

  get(resource: string, namespace: string | undefined, name: string): KubeObject | undefined {
    return this.store.get(resourceTypeByName(resource), namespace, name);
  }

  list(resource: string, namespace?: string): KubeObject[] {
    return this.store.list(resourceTypeByName(resource), namespace);
  }

  /** Creates as a client would (defaults, validation, generateName), without counting a request. */
  create(resource: string, obj: unknown): KubeObject {
    const type = resourceTypeByName(resource);
    const ns = (obj as { metadata?: { namespace?: string } }).metadata?.namespace;
    return this.handlers.create(type, type.namespaced ? (ns ?? 'default') : undefined, obj);
  }

  /** Merge-patches the object (or its status), bypassing resourceVersion checks. */
  patch(
    resource: string,
    namespace: string | undefined,
    name: string,
    patch: unknown,
    sub?: Subresource,
  ): KubeObject {
    return this.handlers.patch(
      resourceTypeByName(resource),
      namespace,
      name,
      'application/merge-patch+json',
      patch,
      sub,
    );
  }

  delete(resource: string, namespace: string | undefined, name: string, options?: DeleteOptions): KubeObject {
    return this.handlers.delete(resourceTypeByName(resource), namespace, name, options).object;
  }

  /** Replaces a Job's status, as the Job controller would. */
  setJobStatus(namespace: string, name: string, status: Record<string, unknown>): KubeObject {
    const job = this.handlers.get(JOBS, namespace, name);
    return this.handlers.update(JOBS, namespace, name, { ...job, status }, 'status');
  }

  /** Ends every open watch stream; returns how many were open. */
  cutWatches(): number {
    const open = [...this.watches];
    for (const w of open) w.end();
    return open.length;
  }

  /**
   * Holds new watch requests unanswered until resumeWatches(): with cutWatches() first, this is a
   * client that is disconnected while the server changes (and maybe compacts) underneath it.
   */
  pauseWatches(): void {
    this.heldWatches ??= [];
  }

  resumeWatches(): void {
    const held = this.heldWatches ?? [];
    this.heldWatches = undefined;
    for (const start of held) start();
  }

  /** Watch requests waiting for resumeWatches(). */
  get heldWatchCount(): number {
    return this.heldWatches?.length ?? 0;
  }

  get openWatchCount(): number {
    return this.watches.size;
  }

  /** Forgets the change history: the next watch from an older resourceVersion gets 410 Gone. */
  compactHistory(): void {
    this.store.compact();
  }

  /** Sends a BOOKMARK with the current resourceVersion on every watch that allowed bookmarks. */
  sendBookmarks(): void {
    for (const w of this.watches) if (w.allowsBookmarks) w.bookmark(this.store.resourceVersion);
  }

  /** Requests matching verb and kubectl-style resource (`jobs`, `indexmigrations/status`). */
  countRequests(verb?: Verb, resource?: string): number {
    return this.requests.filter((r) =>
      matchesRequest(r, { ...(verb ? { verb } : {}), ...(resource ? { resource } : {}) }),
    ).length;
  }

  /** The next `times` requests matching `match` are answered with the failure instead. */
  failNext(match: RequestMatch, failure: InjectedFailure, times = 1): void {
    this.failures.push({ match, failure, remaining: times });
  }

  /** Calls listener for every stored change of the resource (in process; unaffected by cutWatches). */
  onChange(resource: string, listener: (change: StoredChange) => void): () => void {
    const type = resourceTypeByName(resource);
    return this.store.subscribe((c) => {
      if (c.resource === type) listener(c);
    });
  }

  /** Resolves with the object once predicate holds for it; rejects after timeoutMs naming its last state. */
  async waitFor(
    resource: string,
    namespace: string | undefined,
    name: string,
    predicate: (obj: KubeObject | undefined) => boolean,
    timeoutMs = 10_000,
  ): Promise<KubeObject | undefined> {
    const check = (): boolean => predicate(this.get(resource, namespace, name));
    if (check()) return this.get(resource, namespace, name);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        stop();
        const last = JSON.stringify(this.get(resource, namespace, name) ?? null);
        reject(
          new Error(
            `timed out after ${timeoutMs}ms waiting for ${resource} ${namespace ?? ''}/${name}; last: ${last}`,
          ),
        );
      }, timeoutMs);
      const stop = this.onChange(resource, () => {
        if (!check()) return;
        clearTimeout(timer);
        stop();
        resolve(this.get(resource, namespace, name));
      });
    });
  }

  // ---- HTTP -------------------------------------------------------------------------------

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const url = new URL(req.url ?? '/', this.url);
      if (discovery(url.pathname, res)) return;
      const route = routeOf(url.pathname);
      const verb = verbOf(req.method ?? 'GET', route, url.searchParams);
      const record: RecordedRequest = {
        verb,
        group: route.type.group,
        resource: route.type.resource,
        subresource: route.subresource,
        namespace: route.namespace,
        name: route.name,
      };
      this.requests.push(record);
      const body = await readBody(req);
      this.injectFailure(record);
      if (verb === 'watch') return this.watch(route, url.searchParams, res);
      const [code, result] = this.dispatch(
        verb,
        route,
        url.searchParams,
        req.headers['content-type'] ?? '',
        body,
      );
      sendJson(res, code, result);
    } catch (e) {
      const error =
        e instanceof ApiError
          ? e
          : e instanceof SelectorError
            ? new ApiError(400, 'BadRequest', e.message)
            : new ApiError(
                500,
                'InternalError',
                `fake API server: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`,
              );
      if (!res.headersSent) sendJson(res, error.code, error.toStatus());
      else res.end();
    }
  }

  private dispatch(
    verb: Verb,
    route: Route,
    query: URLSearchParams,
    contentType: string,
    body: unknown,
  ): [number, unknown] {
    const { type, namespace, name = '' } = route;
    const sub = route.subresource as Subresource;
    switch (verb) {
      case 'get':
        return [200, this.handlers.get(type, namespace, name)];
      case 'list':
        return [200, this.listBody(type, namespace, query)];
      case 'create':
        this.handlers.enforceOwnerReferencePermission(type, body);
        return [201, this.handlers.create(type, namespace, body)];
      case 'update':
        return [200, this.handlers.update(type, namespace, name, body, sub)];
      case 'patch': {
        const patchType = contentType.split(';')[0]?.trim() ?? '';
        if (!PATCH_TYPES.includes(patchType)) {
          throw new ApiError(
            415,
            'UnsupportedMediaType',
            `the body of the request was in an unknown format - accepted media types include: ${PATCH_TYPES.join(', ')}`,
          );
        }
        return [200, this.handlers.patch(type, namespace, name, patchType, body, sub)];
      }
      case 'delete': {
        const { object, removed } = this.handlers.delete(type, namespace, name, deleteOptions(query, body));
        const status = {
          kind: 'Status',
          apiVersion: 'v1',
          metadata: {},
          status: 'Success',
          details: { name, group: type.group, kind: type.resource, uid: object.metadata.uid },
        };
        return [200, removed ? status : object];
      }
      case 'watch':
        throw new ApiError(500, 'InternalError', 'watch is streamed, not dispatched');
    }
  }

  private listBody(
    type: ResourceType,
    namespace: string | undefined,
    query: URLSearchParams,
  ): Record<string, unknown> {
    const byLabel = labelMatcher(query.get('labelSelector'));
    const byField = fieldMatcher(query.get('fieldSelector'));
    return {
      kind: type.listKind,
      apiVersion: apiVersionOf(type),
      metadata: { resourceVersion: this.store.resourceVersion },
      items: this.store.list(type, namespace).filter((o) => byLabel(o) && byField(o)),
    };
  }

  private watch(route: Route, query: URLSearchParams, res: ServerResponse): void {
    const byLabel = labelMatcher(query.get('labelSelector'));
    const byField = fieldMatcher(query.get('fieldSelector'));
    const timeout = query.get('timeoutSeconds');
    const stream = new WatchStream(
      {
        type: route.type,
        namespace: route.namespace,
        resourceVersion: query.get('resourceVersion'),
        allowBookmarks: query.get('allowWatchBookmarks') === 'true',
        timeoutSeconds: timeout === null ? undefined : Number(timeout),
        matches: (o) => byLabel(o) && byField(o),
      },
      res,
      (w) => this.watches.delete(w),
    );
    const start = (): void => {
      if (res.destroyed) return;
      this.watches.add(stream);
      stream.start(this.store, this.options.goneAs ?? 'event');
    };
    if (this.heldWatches) this.heldWatches.push(start);
    else start();
  }

  private injectFailure(record: RecordedRequest): void {
    const index = this.failures.findIndex((f) => f.remaining > 0 && matchesRequest(record, f.match));
    const entry = this.failures[index];
    if (!entry) return;
    entry.remaining -= 1;
    if (entry.remaining === 0) this.failures.splice(index, 1);
    const { code, reason, message } = entry.failure;
    throw new ApiError(
      code,
      reason ?? DEFAULT_REASONS[code] ?? 'Unknown',
      message ?? `injected failure for ${record.verb} ${record.resource}`,
      {
        ...(record.name ? { name: record.name } : {}),
        group: record.group,
        kind: record.resource,
      },
    );
  }
}

function matchesRequest(r: RecordedRequest, m: RequestMatch): boolean {
  if (m.verb !== undefined && r.verb !== m.verb) return false;
  if (m.namespace !== undefined && r.namespace !== m.namespace) return false;
  if (m.name !== undefined && r.name !== m.name) return false;
  if (m.resource === undefined) return true;
  const [name = '', sub] = m.resource.split('/');
  return matchesResourceName(r, parseResourceName(name)) && r.subresource === sub;
}
