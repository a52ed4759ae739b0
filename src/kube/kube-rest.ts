/**
 * Plain JSON over the Kubernetes REST API, authenticated by @kubernetes/client-node's KubeConfig
 * (token, client certificates, CA, exec plugins). Objects stay plain JSON (the same shape the watch
 * streams deliver), so the operator sees one representation everywhere.
 */
import http from 'node:http';
import https from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';
import { TransientError } from '../errors.js';

export interface RestResponse {
  readonly status: number;
  readonly body: unknown;
}

export class KubeRest {
  constructor(private readonly kc: KubeConfig) {}

  get server(): string {
    return this.kc.getCurrentCluster()?.server ?? '';
  }

  /** One request; network failures become a TransientError naming the method and path. */
  async request(
    method: string,
    path: string,
    body?: unknown,
    contentType = 'application/json',
  ): Promise<RestResponse> {
    const opts: https.RequestOptions = { method, headers: {} };
    await this.kc.applyToHTTPSOptions(opts);
    const url = new URL(this.server.replace(/\/$/, '') + path);
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const headers = {
      ...(opts.headers as http.OutgoingHttpHeaders | undefined),
      accept: 'application/json',
    } as http.OutgoingHttpHeaders;
    // Always a Content-Length: without one Node sends a DELETE's body bare, and the API server does not
    // read it (its DeleteOptions, e.g. propagationPolicy, would be lost).
    headers['content-length'] = payload === undefined ? 0 : Buffer.byteLength(payload);
    if (payload !== undefined) headers['content-type'] = contentType;
    try {
      return await send(url, { ...opts, headers }, payload);
    } catch (e) {
      throw new TransientError(`${method} ${path}: ${e instanceof Error ? e.message : String(e)}`, {
        cause: e,
        reason: 'kube_api',
      });
    }
  }

  /** Like request, but any status outside 2xx (and not in `accepted`) is a TransientError with the code. */
  async expect(
    method: string,
    path: string,
    body?: unknown,
    accepted: readonly number[] = [],
    contentType?: string,
  ): Promise<RestResponse> {
    const res = await this.request(method, path, body, contentType);
    if ((res.status >= 200 && res.status < 300) || accepted.includes(res.status)) return res;
    throw new TransientError(`${method} ${path}: HTTP ${res.status} ${statusMessage(res.body)}`, {
      code: String(res.status),
      reason: res.status === 409 ? 'conflict' : 'kube_api',
    });
  }
}

function send(url: URL, opts: https.RequestOptions, payload: string | undefined): Promise<RestResponse> {
  const lib = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = lib.request(url, opts, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, body: parseJson(text) });
      });
    });
    req.setTimeout(30_000, () => req.destroy(new Error('request timed out after 30s')));
    req.on('error', reject);
    req.end(payload);
  });
}

function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** The `message` of a metav1.Status body, or a short excerpt of whatever came back. */
export function statusMessage(body: unknown): string {
  if (typeof body === 'object' && body !== null && 'message' in body) return String(body.message);
  return typeof body === 'string' ? body.slice(0, 200) : '';
}
