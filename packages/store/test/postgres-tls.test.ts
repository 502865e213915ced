import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { openPostgresStore } from '@vexil/store/postgres';
import {
  generateCertificates,
  opensslSkip,
  PostgresServer,
  postgresServerSkip,
  type TestCertificates,
} from '@vexil/testkit';

// The PostgreSQL store over TLS, against a throwaway server that accepts TLS connections only:
// libpq's sslmode meanings (pg alone would verify the certificate under `require`), and `tls`
// taking precedence over ssl parameters left in the URL.

const skip = opensslSkip() ?? postgresServerSkip();

describe('PostgreSQL store over TLS', { skip }, () => {
  let certs: TestCertificates;
  let server: PostgresServer;

  before(async () => {
    certs = await generateCertificates();
    server = await PostgresServer.start({ certificate: certs.server, password: 'store-tls' });
  });
  after(async () => {
    await server?.stop();
    await certs?.remove();
  });

  const open = async (url: string, tls?: Parameters<typeof openPostgresStore>[0]['tls']) => {
    const store = await openPostgresStore({
      url,
      connectTimeoutMs: 5_000,
      ...(tls === undefined ? {} : { tls }),
    });
    try {
      return await store.listTokens();
    } finally {
      await store.close();
    }
  };

  test('verify-full with the CA opens the store', async () => {
    assert.deepEqual(
      await open(server.url(), { mode: 'verify-full', ca: certs.pem(certs.ca) }),
      [],
    );
  });

  test('require encrypts without checking the certificate', async () => {
    assert.deepEqual(await open(server.url(), { mode: 'require' }), []);
  });

  test('verify-full and verify-ca refuse a server the CA did not sign', async () => {
    for (const mode of ['verify-full', 'verify-ca'] as const)
      await assert.rejects(open(server.url(), { mode, ca: certs.pem(certs.otherCa) }), {
        message: /self-signed certificate|unable to verify/,
      });
  });

  test('`tls` wins over ssl parameters left in the URL', async () => {
    const url = server.url({ sslmode: 'disable' });
    await assert.rejects(open(url), { message: /no encryption/ });
    assert.deepEqual(await open(url, { mode: 'verify-full', ca: certs.pem(certs.ca) }), []);
  });
});
