import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { get as httpsGet } from 'node:https';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { connect as connectTls, getCACertificates, setDefaultCACertificates } from 'node:tls';
import { promisify } from 'node:util';
import { init, type LDClient } from '@launchdarkly/node-server-sdk';
import { nkeys } from '@nats-io/transport-node';
import {
  AdminApi,
  freePort,
  generateCertificates,
  NatsServerProcess,
  NatsServers,
  natsServerSkip,
  opensslSkip,
  PostgresServer,
  postgresServerSkip,
  redisServerSkip,
  RoleProcess,
  serialNumber,
  TlsRedisServer,
  until,
  VEXIL_MAIN,
  type TestCertificates,
} from '@vexil/testkit';

// Every hop protected, on loopback with certificates made at test time: an origin on a
// PostgreSQL that only accepts TLS (verify-full against a private CA) and on NATS over mutual TLS
// with a user and password; an edge (two workers) on NATS over mutual TLS with an nkey, writing
// to Redis over mutual TLS as an ACL user, fetching from the origin over HTTPS, and serving HTTPS
// to a real LaunchDarkly SDK that trusts only the private CA. Then the refusals: NATS with the
// wrong CA, without a client certificate, with a bad password; an HTTPS client with the wrong
// CA; files that are missing or not what their option says; and a certificate renewal.

const skip = opensslSkip() ?? natsServerSkip() ?? postgresServerSkip() ?? redisServerSkip();
const run = promisify(execFile);

const PROJECT = 'secure';
const ENVIRONMENT = 'production';
const FLAG = 'checkout';
const ADMIN_TOKEN = 'admin-token-of-the-tls-test';
const NATS_PASSWORD = 'nats-origin-secret';

/** TLS that verifies clients, and two users: the origin's password and the edges' nkey. */
function natsConfig(certs: TestCertificates, edgeNkey: string): string {
  return [
    'tls {',
    `  cert_file: "${certs.server.cert}"`,
    `  key_file: "${certs.server.key}"`,
    `  ca_file: "${certs.ca}"`,
    '  verify: true',
    '  timeout: 2',
    '}',
    'authorization {',
    '  users: [',
    `    { user: origin, password: "${NATS_PASSWORD}" }`,
    `    { nkey: ${edgeNkey} }`,
    '  ]',
    '}',
  ].join('\n');
}

