/**
 * Runs real Operator instances (leader election, informers, queue, reconciler, the real
 * @kubernetes/client-node) against E5's in-process fake API server, with timings shortened so the
 * tests stay fast. Databases are real (test/helpers/databases.ts).
 */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { FakeApiServer } from '../kube/fake-api-server.js';
import { createLogger, type Logger } from '../../src/log.js';
import { ClientNodeKubeClient } from '../../src/kube/client-node-kube-client.js';
import { builtInCatalogues } from '../../src/cli/commands/operator.js';
import { readBookkeeping } from '../../src/operator/bookkeeping-reader.js';
import { EventRecorder } from '../../src/operator/event-recorder.js';
import { DEFAULT_JOB_SETTINGS } from '../../src/operator/job-builder.js';
import { Operator } from '../../src/operator/operator.js';
import { OPERATOR_API_CALLS } from '../../src/operator/api-calls.js';
import type { IndexMigration, IndexMigrationSpec } from '../../src/operator/types.js';
import { Registry } from 'prom-client';
import { openDialect } from '../../src/dialects/open-dialect.js';
import { DatabaseWatch } from '../../src/metrics/database-watch.js';
import { createMetrics } from '../../src/metrics/metrics.js';
import { startMetricsServer, type MetricsServer } from '../../src/metrics/metrics-server.js';
import { operatorMetrics } from '../../src/operator/operator-metrics.js';

export const NS = 'apps';

export interface RunningOperator {
  readonly identity: string;
  readonly operator: Operator;
  /** SIGTERM-like: stop leading, release the lease, finish. */
  stop(): Promise<void>;
  /** GET /metrics of this replica (started with `metrics: true`), as Prometheus would read it. */
  scrape(): Promise<string>;
}

export interface StartOptions {
  readonly resyncMs?: number;
  /** Wire the metrics as the `operator` command does and serve them on a port of their own. */
  readonly metrics?: boolean;
}

/** Log lines of every operator in the test, for assertions (and LOG_LEVEL=debug to see them). */
export const logLines: string[] = [];

function testLogger(): Logger {
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      logLines.push(chunk.toString('utf8'));
      if (process.env['OPERATOR_TEST_LOG']) process.stderr.write(chunk);
      done();
    },
  });
  return createLogger({ level: 'debug', destination: sink });
}

/** The operator command's metrics wiring: registry, database watch, hooks, and /metrics on a free port. */
function wireMetrics(log: Logger): {
  readonly hooks: ReturnType<typeof operatorMetrics>;
  readonly server: Promise<MetricsServer>;
  readonly watch: DatabaseWatch;
} {
  const registry = new Registry();
  const metrics = createMetrics(registry, { defaultMetrics: false, version: 'test' });
  const watch = new DatabaseWatch({ metrics, open: (url) => openDialect(url, { poolSize: 1, log }), log });
  const server = startMetricsServer({ port: 0, registry, beforeScrape: () => watch.refreshStale(), log });
  return { hooks: operatorMetrics(metrics, watch), server, watch };
}

export function startOperator(
  server: FakeApiServer,
  identity = 'op-1',
  namespaces: readonly string[] | 'all' = [NS],
  options: StartOptions | number = {},
): RunningOperator {
  const { resyncMs, metrics } = typeof options === 'number' ? { resyncMs: options, metrics: false } : options;
  const kube = new ClientNodeKubeClient(server.kubeConfig(NS), {
    informerBackoff: { initialMs: 50, maxMs: 500 },
  });
  const log = testLogger().child({ identity });
  const wired = metrics ? wireMetrics(log) : undefined;
  const operator = new Operator(
    {
      kube,
      log,
      catalogues: builtInCatalogues(),
      readBookkeeping,
      jobSettings: { ...DEFAULT_JOB_SETTINGS, image: 'index-operator:test', logLevel: 'warn' },
      events: new EventRecorder(kube, log, identity),
      now: () => new Date(),
      pollMs: 150,
      ...(resyncMs === undefined ? {} : { resyncMs }),
      ...(wired ? { metrics: wired.hooks } : {}),
    },
    {
      controller: { namespaces, workers: 2, queue: { baseDelayMs: 50, maxDelayMs: 600 } },
      lease: {
        namespace: NS,
        name: 'index-operator-leader',
        identity,
        leaseDurationMs: 1500,
        renewDeadlineMs: 1000,
        retryPeriodMs: 150,
      },
    },
  );
  const abort = new AbortController();
  const running = operator.run(abort.signal).finally(async () => {
    await (await wired?.server)?.close();
    await wired?.watch.close();
  });
  return {
    identity,
    operator,
    stop: async () => {
      abort.abort();
      await running;
    },
    scrape: async () => {
      if (!wired) throw new Error(`operator ${identity} was started without metrics`);
      const res = await fetch(`${(await wired.server).url}/metrics`);
      assert.equal(res.status, 200);
      return res.text();
    },
  };
}

