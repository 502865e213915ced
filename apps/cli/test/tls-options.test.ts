import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parseCommandArgs } from '../src/args.js';
import { CliError } from '../src/cli-error.js';
import type { CommandContext } from '../src/commands/command.js';
import { busConnection } from '../src/roles/bus-connection.js';
import { edgeCommand } from '../src/roles/edge-command.js';
import { loadEdgeConfig } from '../src/roles/edge-config.js';
import { storeLocation } from '../src/roles/open-store.js';
import { source } from '../src/roles/role-config.js';
import { serverTls } from '../src/server/server-tls.js';

// The options that secure each hop, as read at start: credentials out of NATS URLs, one way to
// authenticate, libpq's sslmode values, rediss:// for Redis TLS options, and every file named by
// an option checked then, as a usage error naming the option. (Files that hold real
// certificates are exercised end to end in system-tests/test/tls-everywhere.test.ts.)

type Env = Record<string, string | undefined>;

function usage(fn: () => unknown, message: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof CliError, `a CliError, not ${String(e)}`);
    assert.equal(e.code, 'USAGE');
    assert.match(e.message, message);
    return true;
  });
}

const bus = (value: string, flags: Env = {}, env: Env = {}) =>
  busConnection(source(flags, env), { value, source: '--bus' });

describe('NATS connection options', () => {
  test('a user and password in the URLs leave the URLs and become the credentials', () => {
    const c = bus('nats://edge:p%40ss@n1:4222, nats://edge:p%40ss@n2:4222');
    assert.deepEqual(c.servers, ['nats://n1:4222', 'nats://n2:4222']);
    assert.deepEqual(c.credentials, { user: 'edge', pass: 'p@ss' });
    assert.equal(c.tls, undefined);
  });

  test('a user without a password in a URL is a token, as NATS has it', () => {
    assert.deepEqual(bus('nats://s3cr3t-token@n1:4222').credentials, { token: 's3cr3t-token' });
  });

  test('URLs with different credentials are refused', () => {
    usage(() => bus('nats://a:x@n1:4222,nats://b:y@n2:4222'), /same user and password/);
  });

  test('--bus-user takes its password from VEXIL_BUS_PASSWORD only', () => {
    const c = bus('nats://n1:4222', { 'bus-user': 'origin' }, { VEXIL_BUS_PASSWORD: 'pw' });
    assert.deepEqual(c.credentials, { user: 'origin', pass: 'pw' });
    assert.equal(c.credentialsSource, '--bus-user');
    usage(() => bus('nats://n1:4222', { 'bus-user': 'origin' }), /VEXIL_BUS_PASSWORD/);
    usage(
      () => bus('nats://n1:4222', {}, { VEXIL_BUS_PASSWORD: 'pw' }),
      /needs the user it belongs to/,
    );
  });

  test('only one way to authenticate', () => {
    usage(
      () => bus('nats://u:p@n1:4222', { 'bus-user': 'origin' }, { VEXIL_BUS_PASSWORD: 'pw' }),
      /choose one way to authenticate to NATS, not --bus \(user in the URL\) and --bus-user/,
    );
  });

  test('a tls:// URL asks for TLS even without a CA', () => {
    assert.deepEqual(bus('tls://n1:4222').tls, {});
  });
});

describe('files named by options', () => {
  let dir = '';
  let notPem = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vexil-tls-options-'));
    notPem = join(dir, 'not.pem');
    await writeFile(notPem, 'hello\n');
    await writeFile(join(dir, 'empty.pem'), '');
  });
  after(() => rm(dir, { recursive: true, force: true }));

  test('a missing, empty or non-PEM file is a usage error naming its option', () => {
    usage(
      () => bus('tls://n1:4222', { 'bus-ca': join(dir, 'missing.pem') }),
      /^--bus-ca: cannot read the CA of NATS ".*missing\.pem" \(no such file\)$/,
    );
    usage(
      () => bus('tls://n1:4222', {}, { VEXIL_BUS_CA: join(dir, 'empty.pem') }),
      /^VEXIL_BUS_CA: the CA of NATS ".*empty\.pem" is empty$/,
    );
    usage(() => bus('tls://n1:4222', { 'bus-ca': notPem }), /is not a PEM certificate/);
    usage(
      () => bus('nats://n1:4222', { 'bus-nkey': dir }),
      /--bus-nkey: cannot read .* \(a directory\)/,
    );
  });

  test('a certificate without its key, or a key without its certificate, is refused', () => {
    usage(() => bus('tls://n1:4222', { 'bus-cert': notPem }), /^--bus-cert needs its pair/);
    usage(
      () => serverTls(undefined, { value: notPem, source: 'VEXIL_TLS_KEY' }),
      /^VEXIL_TLS_KEY needs its pair: .* for HTTPS$/,
    );
  });

  test('PostgreSQL: libpq sslmode values, with the CA from --store-ca or sslrootcert', () => {
    const ca = { value: notPem, source: '--store-ca' };
    const at = (url: string, caRaw?: typeof ca) =>
      storeLocation({ value: url, source: '--store' }, '/', 'sqlite:x.db', caRaw);
    assert.deepEqual(at('postgres://db:5432/vexil?sslmode=require&schema=s'), {
      kind: 'postgres',
      url: 'postgres://db:5432/vexil',
      schema: 's',
      tls: { mode: 'require' },
    });
    assert.deepEqual(at('postgres://db/vexil?sslmode=disable'), {
      kind: 'postgres',
      url: 'postgres://db/vexil',
    });
    assert.deepEqual(at('postgres://db/vexil?sslrootcert=system'), {
      kind: 'postgres',
      url: 'postgres://db/vexil',
      tls: { mode: 'verify-full' },
    });
    usage(() => at('postgres://db/vexil?sslmode=prefer'), /would fall back to an unencrypted/);
    usage(
      () => at('postgres://db/vexil?sslmode=on'),
      /must be disable, require, verify-ca or verify-full/,
    );
    usage(
      () => at('postgres://db/vexil?sslmode=verify-ca'),
      /verify-ca needs the CA .* --store-ca/,
    );
    usage(() => at('postgres://db/vexil?sslrootcert=/x.pem', ca), /give PostgreSQL's CA once/);
    usage(
      () => at('postgres://db/vexil', ca),
      /^--store-ca: ".*not\.pem" is not a PEM certificate/,
    );
    usage(() => at('sqlite:x.db', ca), /--store-ca is for a postgres:\/\/ store/);
  });
});

describe('Redis TLS options', () => {
  const ctx = (argv: string[]): CommandContext => ({
    args: parseCommandArgs(
      ['--bus', 'nats://n1:4222', '--origin', 'https://origin:8080', '--token', 'vxl_x', ...argv],
      edgeCommand.options,
      'edge',
    ),
    io: { stdout: () => undefined, stderr: () => undefined },
    env: {},
    cwd: '/',
    version: 'test',
  });

  test('an ACL user in a rediss:// URL is kept for ioredis; TLS options need rediss://', () => {
    const config = loadEdgeConfig(ctx(['--redis', 'rediss://edge:pw@redis:6380']));
    assert.equal(config.redis?.url, 'rediss://edge:pw@redis:6380');
    assert.equal(config.redis?.tls, undefined);
    usage(
      () => loadEdgeConfig(ctx(['--redis', 'redis://redis:6379', '--redis-ca', '/ca.pem'])),
      /--redis-ca is for TLS: make --redis a rediss:\/\/ URL/,
    );
    usage(() => loadEdgeConfig(ctx(['--redis-ca', '/ca.pem'])), /--redis-ca needs --redis/);
  });
});
