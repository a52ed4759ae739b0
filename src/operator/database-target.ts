/**
 * Where the database is, from the resource's spec and its Secret: the env a Job gets (values stay in
 * the Secret, referenced by secretKeyRef) and the URL the operator itself uses to read the bookkeeping.
 * Pure. The URL holds a password: it never reaches a log, status, event or metric label.
 */
import { posix } from 'node:path';
import { LIBPQ_ENV, MARIADB_ENV, type ServerEnvNames } from '../config.js';
import { MARIADB_SSL_PARAM } from '../dialects/mariadb-tls.js';
import type { EnvVar, KubeSecret } from '../kube/kube-client.js';
import type { DatabaseSpec, SecretRef } from './types.js';

/** A problem the user fixes in the Secret, without touching the resource. */
export interface SecretProblem {
  readonly reason: 'SecretNotFound' | 'SecretKeyMissing';
  readonly message: string;
}

export type SecretRead =
  { readonly ok: true; readonly url: string } | { readonly ok: false; readonly problem: SecretProblem };

/** A server database block of the spec (postgresql or mariadb), with how its URL and env are written. */
interface ServerTarget {
  /** `spec.database.<field>`, for messages. */
  readonly field: string;
  readonly host?: string;
  readonly hostKey?: string;
  readonly port: number;
  readonly secretRef: SecretRef;
  /** URL scheme of a composed URL. */
  readonly scheme: string;
  readonly env: ServerEnvNames;
  /** The TLS setting: its value and the URL query parameter that carries it. */
  readonly tls?: { readonly value: string; readonly param: string };
}

/** The server block the dialect names; undefined for SQLite or when the block is missing. */
export function serverTarget(db: DatabaseSpec): ServerTarget | undefined {
  if (db.dialect === 'postgresql' && db.postgresql) {
    const pg = db.postgresql;
    const tls = pg.sslMode === undefined ? {} : { tls: { value: pg.sslMode, param: 'sslmode' } };
    return { ...pg, field: 'postgresql', scheme: 'postgres', env: LIBPQ_ENV, ...tls };
  }
  if (db.dialect === 'mariadb' && db.mariadb) {
    const maria = db.mariadb;
    const tls =
      maria.sslMode === undefined ? {} : { tls: { value: maria.sslMode, param: MARIADB_SSL_PARAM } };
    return { ...maria, field: 'mariadb', scheme: 'mariadb', env: MARIADB_ENV, ...tls };
  }
  return undefined;
}

/** The Secret the spec reads, if any. */
export function secretNameOf(db: DatabaseSpec): string | undefined {
  return serverTarget(db)?.secretRef.name;
}

/** Env for the Job's container: DATABASE_URL, or the server's variables the CLI composes into a URL. */
export function databaseEnv(db: DatabaseSpec): EnvVar[] {
  if (db.dialect === 'sqlite' && db.sqlite) {
    return [{ name: 'DATABASE_URL', value: `sqlite:${db.sqlite.path}` }];
  }
  const server = serverTarget(db);
  if (!server) return [];
  const ref = server.secretRef;
  const names = server.env;
  const fromSecret = (name: string, key: string): EnvVar => ({
    name,
    valueFrom: { secretKeyRef: { name: ref.name, key } },
  });
  const tls: EnvVar[] = server.tls === undefined ? [] : [{ name: names.tls, value: server.tls.value }];
  if (ref.urlKey !== undefined) return [fromSecret('DATABASE_URL', ref.urlKey), ...tls];
  const env: EnvVar[] = [];
  if (server.host !== undefined) env.push({ name: names.host, value: server.host });
  else if (server.hostKey !== undefined) env.push(fromSecret(names.host, server.hostKey));
  env.push({ name: names.port, value: String(server.port) });
  if (ref.userKey !== undefined) env.push(fromSecret(names.user, ref.userKey));
  if (ref.passwordKey !== undefined) env.push(fromSecret(names.password, ref.passwordKey));
  if (ref.databaseKey !== undefined) env.push(fromSecret(names.database, ref.databaseKey));
  return [...env, ...tls];
}

/** The Secret keys the spec needs (for messages and checks). */
export function requiredKeys(db: DatabaseSpec): string[] {
  const server = serverTarget(db);
  if (!server) return [];
  const ref = server.secretRef;
  if (ref.urlKey !== undefined) return [ref.urlKey];
  const keys = [ref.userKey, ref.passwordKey, ref.databaseKey];
  if (server.host === undefined) keys.push(server.hostKey);
  return keys.filter((k): k is string => k !== undefined);
}

/** The operator's own database URL from the Secret, or the problem naming the Secret and key. */
export function databaseUrlFromSecret(
  db: DatabaseSpec,
  namespace: string,
  secret: KubeSecret | undefined,
): SecretRead {
  if (db.dialect === 'sqlite' && db.sqlite) return { ok: true, url: `sqlite:${db.sqlite.path}` };
  const server = serverTarget(db);
  if (!server) {
    const message = `spec.database.${db.dialect} is missing`;
    return { ok: false, problem: { reason: 'SecretNotFound', message } };
  }
  const name = `${namespace}/${server.secretRef.name}`;
  const keys = requiredKeys(db);
  if (!secret) {
    const message = `Secret ${name} not found: create it with key${keys.length > 1 ? 's' : ''} ${keys.join(', ')}`;
    return { ok: false, problem: { reason: 'SecretNotFound', message } };
  }
  const missing = keys.filter((k) => decode(secret, k) === undefined);
  if (missing.length > 0) {
    const message = `Secret ${name} has no key ${missing.join(', ')}: add ${missing.length > 1 ? 'them' : 'it'} to the Secret`;
    return { ok: false, problem: { reason: 'SecretKeyMissing', message } };
  }
  return { ok: true, url: composeUrl(server, secret) };
}

function composeUrl(server: ServerTarget, secret: KubeSecret): string {
  const ref = server.secretRef;
  const tls = server.tls;
  const query = tls === undefined ? undefined : { name: tls.param, text: `${tls.param}=${tls.value}` };
  if (ref.urlKey !== undefined) return withQuery(decode(secret, ref.urlKey) ?? '', query);
  const host = server.host ?? decode(secret, server.hostKey ?? '') ?? '';
  const user = encodeURIComponent(decode(secret, ref.userKey ?? '') ?? '');
  const password = encodeURIComponent(decode(secret, ref.passwordKey ?? '') ?? '');
  const database = encodeURIComponent(decode(secret, ref.databaseKey ?? '') ?? '');
  const auth = password === '' ? user : `${user}:${password}`;
  return withQuery(`${server.scheme}://${auth}@${host}:${server.port}/${database}`, query);
}

/** Adds `name=value` unless the URL already sets that parameter (the Secret's URL wins). */
function withQuery(url: string, query: { readonly name: string; readonly text: string } | undefined): string {
  if (query === undefined || new RegExp(`[?&]${query.name}=`).test(url)) return url;
  return `${url}${url.includes('?') ? '&' : '?'}${query.text}`;
}

function decode(secret: KubeSecret, key: string): string | undefined {
  const raw = secret.data?.[key];
  if (raw === undefined) return undefined;
  return Buffer.from(raw, 'base64').toString('utf8');
}

/** The directory of the SQLite file: where the claim is mounted in the Job's pod. */
export function sqliteMountPath(path: string): string {
  return posix.dirname(path);
}