export function migration(
  name: string,
  spec: Partial<IndexMigrationSpec> & Pick<IndexMigrationSpec, 'database'>,
): unknown {
  return {
    apiVersion: 'index-operator.io/v1alpha1',
    kind: 'IndexMigration',
    metadata: { name, namespace: NS },
    spec,
  };
}

export function pgDatabase(secretName: string): IndexMigrationSpec['database'] {
  return {
    dialect: 'postgresql',
    postgresql: { port: 5432, secretRef: { name: secretName, urlKey: 'DATABASE_URL' } },
  };
}

export function urlSecret(name: string, url: string): unknown {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace: NS },
    data: { DATABASE_URL: Buffer.from(url).toString('base64') },
  };
}

export function getMigration(server: FakeApiServer, name: string): IndexMigration | undefined {
  return server.get('indexmigrations', NS, name) as IndexMigration | undefined;
}

export function condition(
  m: IndexMigration | undefined,
  type: string,
): { status: string; reason: string; message: string } | undefined {
  return m?.status?.conditions?.find((c) => c.type === type);
}

/** Marks a Job finished as the Job controller would. */
export function finishJob(server: FakeApiServer, name: string, ok: boolean, message = 'failed'): void {
  const now = new Date().toISOString();
  server.setJobStatus(NS, name, {
    startTime: now,
    ...(ok ? { succeeded: 1, completionTime: now } : { failed: 1 }),
    conditions: [
      {
        type: ok ? 'Complete' : 'Failed',
        status: 'True',
        lastTransitionTime: now,
        ...(ok ? {} : { reason: 'BackoffLimitExceeded', message }),
      },
    ],
  });
}

/** `verb resource[/subresource]` of every entry of OPERATOR_API_CALLS. */
export function listedApiCalls(): Set<string> {
  return new Set(OPERATOR_API_CALLS.flatMap((c) => c.verbs.map((v) => `${v} ${c.resource}`)));
}

/** `verb resource[/subresource]` of every request the fake server saw. */
export function apiCallsMade(server: FakeApiServer): Set<string> {
  return new Set(
    server.requests.map((r) => `${r.verb} ${r.resource}${r.subresource ? `/${r.subresource}` : ''}`),
  );
}

/** Every request the operators made is in OPERATOR_API_CALLS (the chart's RBAC is built from it). */
export function assertOnlyListedApiCalls(server: FakeApiServer): void {
  const allowed = listedApiCalls();
  const outside = [...apiCallsMade(server)].filter((call) => !allowed.has(call));
  assert.deepEqual(outside, [], `API calls missing from OPERATOR_API_CALLS: ${outside.join(', ')}`);
}

/** The reverse: every entry of OPERATOR_API_CALLS was used (RBAC grants nothing the operator never does). */
export function assertEveryListedApiCallUsed(made: ReadonlySet<string>): void {
  const unused = [...listedApiCalls()].filter((call) => !made.has(call));
  assert.deepEqual(
    unused,
    [],
    `OPERATOR_API_CALLS lists calls the operator never made: ${unused.join(', ')}`,
  );
}
