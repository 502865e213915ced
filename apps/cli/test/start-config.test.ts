import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultEdgeOptions, defaultRateLimitOptions } from '@vexil/edge';
import { CliError } from '../src/cli-error.js';
import { apiProcessStreamCap } from '../src/server/file-budget.js';
import { loadStartConfig, type StartFlags } from '../src/start/start-config.js';
import { NO_START_FLAGS } from './support/start-flags.js';

const none = NO_START_FLAGS;

test('defaults: 127.0.0.1:8080, ./.vexil, info; frozen', () => {
  const config = loadStartConfig(none, {}, '/srv/app');
  assert.deepEqual(config, {
    host: '127.0.0.1',
    port: 8080,
    dataDir: '/srv/app/.vexil',
    databaseFile: '/srv/app/.vexil/vexil.db',
    adminTokenFile: '/srv/app/.vexil/admin-token',
    adminToken: undefined,
    logLevel: 'info',
    shutdownTimeoutMs: 10_000,
    drainWindowMs: 3_000,
    maxStreams: apiProcessStreamCap(),
    rateLimits: defaultRateLimitOptions,
    cdn: {
      purgeTargets: [],
      edge: {
        cdnTtlSeconds: defaultEdgeOptions.cdnTtlSeconds,
        cdnGraceSeconds: defaultEdgeOptions.cdnGraceSeconds,
        cdnKeyHeader: defaultEdgeOptions.cdnKeyHeader,
      },
    },
    metricsToken: undefined,
    insightRetentionDays: 90,
  });
  assert.ok(Object.isFrozen(config));
});

test('environment variables override defaults; flags override both', () => {
  const env = {
    VEXIL_PORT: '9000',
    VEXIL_HOST: '0.0.0.0',
    VEXIL_DATA_DIR: '/var/lib/vexil',
    VEXIL_LOG_LEVEL: 'debug',
    VEXIL_ADMIN_TOKEN: 'vxl_0123456789abcdef',
  };
  const fromEnv = loadStartConfig(none, env, '/');
  assert.deepEqual(
    [fromEnv.port, fromEnv.host, fromEnv.dataDir, fromEnv.logLevel, fromEnv.adminToken],
    [9000, '0.0.0.0', '/var/lib/vexil', 'debug', 'vxl_0123456789abcdef'],
  );
  const fromFlags = loadStartConfig(
    { port: '0', host: '::1', data: 'rel/dir', logLevel: 'warn', maxStreams: '50' },
    { ...env, VEXIL_PORT: 'not-a-port' },
    '/home/me',
  );
  assert.deepEqual(
    [fromFlags.port, fromFlags.host, fromFlags.dataDir, fromFlags.logLevel, fromFlags.maxStreams],
    [0, '::1', '/home/me/rel/dir', 'warn', 50],
  );
});

test('an empty environment variable counts as unset', () => {
  const config = loadStartConfig(none, { VEXIL_PORT: '', VEXIL_ADMIN_TOKEN: '' }, '/');
  assert.equal(config.port, 8080);
  assert.equal(config.adminToken, undefined);
});

test('bad values are usage errors naming their source', () => {
  const bad: [Partial<StartFlags>, Record<string, string>, RegExp][] = [
    [{ port: '65536' }, {}, /^--port must be a port number/],
    [{ port: '8080x' }, {}, /^--port must be a port number .*"8080x"/],
    [{}, { VEXIL_PORT: '-1' }, /^VEXIL_PORT must be a port number/],
    [{ host: 'bad host' }, {}, /^--host must be a host name/],
    [{ data: '' }, {}, /^--data must be a directory path/],
    [{}, { VEXIL_LOG_LEVEL: 'verbose' }, /^VEXIL_LOG_LEVEL must be one of fatal, error/],
    [{}, { VEXIL_ADMIN_TOKEN: 'has a space in it!!' }, /^VEXIL_ADMIN_TOKEN must be/],
    [{ maxStreams: '0' }, {}, /^--max-streams must be a number of streams from 1 to \d+/],
    [{}, { VEXIL_MAX_STREAMS: '99999999' }, /^VEXIL_MAX_STREAMS must be a number of streams/],
  ];
  for (const [flags, env, message] of bad) {
    assert.throws(
      () => loadStartConfig({ ...none, ...flags }, env, '/'),
      (e: unknown) => e instanceof CliError && e.exitCode === 2 && message.test(e.message),
      message.source,
    );
  }
});
