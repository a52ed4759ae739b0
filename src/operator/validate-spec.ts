/**
 * What the CRD's schema cannot check, checked in code before anything runs: the catalogue is one we
 * know, its phases include the requested ones, durations parse. Every problem is reported together,
 * each saying what to fix. Pure.
 */
import { parseDuration } from '../config.js';
import type { IndexMigrationSpec, MariadbDatabase, PostgresqlDatabase } from './types.js';

/** The catalogues the operator can run: name → phases with their index counts, in apply order. */
export interface CatalogueLookup {
  names(): readonly string[];
  phases(name: string): readonly { readonly name: string; readonly indexes: number }[] | undefined;
}

export function validateSpec(spec: IndexMigrationSpec, catalogues: CatalogueLookup): string[] {
  const problems: string[] = [];
  const phases = catalogues.phases(spec.catalogue);
  if (!phases) {
    problems.push(
      `spec.catalogue '${spec.catalogue}' is not a built-in catalogue; use one of: ${catalogues.names().join(', ')}`,
    );
  } else {
    const known = phases.map((p) => p.name);
    const unknown = spec.phases.filter((p) => !known.includes(p));
    if (unknown.length > 0) {
      problems.push(
        `spec.phases: catalogue '${spec.catalogue}' has no phase ${unknown.join(', ')}; its phases are: ${known.join(', ')}`,
      );
    }
  }
  if (spec.phases.length === 0) problems.push('spec.phases is empty: list at least one phase');
  for (const [field, value] of [
    ['lockTimeout', spec.lockTimeout],
    ['statementTimeout', spec.statementTimeout],
    ['retries.backoff', spec.retries.backoff],
  ] as const) {
    if (value !== undefined && parseDuration(value) === undefined) {
      problems.push(`spec.${field} '${value}' is not a duration: use e.g. 500ms, 5s, 10m, 1h`);
    }
  }
  problems.push(...databaseProblems(spec));
  return problems;
}

function databaseProblems(spec: IndexMigrationSpec): string[] {
  const db = spec.database;
  switch (db.dialect) {
    case 'sqlite':
      if (!db.sqlite) return ['spec.database.sqlite is required when dialect is sqlite (claimName and path)'];
      if (!db.sqlite.path.startsWith('/'))
        return [`spec.database.sqlite.path '${db.sqlite.path}' must be absolute, e.g. /data/app.db`];
      return [];
    case 'postgresql':
    case 'mariadb':
      return serverProblems(db.dialect, db[db.dialect]);
  }
}

/** The postgresql or mariadb block: present, with somewhere to find the host and the credentials. */
function serverProblems(
  field: 'postgresql' | 'mariadb',
  server: PostgresqlDatabase | MariadbDatabase | undefined,
): string[] {
  const at = `spec.database.${field}`;
  if (!server) return [`${at} is required when dialect is ${field} (host and secretRef)`];
  const problems: string[] = [];
  if (server.host === undefined && server.hostKey === undefined && server.secretRef.urlKey === undefined) {
    problems.push(`${at} needs host (or hostKey naming a Secret key, or secretRef.urlKey)`);
  }
  const ref = server.secretRef;
  const parts = [ref.userKey, ref.passwordKey, ref.databaseKey];
  if (ref.urlKey === undefined && parts.some((k) => k === undefined)) {
    problems.push(`${at}.secretRef needs urlKey, or all of userKey, passwordKey and databaseKey`);
  }
  return problems;
}
