/**
 * sslMode against a MariaDB server with TLS on: two mariadbd of the test's own (temp data dirs, free
 * ports on 127.0.0.1, `require_secure_transport`), with certificates made here by openssl from a CA of
 * the test's own: server A's names IP 127.0.0.1, server B's only the host name `elsewhere.test`. Each case
 * opens the dialect in a child process, so the CA can be trusted (NODE_EXTRA_CA_CERTS, read by Node at
 * start) or not:
 * - trust: TLS with any certificate; disable: refused by a server that requires TLS;
 * - verify-ca: a certificate chaining to a trusted CA, whatever host it names; refused without the CA;
 * - verify-full: also the host name: refused by server B, and without the CA.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import mariadb from 'mariadb';
import { startOwnMariadb, type OwnMariadb } from '../helpers/mariadb-server.js';

const dir = mkdtempSync(join(tmpdir(), 'iop-tls-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function openssl(...args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
}

/** A CA, and a server key and certificate signed by it naming `san` (e.g. `IP:127.0.0.1`). */
function makeCertificates(): void {
  openssl(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'ca.key',
    '-out',
    'ca.pem',
    '-days',
    '2',
    '-subj',
    '/CN=iop-test-ca',
  );
  for (const [name, san] of [
    ['a', 'IP:127.0.0.1'],
    ['b', 'DNS:elsewhere.test'],
  ] as const) {
    writeFileSync(join(dir, `${name}.ext`), `subjectAltName=${san}\n`);
    openssl(
      'req',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.csr`,
      '-subj',
      `/CN=iop-${name}`,
    );
    openssl(
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      `${name}.pem`,
      '-days',
      '2',
      '-extfile',
      `${name}.ext`,
    );
  }
}

async function tlsServer(name: 'a' | 'b'): Promise<OwnMariadb> {
  const server = await startOwnMariadb(
    [
      `--ssl-ca=${join(dir, 'ca.pem')}`,
      `--ssl-cert=${join(dir, `${name}.pem`)}`,
      `--ssl-key=${join(dir, `${name}.key`)}`,
      '--require-secure-transport=ON',
    ],
    `iop-tls-${name}`,
  );
  const c = await mariadb.createConnection({
    host: '127.0.0.1',
    port: server.port,
    user: 'root',
    ssl: { rejectUnauthorized: false },
  });
  await c.query('CREATE DATABASE app');
  await c.end();
  return server;
}

const OPEN = resolve('src/dialects/open-dialect.ts');

/** Opens the dialect at `url` in a child process; the TLS cipher of its session, or the error message. */
function openInChild(url: string, trustCa: boolean): { cipher?: string; error?: string } {
  const script =
    `const { openDialect } = await import(${JSON.stringify(OPEN)});` +
    `try { const d = await openDialect(process.env.IOP_URL);` +
    ` const r = await d.query("SHOW SESSION STATUS LIKE 'Ssl_cipher'"); await d.close();` +
    ` console.log(JSON.stringify({ cipher: r[0].Value })); }` +
    ` catch (e) { console.log(JSON.stringify({ error: String(e.message) })); }`;
  const env: NodeJS.ProcessEnv = { ...process.env, IOP_URL: url };
  delete env['NODE_EXTRA_CA_CERTS'];
  if (trustCa) env['NODE_EXTRA_CA_CERTS'] = join(dir, 'ca.pem');
  const out = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    env,
    encoding: 'utf8',
    timeout: 60_000,
  });
  const line = out.stdout.trim().split('\n').at(-1) ?? '';
  assert.ok(line.startsWith('{'), `child said: ${out.stdout} ${out.stderr}`);
  return JSON.parse(line) as { cipher?: string; error?: string };
}

// Started here, at the top level, so they are stopped when the file ends (not after a hook).
makeCertificates();
const a = await tlsServer('a');
const b = await tlsServer('b');

void describe('sslMode against MariaDB servers with TLS on', () => {
  const accepts = (r: { cipher?: string; error?: string }): void => {
    assert.equal(r.error, undefined);
    assert.ok((r.cipher ?? '').length > 0, `a TLS session: ${JSON.stringify(r)}`);
  };
  const refuses = (r: { cipher?: string; error?: string }, why: RegExp): void => {
    assert.equal(r.cipher, undefined, 'no session');
    assert.match(r.error ?? '', /^cannot connect to MariaDB at 127\.0\.0\.1:\d+ \(database app/);
    assert.match(r.error ?? '', why);
  };

  void it('trust: TLS whatever the certificate; disable: refused by a server requiring TLS', () => {
    accepts(openInChild(`${a.url('app')}?sslMode=trust`, false));
    accepts(openInChild(`${b.url('app')}?sslMode=trust`, false));
    refuses(
      openInChild(`${a.url('app')}?sslMode=disable`, true),
      /access denied; check the user and password, or the server requires TLS \(require_secure_transport\): add \?sslMode=verify-full/,
    );
  });

  void it('verify-ca: accepts a certificate of a trusted CA whatever host it names, refuses an unknown CA', () => {
    accepts(openInChild(`${a.url('app')}?sslMode=verify-ca`, true));
    accepts(openInChild(`${b.url('app')}?sslMode=verify-ca`, true));
    refuses(openInChild(`${a.url('app')}?sslMode=verify-ca`, false), /certificate|self.signed|issuer/i);
  });

  void it('verify-full: accepts only a trusted certificate naming the host', () => {
    accepts(openInChild(`${a.url('app')}?sslMode=verify-full`, true));
    refuses(openInChild(`${b.url('app')}?sslMode=verify-full`, true), /127\.0\.0\.1|altnames|host/i);
    refuses(openInChild(`${a.url('app')}?sslMode=verify-full`, false), /certificate|self.signed|issuer/i);
  });
});
