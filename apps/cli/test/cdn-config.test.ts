import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultEdgeOptions } from '@vexil/edge';
import { CliError } from '../src/cli-error.js';
import { source } from '../src/roles/role-config.js';
import { cdnConfig } from '../src/server/cdn-config.js';
import { loadStartConfig } from '../src/start/start-config.js';
import { NO_START_FLAGS } from './support/start-flags.js';

// --cdn-* (cdn-config.ts, docs/cdn.md): flags win over environment variables; a bad value is a
// usage error naming where it came from.

const none = NO_START_FLAGS;

const fromFlags = (flags: Record<string, string>, env: Record<string, string> = {}) =>
  cdnConfig((flag, variable) => source(flags, env).raw(flag, variable));

const usage = (message: RegExp) => (e: unknown) =>
  e instanceof CliError && e.code === 'USAGE' && message.test(e.message);

test('defaults: no purges, the edge defaults for cache headers', () => {
  assert.deepEqual(fromFlags({}), {
    purgeTargets: [],
    edge: {
      cdnTtlSeconds: defaultEdgeOptions.cdnTtlSeconds,
      cdnGraceSeconds: defaultEdgeOptions.cdnGraceSeconds,
      cdnKeyHeader: defaultEdgeOptions.cdnKeyHeader,
    },
  });
});

test('every role reads them: vexil start from its flags', () => {
  const config = loadStartConfig({ ...none, cdn: { 'cdn-purge': 'http://v:6081' } }, {}, '/');
  assert.deepEqual(config.cdn.purgeTargets, ['http://v:6081/']);
});

test('purge targets, TTL, grace and tag header; flags win over variables', () => {
  const config = fromFlags(
    { 'cdn-ttl': '60', 'cdn-key-header': 'Surrogate-Key' },
    {
      VEXIL_CDN_PURGE: 'http://varnish-1:6081, https://varnish-2:6443/purge',
      VEXIL_CDN_TTL: '120',
      VEXIL_CDN_GRACE: '0',
    },
  );
  assert.deepEqual(config, {
    purgeTargets: ['http://varnish-1:6081/', 'https://varnish-2:6443/purge'],
    edge: { cdnTtlSeconds: 60, cdnGraceSeconds: 0, cdnKeyHeader: 'Surrogate-Key' },
  });
});

test('a bad value names its flag or variable', () => {
  for (const bad of ['varnish:6081', 'ftp://varnish', 'http://a:1,,']) {
    assert.throws(
      () => fromFlags({ 'cdn-purge': bad }),
      usage(/^--cdn-purge must be http\(s\) URLs of Varnish/),
      bad,
    );
  }
  for (const bad of ['-1', '1.5', 'soon', '99999999'])
    assert.throws(
      () => fromFlags({}, { VEXIL_CDN_GRACE: bad }),
      usage(/^VEXIL_CDN_GRACE must be a whole number of seconds/),
      bad,
    );
  for (const bad of ['x key', 'key:', '1abc'])
    assert.throws(
      () => fromFlags({ 'cdn-key-header': bad }),
      usage(/^--cdn-key-header must be a header name/),
      bad,
    );
});
