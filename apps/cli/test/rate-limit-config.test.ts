import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultRateLimitOptions } from '@vexil/edge';
import { CliError } from '../src/cli-error.js';
import { serveConfig, source } from '../src/roles/role-config.js';
import { loadStartConfig } from '../src/start/start-config.js';
import { NO_START_FLAGS } from './support/start-flags.js';

// --rate-limit-* and --trust-proxy (rate-limit-config.ts): the same options on every role;
// flags win over environment variables; a bad value is a usage error naming where it came from.

const none = NO_START_FLAGS;

const usage = (message: RegExp) => (e: unknown) =>
  e instanceof CliError && e.code === 'USAGE' && message.test(e.message);

test('defaults: every limit on, no trusted proxy', () => {
  assert.deepEqual(loadStartConfig(none, {}, '/').rateLimits, defaultRateLimitOptions);
  assert.deepEqual(serveConfig(source({}, {}), 8080).rateLimits, defaultRateLimitOptions);
});

test('rates as <per second>/<burst>, <per second> alone, or off; flags win over variables', () => {
  const env = {
    VEXIL_RATE_LIMIT_API: '5/20',
    VEXIL_RATE_LIMIT_SDK: 'off',
    VEXIL_RATE_LIMIT_AUTH_FAILURES: '2.5',
    VEXIL_TRUST_PROXY: '10.0.0.0/8, ::1',
  };
  const limits = loadStartConfig(
    { ...none, rateLimits: { 'rate-limit-api': '7/70', 'rate-limit-api-address': 'off' } },
    env,
    '/',
  ).rateLimits;
  assert.deepEqual(limits.apiToken, { perSecond: 7, burst: 70 });
  assert.equal(limits.apiAddress, 'off');
  assert.equal(limits.sdkAddress, 'off');
  assert.deepEqual(limits.authFailures, { perSecond: 2.5, burst: 3 });
  assert.deepEqual(limits.trustedProxies, [
    { address: '10.0.0.0', prefix: 8, family: 'ipv4' },
    { address: '::1', prefix: 128, family: 'ipv6' },
  ]);
  const role = serveConfig(source({ 'rate-limit-sdk': '100/1000' }, env), 8030).rateLimits;
  assert.deepEqual(role.sdkAddress, { perSecond: 100, burst: 1000 });
  assert.deepEqual(role.apiToken, { perSecond: 5, burst: 20 });
});

test('a bad value names its flag or variable', () => {
  for (const bad of ['fast', '0/10', '10/0', '-1/5', '10/2.5', '10/', 'Off']) {
    assert.throws(
      () => serveConfig(source({ 'rate-limit-sdk': bad }, {}), 8030),
      usage(/^--rate-limit-sdk must be <requests per second>\/<burst> such as 50\/200, or off/),
      bad,
    );
  }
  assert.throws(
    () => loadStartConfig(none, { VEXIL_RATE_LIMIT_AUTH_FAILURES: 'many' }, '/'),
    usage(/^VEXIL_RATE_LIMIT_AUTH_FAILURES must be/),
  );
  assert.throws(
    () => serveConfig(source({ 'trust-proxy': '10.0.0.0/8,proxy.internal' }, {}), 8030),
    usage(/^--trust-proxy must be addresses or CIDR blocks.*\("proxy\.internal" is neither\)$/),
  );
});
