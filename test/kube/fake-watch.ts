/**
 * One watch stream of the fake API server: newline-delimited JSON watch events over a chunked HTTP
 * response, as the real API server sends them. From resourceVersion unset/"0": synthetic ADDED for
 * what exists, then live changes; from rv N: the stored changes after N, then live; N older than the
 * history window: an ERROR event with a 410 Status (or HTTP 410) and the stream ends.
 */
import type { ServerResponse } from 'node:http';
import { apiVersionOf, type ResourceType } from './kube-resources.js';
import type { FakeStore, KubeObject, StoredChange } from './fake-store.js';
import type { Matcher } from './selectors.js';

export interface WatchRequest {
  readonly type: ResourceType;
  readonly namespace: string | undefined;
  readonly resourceVersion: string | null;
  readonly allowBookmarks: boolean;
  readonly timeoutSeconds: number | undefined;
  readonly matches: Matcher;
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

export function goneStatus(rv: string, current: string): Record<string, unknown> {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: `too old resource version: ${rv} (${current})`,
    reason: 'Expired',
    code: 410,
  };
}

export class WatchStream {
  private closed = false;
  private unsubscribe: () => void = () => undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly req: WatchRequest,
    private readonly res: ServerResponse,
    private readonly onEnd: (w: WatchStream) => void,
  ) {}

  /** Starts the stream; answers 410 (event or HTTP, as asked) and ends when rv is too old. */
  start(store: FakeStore, goneAs: 'event' | 'http'): void {
    const rv = this.req.resourceVersion;
    const backlog =
      rv === null || rv === '' || rv === '0' ? this.initialAdds(store) : store.changesSince(Number(rv));
    if (backlog === 'gone') {
      const status = goneStatus(rv ?? '', store.resourceVersion);
      if (goneAs === 'http') {
        this.res.writeHead(410, { 'content-type': 'application/json' }).end(JSON.stringify(status));
        return;
      }
      this.begin();
      this.send('ERROR', status);
      this.end();
      return;
    }
    this.begin();
    this.res.on('close', () => this.end());
    this.unsubscribe = store.subscribe((change) => this.forward(change));
    for (const change of backlog) this.forward(change);
    if (this.req.allowBookmarks) this.bookmark(store.resourceVersion);
    if (this.req.timeoutSeconds !== undefined) {
      this.timer = setTimeout(() => this.end(), this.req.timeoutSeconds * 1000);
    }
  }

  get allowsBookmarks(): boolean {
    return this.req.allowBookmarks;
  }

  bookmark(resourceVersion: string): void {
    this.send('BOOKMARK', {
      kind: this.req.type.kind,
      apiVersion: apiVersionOf(this.req.type),
      metadata: { resourceVersion },
    });
  }

  /** Ends the stream from the server side (the client sees the connection close). */
  end(): void {
    if (this.closed) return;
    this.closed = true;
    this.unsubscribe();
    if (this.timer) clearTimeout(this.timer);
    this.res.end();
    this.onEnd(this);
  }

  private begin(): void {
    this.res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
    this.res.flushHeaders();
  }

  private initialAdds(store: FakeStore): StoredChange[] {
    return store.list(this.req.type, this.req.namespace).map((object) => ({
      rv: Number(object.metadata.resourceVersion),
      type: 'ADDED',
      resource: this.req.type,
      object,
    }));
  }

  private forward(change: StoredChange): void {
    if (change.resource !== this.req.type) return;
    const now = this.visible(change.object);
    const before = change.previous !== undefined && this.visible(change.previous);
    if (change.type === 'MODIFIED') {
      if (now && before) this.send('MODIFIED', change.object);
      else if (now) this.send('ADDED', change.object);
      else if (before) this.send('DELETED', change.object);
    } else if (now) {
      this.send(change.type, change.object);
    }
  }

  private visible(obj: KubeObject): boolean {
    if (this.req.namespace !== undefined && obj.metadata.namespace !== this.req.namespace) return false;
    return this.req.matches(obj);
  }

  private send(type: WatchEventType, object: unknown): void {
    if (this.closed) return;
    this.res.write(`${JSON.stringify({ type, object })}\n`);
  }
}
