import { UsageError } from '../errors.js';
import {
  isMariadbSslMode,
  MARIADB_SSL_MODES,
  MARIADB_SSL_PARAM,
  type MariadbSslMode,
} from './mariadb-tls.js';

/** Host, port, database and credentials of a server URL. */
interface ServerUrl {
  readonly host: string;
  readonly port: number;
  readonly database: string;
  readonly user: string | undefined;
  readonly password: string | undefined;
  /** The URL as given (with its password): only for the driver. */
  readonly connectionString: string;
}

/** A parsed `--database` URL. `password` is kept only to connect; never print this object. */
export type DatabaseUrl =
  | ({ readonly dialect: 'postgresql' } & ServerUrl)
  | ({ readonly dialect: 'mariadb'; readonly sslMode?: MariadbSslMode } & ServerUrl)
  | { readonly dialect: 'sqlite'; readonly path: string };

export const VALID_URL_HINT =
  'expected postgresql://user[:password]@host[:port]/database (or postgres://...), ' +
  'mariadb://user[:password]@host[:port]/database (or mysql://...), ' +
  'sqlite:<path>, sqlite://<path> or sqlite::memory:';

/** Scheme → dialect and default port of the server dialects. */
const SERVER_SCHEMES: Readonly<Record<string, { dialect: 'postgresql' | 'mariadb'; port: number }>> = {
  postgres: { dialect: 'postgresql', port: 5432 },
  postgresql: { dialect: 'postgresql', port: 5432 },
  mariadb: { dialect: 'mariadb', port: 3306 },
  mysql: { dialect: 'mariadb', port: 3306 },
};

/** Parses a database URL; anything malformed is a UsageError that says what a valid URL looks like. */
export function parseDatabaseUrl(url: string): DatabaseUrl {
  const text = url.trim();
  if (text === '') throw badUrl(url, 'it is empty');
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(text)?.[1]?.toLowerCase();
  if (scheme === 'sqlite') return parseSqlite(url, text.slice('sqlite:'.length));
  const server = scheme === undefined ? undefined : SERVER_SCHEMES[scheme];
  if (server !== undefined) return parseServer(url, text, server.dialect, server.port);
  throw badUrl(url, scheme === undefined ? 'it has no scheme' : `unknown scheme '${scheme}:'`);
}

/** `postgresql://user@host:port/database` (`mariadb://...`) or the file path: safe for messages and logs. */
export function describeTarget(u: DatabaseUrl): string {
  if (u.dialect === 'sqlite') return u.path;
  const user = u.user === undefined ? '' : `${encodeURIComponent(u.user)}@`;
  return `${u.dialect}://${user}${formatHost(u.host)}:${u.port}/${u.database}`;
}

function parseSqlite(url: string, rest: string): DatabaseUrl {
  const path = rest.startsWith('//') ? rest.slice(2) : rest;
  if (path === '') throw badUrl(url, 'the SQLite file path is empty');
  if (path.includes('\0')) throw badUrl(url, 'the SQLite file path contains a NUL byte');
  return { dialect: 'sqlite', path };
}

function parseServer(
  url: string,
  text: string,
  dialect: 'postgresql' | 'mariadb',
  defaultPort: number,
): DatabaseUrl {
  if (!/^[a-z]+:\/\//i.test(text)) {
    throw badUrl(
      url,
      dialect === 'postgresql'
        ? "a PostgreSQL URL starts with 'postgresql://'"
        : "a MariaDB URL starts with 'mariadb://'",
    );
  }
  // A URL parser ends the user info at the first / ? or #: a password holding one would be read as the
  // host, path or fragment (and could then show up as a host or database name). So anything before the
  // last @ must not hold them unencoded.
  const afterScheme = text.slice(text.indexOf('//') + 2);
  const at = afterScheme.lastIndexOf('@');
  if (at >= 0 && /[/?#]/.test(afterScheme.slice(0, at))) {
    throw badUrl(
      url,
      'a / ? or # comes before the last @ (in the user or password, or an @ in the database name or ' +
        'parameters): %-encode it (/ as %2F, ? as %3F, # as %23, @ as %40)',
    );
  }
  let parsed: URL;
  try {
    parsed = new URL(text);
  } catch {
    throw badUrl(url, 'it is not a valid URL');
  }
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
  if (host === '') throw badUrl(url, 'the host is missing');
  const port = parsed.port === '' ? defaultPort : Number(parsed.port);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw badUrl(url, 'the port is invalid');
  const database = decode(url, parsed.pathname.replace(/^\//, ''));
  if (database === '' || database.includes('/')) {
    throw badUrl(url, 'the database name is missing or contains a slash');
  }
  const sslMode = dialect === 'mariadb' ? mariadbSslMode(url, parsed) : undefined;
  return {
    dialect,
    ...(sslMode === undefined ? {} : { sslMode }),
    host,
    port,
    database,
    user: parsed.username === '' ? undefined : decode(url, parsed.username),
    password: parsed.password === '' ? undefined : decode(url, parsed.password),
    connectionString: text,
  };
}

/** MariaDB's `?sslMode=`: one of MARIADB_SSL_MODES, or a UsageError listing them. */
function mariadbSslMode(url: string, parsed: URL): MariadbSslMode | undefined {
  const value = parsed.searchParams.get(MARIADB_SSL_PARAM);
  if (value === null) return undefined;
  if (isMariadbSslMode(value)) return value;
  throw badUrl(url, `${MARIADB_SSL_PARAM} must be one of ${MARIADB_SSL_MODES.join(', ')}`);
}

function decode(url: string, part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw badUrl(url, 'it contains a malformed %-escape');
  }
}

function formatHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

/**
 * The URL itself is never quoted (a malformed URL cannot be split reliably into its password and the
 * rest): the message says which part is wrong, and how to write special characters.
 */
function badUrl(url: string, why: string): UsageError {
  const scheme = /^\s*([a-z][a-z0-9+.-]*):/i.exec(url)?.[1]?.toLowerCase();
  const shown = scheme === undefined ? '' : ` (${scheme}:…, not shown: it may hold a password)`;
  const encode =
    scheme === 'postgres' || scheme === 'postgresql'
      ? '; a user or password with @ : / ? # % + = or spaces must be %-encoded (e.g. / as %2F, @ as %40)'
      : '';
  return new UsageError(`invalid database URL${shown}: ${why}; ${VALID_URL_HINT}${encode}`, {
    reason: 'bad_url',
  });
}