describe('TLS and credentials on every hop', { skip, timeout: 120_000 }, () => {
  let certs: TestCertificates;
  let ca: string;
  const nats = new NatsServers();
  let natsUrl = '';
  let pg: PostgresServer | undefined;
  let redis: TlsRedisServer | undefined;
  let origin: RoleProcess | undefined;
  let edge: RoleProcess | undefined;
  const extraRoles: RoleProcess[] = [];
  let sdk: LDClient | undefined;
  let api: AdminApi;
  let sdkKey = '';
  /** The edge's certificate and key, rewritten by the renewal test. */
  const edgeTls = { cert: '', key: '' };
  let nkeySeedFile = '';

  const natsClientTls = () => [
    '--bus-ca',
    certs.ca,
    '--bus-cert',
    certs.client.cert,
    '--bus-key',
    certs.client.key,
  ];

  before(async () => {
    certs = await generateCertificates();
    ca = certs.pem(certs.ca);
    // This process's own clients (fetch in RoleProcess and AdminApi) trust the private CA too.
    setDefaultCACertificates([...getCACertificates('default'), ca]);
    const edgeUser = nkeys.createUser();
    nkeySeedFile = join(certs.dir, 'edge.nk');
    await writeFile(nkeySeedFile, `${new TextDecoder().decode(edgeUser.getSeed())}\n`, {
      mode: 0o600,
    });
    const natsServer = new NatsServerProcess({
      name: 'nats-tls',
      port: await freePort(),
      storeDir: join(certs.dir, 'nats'),
      config: natsConfig(certs, edgeUser.getPublicKey()),
    });
    nats.servers.push(natsServer);
    const password = 'postgres-secret-of-the-test';
    [pg, redis] = await Promise.all([
      PostgresServer.start({ certificate: certs.server, password }),
      TlsRedisServer.start({
        certificate: certs.server,
        ca: certs.ca,
        client: certs.client,
        user: 'vexil-edge',
        password: 'redis-secret-of-the-test',
      }),
      natsServer.start(),
    ]);
    natsUrl = `tls://127.0.0.1:${natsServer.options.port}`;
    await mkdir(join(certs.dir, 'edge-tls'));
    edgeTls.cert = join(certs.dir, 'edge-tls', 'cert.pem');
    edgeTls.key = join(certs.dir, 'edge-tls', 'key.pem');
    await copyFile(certs.server.cert, edgeTls.cert);
    await copyFile(certs.server.key, edgeTls.key);

    origin = await RoleProcess.start({
      name: 'origin',
      args: [
        'origin',
        '--store',
        pg.url({ sslmode: 'verify-full' }),
        '--store-ca',
        certs.ca,
        '--bus',
        natsUrl,
        ...natsClientTls(),
        '--bus-user',
        'origin',
        '--tls-cert',
        certs.server.cert,
        '--tls-key',
        certs.server.key,
        '--drain-seconds',
        '1',
      ],
      env: { VEXIL_ADMIN_TOKEN: ADMIN_TOKEN, VEXIL_BUS_PASSWORD: NATS_PASSWORD },
    });
    assert.match(origin.url, /^https:\/\/127\.0\.0\.1:\d+$/);
    await origin.waitReady();
    const o = origin;
    await until('the origin on NATS', async () => {
      const { body } = await o.readiness();
      return (body as { bus?: string } | undefined)?.bus === 'connected';
    });
    api = new AdminApi(() => o.url, ADMIN_TOKEN);
    await api.expect(201, 'POST', '/api/v1/projects', { key: PROJECT, name: 'TLS' });
    const env = await api.expect(201, 'POST', `/api/v1/projects/${PROJECT}/environments`, {
      key: ENVIRONMENT,
      name: 'Production',
    });
    sdkKey = env.body.sdkKey as string;
    await api.expect(201, 'POST', `/api/v1/projects/${PROJECT}/flags`, {
      key: FLAG,
      variations: [{ value: 'old' }, { value: 'new' }],
    });
    const edgeToken = (
      await api.expect(201, 'POST', '/api/v1/tokens', { name: 'edges', role: 'edge' })
    ).body.token as string;

    edge = await RoleProcess.start({
      name: 'edge',
      args: [
        'edge',
        '--bus',
        natsUrl,
        ...natsClientTls(),
        '--bus-nkey',
        nkeySeedFile,
        '--origin',
        o.url,
        '--token',
        edgeToken,
        '--environments',
        env.body.clientSideId as string,
        '--redis',
        redis.url,
        '--redis-ca',
        certs.ca,
        '--redis-cert',
        certs.client.cert,
        '--redis-key',
        certs.client.key,
        '--tls-cert',
        edgeTls.cert,
        '--tls-key',
        edgeTls.key,
        '--workers',
        '2',
        '--heartbeat',
        '1',
        '--drain-seconds',
        '1',
      ],
      // The edge's own HTTPS calls (snapshots from the origin) trust the private CA this way.
      env: { NODE_EXTRA_CA_CERTS: certs.ca },
    });
    await edge.waitReady();
  });

  after(async () => {
    sdk?.close();
    for (const role of [...extraRoles, edge, origin]) await role?.stop('SIGKILL');
    await nats.stopAll();
    await redis?.stop();
    await pg?.stop();
    await certs?.remove();
  });

  test('a flag change reaches a LaunchDarkly SDK over HTTPS, and Redis over TLS', async (t) => {
    const url = edge!.url;
    assert.match(url, /^https:\/\//);
    const started = Date.now();
    sdk = init(sdkKey, {
      baseUri: url,
      streamUri: url,
      eventsUri: url,
      sendEvents: false,
      diagnosticOptOut: true,
      tlsParams: { ca },
      logger: { debug() {}, info() {}, warn() {}, error() {} },
    });
    await sdk.waitForInitialization({ timeout: 20 });
    const context = { kind: 'user', key: 'tls-test' };
    const flagPath = `/api/v1/projects/${PROJECT}/flags/${FLAG}`;
    await api.expect(200, 'PATCH', flagPath, [
      { op: 'replace', path: `/environments/${ENVIRONMENT}/on`, value: true },
      { op: 'replace', path: `/environments/${ENVIRONMENT}/fallthrough`, value: { variation: 0 } },
    ]);
    const client = sdk;
    await until(
      'the SDK to see "old"',
      async () => (await client.variation(FLAG, context, '?')) === 'old',
    );
    const changed = Date.now();
    await api.expect(200, 'PATCH', flagPath, [
      { op: 'replace', path: `/environments/${ENVIRONMENT}/fallthrough`, value: { variation: 1 } },
    ]);
    await until(
      'the SDK to see "new"',
      async () => (await client.variation(FLAG, context, '?')) === 'new',
    );
    const delivered = Date.now() - changed;
    // The edge mirrors the environment into Redis (daemon-mode SDKs read it there).
    const stored = async () =>
      JSON.parse(
        (await redis!.command('HGET', `vexil:${PROJECT}:${ENVIRONMENT}:features`, FLAG)) || '{}',
      ) as { fallthrough?: { variation?: number } };
    await until(
      'Redis to hold the change',
      async () => (await stored()).fallthrough?.variation === 1,
    );
    t.diagnostic(
      `SDK initialised in ${changed - started} ms; a change reached it in ${delivered} ms`,
    );
  });

  test('an HTTPS client that does not trust the CA is refused', async () => {
    const attempt = (trusted: string) =>
      new Promise<number>((resolve, reject) => {
        const req = httpsGet(`${edge!.url}/healthz`, { ca: trusted, agent: false }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('error', reject);
      });
    assert.equal(await attempt(ca), 200);
    // With NODE_EXTRA_CA_CERTS the edge sends the CA along with its certificate, hence two codes.
    await assert.rejects(attempt(certs.pem(certs.otherCa)), (e: NodeJS.ErrnoException) =>
      ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'SELF_SIGNED_CERT_IN_CHAIN'].includes(e.code ?? ''),
    );
  });

  test('vexil start serves HTTPS too, streams included', async () => {
    const start = await RoleProcess.start({
      name: 'start',
      args: [
        'start',
        '--data',
        join(certs.dir, 'start'),
        '--tls-cert',
        certs.server.cert,
        '--tls-key',
        certs.server.key,
      ],
    });
    extraRoles.push(start);
    assert.match(start.url, /^https:\/\/127\.0\.0\.1:\d+$/);
    await start.waitReady();
    const sdkKeyOfDemo = /SDK key\s+(\S+)/.exec(start.output())?.[1] ?? '';
    const first = await new Promise<string>((resolve, reject) => {
      const req = httpsGet(
        `${start.url}/all`,
        { ca, agent: false, headers: { authorization: sdkKeyOfDemo } },
        (res) => {
          let text = '';
          res.setEncoding('utf8').on('data', (d: string) => {
            text += d;
            if (text.includes('\n\n')) {
              resolve(`${res.statusCode} ${text}`);
              req.destroy();
            }
          });
        },
      );
      req.on('error', reject);
    });
    assert.match(first, /^200 [\s\S]*event: put\ndata: \{"path":"\/","data":\{"flags"/);
  });

  test('NATS refusals are named: wrong CA, no client certificate, bad password', async () => {
    const start = (name: string, args: string[], env: Record<string, string> = {}) =>
      RoleProcess.start({ name, args, env }).then((role) => {
        extraRoles.push(role);
        return role;
      });
    const edgeArgs = ['edge', '--bus', natsUrl, '--origin', origin!.url, '--token', 'vxl_unused'];
    const [wrongCa, noCert, badPassword] = await Promise.all([
      start('edge-wrong-ca', [
        ...edgeArgs,
        '--bus-ca',
        certs.otherCa,
        '--bus-cert',
        certs.client.cert,
        '--bus-key',
        certs.client.key,
        '--bus-nkey',
        nkeySeedFile,
        // Its workers answer /readyz: the primary, which holds the bus, tells them why.
        '--workers',
        '2',
      ]),
      start('edge-no-client-cert', [
        ...edgeArgs,
        '--bus-ca',
        certs.ca,
        '--bus-nkey',
        nkeySeedFile,
        '--workers',
        '1',
      ]),
      start(
        'origin-bad-password',
        [
          'origin',
          '--store',
          `sqlite:${join(certs.dir, 'refused.db')}`,
          '--bus',
          natsUrl,
          ...natsClientTls(),
          '--bus-user',
          'origin',
        ],
        { VEXIL_ADMIN_TOKEN: ADMIN_TOKEN, VEXIL_BUS_PASSWORD: 'not-the-password' },
      ),
    ]);
    const said = async (role: RoleProcess, field: string, pattern: RegExp) => {
      let last: unknown;
      await until(`${role.name} to name the cause`, async () => {
        const { body } = await role.readiness();
        last = body;
        const value = (body as Record<string, unknown> | undefined)?.[field];
        return typeof value === 'string' && pattern.test(value);
      }).catch((e: Error) => {
        throw new Error(`${e.message}; /readyz said ${JSON.stringify(last)}`, { cause: e });
      });
      return last;
    };
    await said(wrongCa, 'upstream', /certificate is not trusted/);
    assert.equal((await wrongCa.readiness()).status, 503, 'an edge refused by NATS is not ready');
    await said(noCert, 'upstream', /client certificate/);
    const refused = await said(badPassword, 'busProblem', /refused the credentials/);
    assert.equal((refused as { bus?: string }).bus, 'unreachable');
    assert.ok(
      badPassword
        .logs()
        .some(
          (l) =>
            l.msg === 'cannot connect to NATS' &&
            /Authorization Violation/.test(String(l['reason'])),
        ),
      'the log line names the cause',
    );
  });

  test('missing or mismatched files are usage errors naming the option', async () => {
    const usage = async (args: string[], env: Record<string, string> = {}) => {
      try {
        await run(process.execPath, [VEXIL_MAIN, ...args, '--port', '0'], {
          env: { ...process.env, ...env },
          timeout: 20_000,
        });
      } catch (e) {
        const { code, stderr } = e as { code?: number; stderr?: string };
        return { code, stderr: stderr ?? '' };
      }
      throw new Error(`vexil ${args[0]} started with ${args.join(' ')}`);
    };
    const edgeBase = ['edge', '--bus', natsUrl, '--origin', origin!.url, '--token', 'vxl_unused'];
    const garbage = join(certs.dir, 'not-a-seed.nk');
    await writeFile(garbage, 'SUnotaseed\n');
    const [missingCa, badSeed, wrongKey, untrustedStore] = await Promise.all([
      usage([...edgeBase, '--bus-ca', join(certs.dir, 'missing.pem')]),
      usage([...edgeBase, '--bus-nkey', garbage]),
      usage([...edgeBase, '--tls-cert', certs.server.cert, '--tls-key', certs.client.key]),
      usage(
        [
          'origin',
          '--store',
          pg!.url({ sslmode: 'verify-full' }),
          '--store-ca',
          certs.otherCa,
          '--bus',
          natsUrl,
        ],
        { VEXIL_ADMIN_TOKEN: ADMIN_TOKEN },
      ),
    ]);
    assert.equal(missingCa.code, 2);
    assert.match(
      missingCa.stderr,
      /--bus-ca: cannot read the CA of NATS ".*missing\.pem" \(no such file\)/,
    );
    assert.equal(badSeed.code, 2);
    assert.match(badSeed.stderr, /--bus-nkey: the nkey seed is not valid/);
    assert.equal(wrongKey.code, 2);
    assert.match(wrongKey.stderr, /--tls-key ".*client-key\.pem" is not the key of --tls-cert/);
    assert.equal(untrustedStore.code, 1);
    assert.match(
      untrustedStore.stderr,
      /cannot open the postgres store .*not trusted: give the CA/,
    );
  });

  test('a renewed certificate is served without a restart; a mismatched pair is not', async () => {
    const serial = () =>
      new Promise<string>((resolve, reject) => {
        const socket = connectTls(
          { host: '127.0.0.1', port: Number(new URL(edge!.url).port), ca },
          () => {
            resolve(serialNumber(socket.getPeerCertificate().serialNumber));
            socket.destroy();
          },
        );
        socket.on('error', reject);
      });
    const logged = (msg: string) => edge!.logs().filter((l) => l.msg === msg).length;
    const before = await serial();
    const renewed = await certs.issueServer('server-renewed');
    // A renewal tool writes the certificate first: with the old key it cannot serve.
    await copyFile(renewed.cert, edgeTls.cert);
    const mismatch =
      'the new TLS certificate and key cannot be used together; keeping the current ones';
    await until('both workers to refuse the half-written pair', () => logged(mismatch) >= 2);
    assert.equal(await serial(), before);
    await copyFile(renewed.key, edgeTls.key);
    await until('both workers to reload', () => logged('reloaded the TLS certificate') >= 2);
    const after = new Set(await Promise.all(Array.from({ length: 6 }, () => serial())));
    assert.deepEqual([...after], [certs.serialOf(renewed.cert)]);
    assert.notEqual(before, certs.serialOf(renewed.cert));
    assert.equal((await edge!.readiness()).status, 200, 'the edge kept serving');
  });
});
