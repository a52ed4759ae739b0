/**
 * TLS to MariaDB, in the words of MariaDB's own connectors (Connector/J's `sslMode`): the URL parameter
 * `?sslMode=disable|trust|verify-ca|verify-full`, turned into the Node.js connector's `ssl` option.
 * Absent means no TLS, as `disable`.
 */
import { checkServerIdentity, type PeerCertificate } from 'node:tls';
import type { ConnectionConfig } from 'mariadb';

export const MARIADB_SSL_MODES = ['disable', 'trust', 'verify-ca', 'verify-full'] as const;
export type MariadbSslMode = (typeof MARIADB_SSL_MODES)[number];

/** The URL query parameter that carries the mode. */
export const MARIADB_SSL_PARAM = 'sslMode';

export function isMariadbSslMode(value: string): value is MariadbSslMode {
  return (MARIADB_SSL_MODES as readonly string[]).includes(value);
}

/**
 * disable: plain TCP; trust: TLS without checking the certificate; verify-ca: the certificate must chain
 * to a trusted CA (Node's store, or NODE_EXTRA_CA_CERTS), any host name; verify-full: also the host name.
 */
/** Whether the mode asks for TLS at all. */
export function requestsTls(mode: MariadbSslMode | undefined): boolean {
  return mode !== undefined && mode !== 'disable';
}

/** The connector passes `checkServerIdentity` on (its type does not list it): any host name is accepted. */
const VERIFY_CA: NonNullable<ConnectionConfig['ssl']> & { readonly checkServerIdentity: () => undefined } = {
  rejectUnauthorized: true,
  checkServerIdentity: () => undefined,
};

/**
 * The connector upgrades its open socket with `tls.connect({ socket })`, which checks the certificate
 * against the host name `localhost` when it is given no host: verify-full checks the URL's host itself.
 */
function verifyHost(host: string): NonNullable<ConnectionConfig['ssl']> & {
  readonly checkServerIdentity: (name: string, cert: PeerCertificate) => Error | undefined;
} {
  return { rejectUnauthorized: true, checkServerIdentity: (_name, cert) => checkServerIdentity(host, cert) };
}

export function mariadbSslOption(
  mode: MariadbSslMode | undefined,
  host: string,
): Pick<ConnectionConfig, 'ssl'> {
  switch (mode) {
    case undefined:
    case 'disable':
      return {};
    case 'trust':
      return { ssl: { rejectUnauthorized: false } };
    case 'verify-ca':
      return { ssl: VERIFY_CA };
    case 'verify-full':
      return { ssl: verifyHost(host) };
  }
}
