/**
 * A small HTTP server for Prometheus: `GET /metrics` renders the registry in the text exposition
 * format. The operator adds `/healthz` and `/readyz` as extra routes so one server (one port) serves
 * all three. `beforeScrape` runs before each render (the health monitor refreshes there, throttled).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import type { Logger } from '../log.js';

export const DEFAULT_BEFORE_SCRAPE_BUDGET_MS = 2_000;

export interface RouteResult {
  readonly status: number;
  readonly body: string;
  readonly contentType?: string;
}

export type Route = () => RouteResult | Promise<RouteResult>;

export interface MetricsServerOptions {
  /** 0 picks a free port. */
  readonly port: number;
  /** Interface to bind; default 127.0.0.1. In a pod, pass 0.0.0.0 so Prometheus can reach it. */
  readonly host?: string;
  readonly registry: Registry;
  /** Extra GET routes by exact path, e.g. `{ '/healthz': ..., '/readyz': ... }`. */
  readonly routes?: Readonly<Record<string, Route>>;
  /**
   * Run before each /metrics render (the health monitor refreshes there). A scrape waits for it at
   * most `beforeScrapeBudgetMs`, then serves the last values (a slow database must not fail scrapes);
   * a failure is logged and the scrape still answers.
   */
  readonly beforeScrape?: () => Promise<void>;
  /** Default 2000 ms: well inside Prometheus's default 10 s scrape timeout. */
  readonly beforeScrapeBudgetMs?: number;
  readonly log?: Logger;
}

export interface MetricsServer {
  /** The bound port (useful with port 0). */
  readonly port: number;
  /** `http://host:port`. */
  readonly url: string;
  close(): Promise<void>;
}

export async function startMetricsServer(options: MetricsServerOptions): Promise<MetricsServer> {
  const host = options.host ?? '127.0.0.1';
  const routes: Record<string, Route> = { ...options.routes, '/metrics': () => renderMetrics(options) };
  const server = createServer((req, res) => {
    void handle(routes, req, res, options.log);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  return {
    port,
    url: `http://${urlHost}:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}

async function renderMetrics(options: MetricsServerOptions): Promise<RouteResult> {
  if (options.beforeScrape) {
    const refresh = options.beforeScrape().catch((e: unknown) => {
      options.log?.warn({ err: e }, 'refresh before scrape failed; serving the last values');
    });
    let timer: NodeJS.Timeout | undefined;
    const budget = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, options.beforeScrapeBudgetMs ?? DEFAULT_BEFORE_SCRAPE_BUDGET_MS);
    });
    await Promise.race([refresh, budget]);
    clearTimeout(timer);
  }
  return {
    status: 200,
    body: await options.registry.metrics(),
    contentType: options.registry.contentType,
  };
}

async function handle(
  routes: Readonly<Record<string, Route>>,
  req: IncomingMessage,
  res: ServerResponse,
  log: Logger | undefined,
): Promise<void> {
  const path = (req.url ?? '/').split('?')[0] ?? '/';
  const route = routes[path];
  if (req.method !== 'GET' && req.method !== 'HEAD')
    return send(res, { status: 405, body: 'method not allowed\n' });
  if (!route) return send(res, { status: 404, body: 'not found\n' });
  try {
    send(res, await route());
  } catch (e) {
    log?.error({ err: e, path }, 'metrics server route failed');
    send(res, { status: 500, body: 'internal error\n' });
  }
}

function send(res: ServerResponse, result: RouteResult): void {
  res.writeHead(result.status, { 'content-type': result.contentType ?? 'text/plain; charset=utf-8' });
  res.end(result.body);
}
