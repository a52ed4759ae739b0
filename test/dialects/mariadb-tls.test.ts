/**
 * TLS to MariaDB (`?sslMode=` on a mariadb:// URL): the URL parameter is parsed and checked, and it
 * reaches the connector. The server here has TLS switched off (have_ssl DISABLED), so every mode that
 * asks for TLS must fail to connect with a message saying so, and `disable` must connect.
 */
import { describe, it } from 'node:test';
import type { PeerCertificate } from 'node:tls';
import assert from 'node:assert/strict';
import { parseDatabaseUrl } from '../../src/dialects/database-url.js';
import { mariadbSslOption, MARIADB_SSL_MODES } from '../../src/dialects/mariadb-tls.js';
import { openDialect } from '../../src/dialects/open-dialect.js';
import { UsageError } from '../../src/errors.js';
import { freshMariadb, mariadbAdmin } from '../helpers/databases.js';

void describe('sslMode on a MariaDB URL', () => {
  void it('is parsed for mariadb:// and mysql:// URLs, absent when not given', () => {
    for (const mode of MARIADB_SSL_MODES) {
      const u = parseDatabaseUrl(`mysql://app:pw@db:3306/mcp?sslMode=${mode}`);
      assert.ok(u.dialect === 'mariadb');
      assert.equal(u.sslMode, mode);
    }
    const plain = parseDatabaseUrl('mariadb://app@db/mcp');
    assert.ok(plain.dialect === 'mariadb');
    assert.equal(plain.sslMode, undefined);
  });

  void it('rejects an unknown mode naming the valid ones, never quoting the URL', () => {
    assert.throws(
      () => parseDatabaseUrl('mariadb://app:s3cret-pw@db/mcp?sslMode=require'),
      (e: unknown) => {
        assert.ok(e instanceof UsageError);
        assert.match(e.message, /sslMode must be one of disable, trust, verify-ca, verify-full/);
        assert.doesNotMatch(e.message, /s3cret-pw/);
        return true;
      },
    );
  });

  void it('maps each mode to the connector option', () => {
    assert.deepEqual(mariadbSslOption(undefined, 'db'), {});
    assert.deepEqual(mariadbSslOption('disable', 'db'), {});
    assert.deepEqual(mariadbSslOption('trust', 'db'), { ssl: { rejectUnauthorized: false } });
    const ca = mariadbSslOption('verify-ca', 'db').ssl as {
      rejectUnauthorized: boolean;
      checkServerIdentity: () => unknown;
    };
    assert.equal(ca.rejectUnauthorized, true);
    assert.equal(ca.checkServerIdentity(), undefined, 'any host name');
    const full = mariadbSslOption('verify-full', 'db.example').ssl as {
      rejectUnauthorized: boolean;
      checkServerIdentity: (name: string, cert: PeerCertificate) => Error | undefined;
    };
    assert.equal(full.rejectUnauthorized, true);
    const cert = { subject: { CN: 'db.example' }, subjectaltname: 'DNS:db.example' } as PeerCertificate;
    // The connector passes 'localhost' (tls.connect on its socket, no host): the URL's host is checked.
    assert.equal(full.checkServerIdentity('localhost', cert), undefined);
    assert.ok(
      full.checkServerIdentity('db.example', { ...cert, subjectaltname: 'DNS:other' }) instanceof Error,
    );
  });
});

void describe('sslMode against the real MariaDB (TLS off on the server)', async () => {
  const haveSsl = await mariadbAdmin(
    async (c) => (await c.query<{ Value: string }[]>("SHOW GLOBAL VARIABLES LIKE 'have_ssl'"))[0]?.Value,
  );
  const db = await freshMariadb('mdbop_tls');

  void it('the server under test has TLS switched off (what the cases below rely on)', () => {
    assert.equal(haveSsl, 'DISABLED');
  });

  for (const mode of ['trust', 'verify-ca', 'verify-full'] as const) {
    void it(`sslMode=${mode} asks for TLS: the connection fails saying the server has TLS off`, async () => {
      await assert.rejects(openDialect(`${db.url}?sslMode=${mode}`), (e: unknown) => {
        assert.ok(e instanceof UsageError, String(e));
        assert.match(e.message, /^cannot connect to MariaDB at 127\.0\.0\.1:3306 \(database mdbop_tls_/);
        assert.match(e.message, /sslMode asks for TLS but the server has TLS switched off/);
        return true;
      });
    });
  }

  void it('sslMode=disable connects without TLS', async () => {
    const d = await openDialect(`${db.url}?sslMode=disable`);
    try {
      const rows = await d.query<{ Value: string }>("SHOW SESSION STATUS LIKE 'Ssl_cipher'");
      assert.equal(rows[0]?.Value, '');
    } finally {
      await d.close();
    }
  });
});
