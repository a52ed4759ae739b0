/**
 * KubeClient over @kubernetes/client-node 1.x: KubeConfig for credentials, makeInformer (kept alive by
 * ResilientInformer) for list + watch, plain REST for the rest. Every call here is listed in
 * src/operator/api-calls.ts (OPERATOR_API_CALLS); keep the two in step.
 */
import { KubeConfig } from '@kubernetes/client-node';
import { GROUP, PLURAL, VERSION, type IndexMigration } from '../operator/types.js';
import type {
  KubeClient,
  KubeEvent,
  KubeJob,
  KubeLease,
  KubeSecret,
  ObjectWatch,
  WatchHandlers,
} from './kube-client.js';
import { KubeRest } from './kube-rest.js';
import { ResilientInformer, type InformerBackoff } from './resilient-informer.js';

const MIGRATIONS = `/apis/${GROUP}/${VERSION}`;

function nsPath(base: string, namespace: string | undefined, plural: string, name?: string): string {
  const ns = namespace === undefined ? '' : `/namespaces/${encodeURIComponent(namespace)}`;
  return `${base}${ns}/${plural}${name === undefined ? '' : `/${encodeURIComponent(name)}`}`;
}

function watchPaths(base: string, plural: string, namespaces: readonly string[] | 'all'): string[] {
  return namespaces === 'all'
    ? [nsPath(base, undefined, plural)]
    : namespaces.map((ns) => nsPath(base, ns, plural));
}

export interface ClientOptions {
  readonly informerBackoff?: InformerBackoff;
}

export class ClientNodeKubeClient implements KubeClient {
  private readonly rest: KubeRest;

  constructor(
    private readonly kc: KubeConfig,
    private readonly options: ClientOptions = {},
  ) {
    this.rest = new KubeRest(kc);
  }

  get server(): string {
    return this.rest.server;
  }

  watchMigrations(
    namespaces: readonly string[] | 'all',
    handlers: WatchHandlers<IndexMigration>,
  ): ObjectWatch<IndexMigration> {
    const paths = watchPaths(MIGRATIONS, PLURAL, namespaces);
    return new ResilientInformer(
      this.kc,
      this.rest,
      paths,
      undefined,
      handlers,
      this.options.informerBackoff,
    );
  }

  watchJobs(
    namespaces: readonly string[] | 'all',
    labelSelector: string,
    handlers: WatchHandlers<KubeJob>,
  ): ObjectWatch<KubeJob> {
    const paths = watchPaths('/apis/batch/v1', 'jobs', namespaces);
    return new ResilientInformer(
      this.kc,
      this.rest,
      paths,
      labelSelector,
      handlers,
      this.options.informerBackoff,
    );
  }

  async getMigration(namespace: string, name: string): Promise<IndexMigration | undefined> {
    const res = await this.rest.expect('GET', nsPath(MIGRATIONS, namespace, PLURAL, name), undefined, [404]);
    return res.status === 404 ? undefined : (res.body as IndexMigration);
  }

  async replaceMigration(m: IndexMigration): Promise<IndexMigration> {
    const res = await this.rest.expect(
      'PUT',
      nsPath(MIGRATIONS, m.metadata.namespace, PLURAL, m.metadata.name),
      m,
    );
    return res.body as IndexMigration;
  }

  async replaceMigrationStatus(m: IndexMigration): Promise<IndexMigration> {
    const path = `${nsPath(MIGRATIONS, m.metadata.namespace, PLURAL, m.metadata.name)}/status`;
    const res = await this.rest.expect('PUT', path, m);
    return res.body as IndexMigration;
  }

  async createJob(namespace: string, job: KubeJob): Promise<'created' | 'exists'> {
    const res = await this.rest.expect('POST', nsPath('/apis/batch/v1', namespace, 'jobs'), job, [409]);
    return res.status === 409 ? 'exists' : 'created';
  }

  async deleteJob(namespace: string, name: string): Promise<void> {
    // Foreground: the Job stays (deletionTimestamp set) until its pods are gone, so the operator sees
    // when the run has really stopped. In the query string and the body alike: batch/v1 Jobs deleted
    // without a policy orphan their pods, which would keep building.
    const body = { apiVersion: 'v1', kind: 'DeleteOptions', propagationPolicy: 'Foreground' };
    const path = `${nsPath('/apis/batch/v1', namespace, 'jobs', name)}?propagationPolicy=Foreground`;
    await this.rest.expect('DELETE', path, body, [404]);
  }

  async getSecret(namespace: string, name: string): Promise<KubeSecret | undefined> {
    const res = await this.rest.expect(
      'GET',
      nsPath('/api/v1', namespace, 'secrets', name),
      undefined,
      [404],
    );
    return res.status === 404 ? undefined : (res.body as KubeSecret);
  }

  async createEvent(namespace: string, event: KubeEvent): Promise<void> {
    await this.rest.expect('POST', nsPath('/api/v1', namespace, 'events'), {
      apiVersion: 'v1',
      kind: 'Event',
      ...event,
    });
  }

  async getLease(namespace: string, name: string): Promise<KubeLease | undefined> {
    const res = await this.rest.expect(
      'GET',
      nsPath('/apis/coordination.k8s.io/v1', namespace, 'leases', name),
      undefined,
      [404],
    );
    return res.status === 404 ? undefined : (res.body as KubeLease);
  }

  async createLease(namespace: string, lease: KubeLease): Promise<KubeLease | 'conflict'> {
    const body = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', ...lease };
    const res = await this.rest.expect(
      'POST',
      nsPath('/apis/coordination.k8s.io/v1', namespace, 'leases'),
      body,
      [409],
    );
    return res.status === 409 ? 'conflict' : (res.body as KubeLease);
  }

  async replaceLease(namespace: string, lease: KubeLease): Promise<KubeLease | 'conflict'> {
    const path = nsPath('/apis/coordination.k8s.io/v1', namespace, 'leases', lease.metadata.name);
    const res = await this.rest.expect(
      'PUT',
      path,
      { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', ...lease },
      [409],
    );
    return res.status === 409 ? 'conflict' : (res.body as KubeLease);
  }
}

/** In-cluster config when running in a pod, else the local kubeconfig ($KUBECONFIG or ~/.kube/config). */
export function loadKubeConfig(kubeconfigPath?: string): KubeConfig {
  const kc = new KubeConfig();
  if (kubeconfigPath !== undefined) kc.loadFromFile(kubeconfigPath);
  else kc.loadFromDefault();
  return kc;
}

/** A KubeConfig for a server URL with no credentials (local API servers and tests). */
export function kubeConfigForServer(server: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'local', server, skipTLSVerify: true }],
    users: [{ name: 'local' }],
    contexts: [{ name: 'local', cluster: 'local', user: 'local' }],
    currentContext: 'local',
  });
  return kc;
}
