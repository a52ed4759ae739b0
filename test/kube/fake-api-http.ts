/**
 * The HTTP side of the fake API server: URL routing (`/api/v1/...`, `/apis/<group>/<version>/...`,
 * namespaced or across namespaces, with the status subresource), API discovery documents, the verb of a
 * request, DeleteOptions, and JSON bodies in and out.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError, type DeleteOptions } from './fake-api-handlers.js';
import { apiVersionOf, findResourceType, RESOURCE_TYPES, type ResourceType } from './kube-resources.js';

export type Verb = 'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'delete';

export interface Route {
  readonly type: ResourceType;
  readonly namespace: string | undefined;
  readonly name: string | undefined;
  readonly subresource: string | undefined;
}

/** `/apis/batch/v1/namespaces/ns/jobs/name/status` -> route; unknown paths are 404. */
export function route(pathname: string): Route {
  const parts = pathname.split('/').filter(Boolean).map(decodeURIComponent);
  if (parts[0] !== 'api' && parts[0] !== 'apis') {
    throw new ApiError(404, 'NotFound', `the server could not find the requested resource (${pathname})`);
  }
  const [group, version, rest] =
    parts[0] === 'api'
      ? ['', parts[1] ?? '', parts.slice(2)]
      : [parts[1] ?? '', parts[2] ?? '', parts.slice(3)];
  const namespaced = rest[0] === 'namespaces' && rest.length >= 3;
  const [resource = '', name, subresource, ...extra] = namespaced ? rest.slice(2) : rest;
  const type = findResourceType(group, version, resource);
  if (
    !type ||
    extra.length > 0 ||
    (subresource !== undefined && subresource !== 'status') ||
    (subresource && !type.statusSubresource) ||
    (name !== undefined && type.namespaced && !namespaced)
  ) {
    throw new ApiError(404, 'NotFound', `the server could not find the requested resource (${pathname})`);
  }
  return { type, namespace: namespaced ? rest[1] : undefined, name, subresource };
}

/** API discovery (`/api`, `/apis`, `/api/v1`, `/apis/g/v`), used by KubernetesObjectApi. */
export function discovery(pathname: string, res: ServerResponse): boolean {
  const parts = pathname.split('/').filter(Boolean);
  if (pathname === '/api' || pathname === '/api/') {
    sendJson(res, 200, { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [] });
    return true;
  }
  if (parts.length === 1 && parts[0] === 'apis') {
    const groups = [...new Set(RESOURCE_TYPES.filter((t) => t.group).map((t) => apiVersionOf(t)))].map(
      (gv) => {
        const [name = '', version = ''] = gv.split('/');
        const v = { groupVersion: gv, version };
        return { name, versions: [v], preferredVersion: v };
      },
    );
    sendJson(res, 200, { kind: 'APIGroupList', apiVersion: 'v1', groups });
    return true;
  }
  const groupVersion =
    parts[0] === 'api' && parts.length === 2
      ? (parts[1] ?? '')
      : parts[0] === 'apis' && parts.length === 3
        ? `${parts[1]}/${parts[2]}`
        : undefined;
  if (groupVersion === undefined) return false;
  const resources = RESOURCE_TYPES.filter((t) => apiVersionOf(t) === groupVersion).flatMap((t) => [
    {
      name: t.resource,
      singularName: t.singular,
      namespaced: t.namespaced,
      kind: t.kind,
      shortNames: t.shortNames,
      verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
    },
    ...(t.statusSubresource
      ? [
          {
            name: `${t.resource}/status`,
            singularName: '',
            namespaced: t.namespaced,
            kind: t.kind,
            verbs: ['get', 'patch', 'update'],
          },
        ]
      : []),
  ]);
  if (resources.length === 0) return false;
  sendJson(res, 200, { kind: 'APIResourceList', apiVersion: 'v1', groupVersion, resources });
  return true;
}
export function verbOf(method: string, route: Route, query: URLSearchParams): Verb {
  const named = route.name !== undefined;
  switch (method) {
    case 'GET':
      if (named) return 'get';
      return query.get('watch') === 'true' || query.get('watch') === '1' ? 'watch' : 'list';
    case 'POST':
      if (!named) return 'create';
      break;
    case 'PUT':
      if (named) return 'update';
      break;
    case 'PATCH':
      if (named) return 'patch';
      break;
    case 'DELETE':
      if (named) return 'delete';
      break;
  }
  throw new ApiError(
    405,
    'MethodNotAllowed',
    `${method} is not supported on ${route.type.resource}${named ? '/<name>' : ''}`,
  );
}

/** DeleteOptions from the query string, or from the body (which readBody only has with a Content-Length). */
export function deleteOptions(query: URLSearchParams, body: unknown): DeleteOptions {
  const fromBody = body as { propagationPolicy?: unknown; gracePeriodSeconds?: unknown } | undefined;
  const policy =
    query.get('propagationPolicy') ??
    (typeof fromBody?.propagationPolicy === 'string' ? fromBody.propagationPolicy : undefined);
  const grace = query.get('gracePeriodSeconds') ?? fromBody?.gracePeriodSeconds;
  const options = grace === undefined || grace === null ? {} : { gracePeriodSeconds: Number(grace) };
  if (policy === null || policy === undefined) return options;
  if (policy !== 'Background' && policy !== 'Foreground' && policy !== 'Orphan') {
    throw new ApiError(400, 'BadRequest', `unknown propagationPolicy ${JSON.stringify(policy)}`);
  }
  return { ...options, propagationPolicy: policy };
}

/**
 * The request body, read as the API server (Go net/http) reads it: only with a Content-Length or chunked
 * transfer encoding. A body sent without either is not part of the request (Node's HTTP client sends a
 * DELETE's body that way when no Content-Length is set): it is not read, so its DeleteOptions are lost.
 */
export async function readBody(req: IncomingMessage): Promise<unknown> {
  if (req.headers['content-length'] === undefined && req.headers['transfer-encoding'] === undefined)
    return undefined;
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new ApiError(400, 'BadRequest', 'the request body is not valid JSON');
  }
}

export function sendJson(res: ServerResponse, code: number, body: unknown): void {
  res.writeHead(code, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}
