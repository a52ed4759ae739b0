/**
 * Where the database is, from the resource's spec and its Secret: the env a Job gets (values stay in
 * the Secret, referenced by secretKeyRef) and the URL the operator itself uses to read the bookkeeping.
 * Pure. The URL holds a password: it never reaches a log, status, event or metric label.
 */
import { posix } from 'node:path';
import type { EnvVar, KubeSecret } from '../kube/kube-client.js';
import type { DatabaseSpec } from './types.js';

/** A problem the user fixes in the Secret, without touching the resource. */
export interface SecretProblem {
  readonly reason: 'SecretNotFound' | 'SecretKeyMissing';
  readonly message: string;
}

export type SecretRead =
  { readonly ok: true; readonly url: string } | { readonly ok: false; readonly problem: SecretProblem };

/** Env for the Job's container: DATABASE_URL, or libpq PG* variables the CLI composes into a URL. */
export function databaseEnv(db: DatabaseSpec): EnvVar[] {
  if (db.sqlite) return [{ name: 'DATABASE_URL', value: `sqlite:${db.sqlite.path}` }];
  const pg = db.postgresql;
  if (!pg) return [];
  const ref = pg.secretRef;
  const fromSecret = (name: string, key: string): EnvVar => ({
    name,
    valueFrom: { secretKeyRef: { name: ref.name, key } },
  });
  if (ref.urlKey !== undefined) return [fromSecret('DATABASE_URL', ref.urlKey)];
  const env: EnvVar[] = [];
  if (pg.host !== undefined) env.push({ name: 'PGHOST', value: pg.host });
  else if (pg.hostKey !== undefined) env.push(fromSecret('PGHOST', pg.hostKey));
  env.push({ name: 'PGPORT', value: String(pg.port) });
  if (ref.userKey !== undefined) env.push(fromSecret('PGUSER', ref.userKey));
  if (ref.passwordKey !== undefined) env.push(fromSecret('PGPASSWORD', ref.passwordKey));
  if (ref.databaseKey !== undefined) env.push(fromSecret('PGDATABASE', ref.databaseKey));
  if (pg.sslMode !== undefined) env.push({ name: 'PGSSLMODE', value: pg.sslMode });
  return env;
}

/** The Secret keys the spec needs (for messages and checks). */
export function requiredKeys(db: DatabaseSpec): string[] {
  const pg = db.postgresql;
  if (!pg) return [];
  const ref = pg.secretRef;
  if (ref.urlKey !== undefined) return [ref.urlKey];
  const keys = [ref.userKey, ref.passwordKey, ref.databaseKey];
  if (pg.host === undefined) keys.push(pg.hostKey);
  return keys.filter((k): k is string => k !== undefined);
}

/** The operator's own database URL from the Secret, or the problem naming the Secret and key. */
export function databaseUrlFromSecret(
  db: DatabaseSpec,
  namespace: string,
  secret: KubeSecret | undefined,
): SecretRead {
  if (db.sqlite) return { ok: true, url: `sqlite:${db.sqlite.path}` };
  const pg = db.postgresql;
  if (!pg)
    return {
      ok: false,
      problem: { reason: 'SecretNotFound', message: 'spec.database.postgresql is missing' },
    };
  const name = `${namespace}/${pg.secretRef.name}`;
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
  return { ok: true, url: composeUrl(db, secret) };
}

function composeUrl(db: DatabaseSpec, secret: KubeSecret): string {
  const pg = db.postgresql;
  if (!pg) return '';
  const ref = pg.secretRef;
  const ssl = pg.sslMode === undefined ? '' : `sslmode=${pg.sslMode}`;
  if (ref.urlKey !== undefined) return withQuery(decode(secret, ref.urlKey) ?? '', ssl);
  const host = pg.host ?? decode(secret, pg.hostKey ?? '') ?? '';
  const user = encodeURIComponent(decode(secret, ref.userKey ?? '') ?? '');
  const password = encodeURIComponent(decode(secret, ref.passwordKey ?? '') ?? '');
  const database = encodeURIComponent(decode(secret, ref.databaseKey ?? '') ?? '');
  const auth = password === '' ? user : `${user}:${password}`;
  return withQuery(`postgres://${auth}@${host}:${pg.port}/${database}`, ssl);
}

function withQuery(url: string, query: string): string {
  if (query === '' || /[?&]sslmode=/.test(url)) return url;
  return `${url}${url.includes('?') ? '&' : '?'}${query}`;
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
