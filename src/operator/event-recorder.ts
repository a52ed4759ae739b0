/**
 * Kubernetes Events (core/v1) about an IndexMigration. Identical events (same object, type, reason,
 * message) are sent once per `dedupeMs`, so a problem retried with backoff does not flood the list.
 * A failure to send an event is logged and never fails the reconcile.
 */
import { randomBytes } from 'node:crypto';
import type { Logger } from '../log.js';
import { redactUrl } from '../redact.js';
import type { KubeClient } from '../kube/kube-client.js';
import { API_VERSION, KIND, type IndexMigration } from './types.js';

export type EventType = 'Normal' | 'Warning';

export const EVENT_COMPONENT = 'index-operator';

export class EventRecorder {
  private readonly sent = new Map<string, number>();

  constructor(
    private readonly kube: KubeClient,
    private readonly log: Logger,
    private readonly instance: string,
    private readonly now: () => Date = () => new Date(),
    private readonly dedupeMs = 10 * 60_000,
  ) {}

  async record(m: IndexMigration, type: EventType, reason: string, message: string): Promise<void> {
    const { name = '', namespace = '', uid = '' } = m.metadata;
    const text = redactUrl(message);
    const key = `${uid}|${type}|${reason}|${text}`;
    const at = this.now();
    const last = this.sent.get(key);
    if (last !== undefined && at.getTime() - last < this.dedupeMs) return;
    this.sent.set(key, at.getTime());
    this.prune(at.getTime());
    const time = at.toISOString();
    try {
      await this.kube.createEvent(namespace, {
        metadata: { name: `${name}.${randomBytes(8).toString('hex')}`, namespace },
        involvedObject: {
          apiVersion: API_VERSION,
          kind: KIND,
          name,
          namespace,
          uid,
          resourceVersion: m.metadata.resourceVersion,
        },
        type,
        reason,
        message: text,
        source: { component: EVENT_COMPONENT },
        firstTimestamp: time,
        lastTimestamp: time,
        count: 1,
        reportingComponent: EVENT_COMPONENT,
        reportingInstance: this.instance,
      });
    } catch (e) {
      this.sent.delete(key);
      this.log.warn({ err: e, migration: name, namespace, reason }, 'could not record event');
    }
  }

  private prune(now: number): void {
    if (this.sent.size < 1000) return;
    for (const [key, at] of this.sent) if (now - at >= this.dedupeMs) this.sent.delete(key);
  }
}
