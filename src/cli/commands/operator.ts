import { hostname } from 'node:os';
import { Registry } from 'prom-client';
import type { Command, CommandOptions } from '../command.js';
import { builtInCatalogueNames, loadBuiltInCatalogue } from '../../catalogue/registry.js';
import { ClientNodeKubeClient, loadKubeConfig } from '../../kube/client-node-kube-client.js';
import { openDialect } from '../../dialects/open-dialect.js';
import { DatabaseWatch } from '../../metrics/database-watch.js';
import { createMetrics } from '../../metrics/metrics.js';
import { startMetricsServer } from '../../metrics/metrics-server.js';
import { readBookkeeping } from '../../operator/bookkeeping-reader.js';
import { EventRecorder } from '../../operator/event-recorder.js';
import { Operator } from '../../operator/operator.js';
import { parseOperatorConfig } from '../../operator/operator-config.js';
import { packageVersion } from '../../operator/package-version.js';
import { operatorMetrics } from '../../operator/operator-metrics.js';
import type { CatalogueLookup } from '../../operator/validate-spec.js';
import { DEFAULT_QUEUE_OPTIONS } from '../../operator/work-queue.js';

const s = (valueName: string, description: string): CommandOptions[string] => ({
  type: 'string',
  valueName,
  description,
});

const OPTIONS: CommandOptions = {
  'watch-namespace': s(
    '<ns[,ns…]>',
    'namespaces to watch (default: $WATCH_NAMESPACE, empty = all namespaces)',
  ),
  workers: s('<n>', 'resources reconciled at once (default 2)'),
  'job-image': s(
    '<image>',
    "image of the phase Jobs, normally the operator's own (default: $OPERATOR_IMAGE)",
  ),
  'job-image-pull-policy': s(
    '<policy>',
    "imagePullPolicy of the Jobs: Always, IfNotPresent or Never (default: Kubernetes' default for the tag)",
  ),
  'job-service-account': s('<name>', "service account of the Jobs' pods (default: the namespace's default)"),
  'job-run-as-user': s('<uid>', 'numeric non-root user of the Jobs (default 10001)'),
  'job-ttl-seconds': s('<n>', 'ttlSecondsAfterFinished when the resource does not set it (default 86400)'),
  'job-cpu-request': s('<q>', 'Job CPU request (default 50m)'),
  'job-memory-request': s('<q>', 'Job memory request (default 128Mi)'),
  'job-cpu-limit': s('<q>', 'Job CPU limit (default 1)'),
  'job-memory-limit': s('<q>', 'Job memory limit (default 512Mi)'),
  'lease-name': s('<name>', 'leader election Lease (default index-operator-leader)'),
  'lease-namespace': s('<ns>', 'namespace of the Lease (default: $POD_NAMESPACE, else default)'),
  'lease-duration': s('<duration>', 'how long a lease lasts without renewal (default 15s)'),
  'renew-deadline': s(
    '<duration>',
    'the leader stops working when it could not renew for this long (default 10s)',
  ),
  'retry-period': s('<duration>', 'how often to renew or try to acquire (default 2s)'),
  identity: s('<name>', 'this replica in the Lease (default: $POD_NAME, else the host name)'),
  'bind-address': s('<addr>', 'address of the probe and metrics servers (default 0.0.0.0)'),
  'health-port': s('<port>', '/healthz and /readyz (default 8081)'),
  'metrics-port': s('<port>', '/metrics for Prometheus (default 8080)'),
  'poll-interval': s('<duration>', 'how often a running Job is looked at for progress (default 5s)'),
  'resync-period': s(
    '<duration>',
    'how often a settled resource is checked against its database, e.g. for a phase rolled back by hand (default 10m)',
  ),
  kubeconfig: s('<path>', 'kubeconfig to use (default: in-cluster, else $KUBECONFIG or ~/.kube/config)'),
};

/** Built-in catalogues, as the controller looks them up (phases with index counts). */
export function builtInCatalogues(): CatalogueLookup & { load: typeof loadBuiltInCatalogue } {
  return {
    names: builtInCatalogueNames,
    load: loadBuiltInCatalogue,
    phases: (name) =>
      builtInCatalogueNames().includes(name)
        ? loadBuiltInCatalogue(name).phases.map((p) => ({ name: p.name, indexes: p.indexes.length }))
        : undefined,
  };
}

export const operatorCommand: Command = {
  name: 'operator',
  summary:
    'run the Kubernetes controller for IndexMigration resources (in cluster, or with the local kubeconfig)',
  usage: '[--watch-namespace <ns,…>] [--workers <n>] [--job-image <image>] [--lease-name <name>] …',
  details: [
    'Leader-elected on a coordination.k8s.io Lease: only the leader reconciles; SIGTERM releases the lease.',
    'Example:',
    '  index-operator operator --job-image ghcr.io/example/index-operator:0.1.0 --watch-namespace mcp',
  ].join('\n'),
  options: OPTIONS,
  async run(ctx) {
    const config = parseOperatorConfig(ctx.values, ctx.io.env, hostname(), ctx.global.logLevel);
    const log = ctx.log.child({ component: 'operator' });
    const kube = new ClientNodeKubeClient(loadKubeConfig(config.kubeconfig));
    const registry = new Registry();
    const metrics = createMetrics(registry, { version: packageVersion() ?? 'unknown' });
    // Health and live build progress of each migration's database, refreshed before a scrape when stale.
    const watch = new DatabaseWatch({ metrics, open: (url) => openDialect(url, { poolSize: 2, log }), log });
    const metricsServer = await startMetricsServer({
      port: config.metricsPort,
      host: config.bindAddress,
      registry,
      beforeScrape: () => watch.refreshStale(),
      log,
    });
    const operator = new Operator(
      {
        kube,
        log,
        catalogues: builtInCatalogues(),
        readBookkeeping,
        jobSettings: config.jobs,
        events: new EventRecorder(kube, log, config.lease.identity),
        now: () => new Date(),
        pollMs: config.pollMs,
        resyncMs: config.resyncMs,
        metrics: operatorMetrics(metrics, watch),
      },
      {
        controller: { namespaces: config.namespaces, workers: config.workers, queue: DEFAULT_QUEUE_OPTIONS },
        lease: config.lease,
        probes: { host: config.bindAddress, port: config.healthPort },
      },
    );
    try {
      await operator.run(ctx.signal);
    } finally {
      await metricsServer.close();
      await watch.close();
    }
    return 0;
  },
};
