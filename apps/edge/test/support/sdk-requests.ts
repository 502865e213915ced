import fc from 'fast-check';
import {
  encodePathText,
  oddJsonText,
  oddString,
  oversizeJson,
  printable,
  type RawRequest,
} from '@vexil/testkit';
import {
  contextJson,
  eventsBody,
  ofrepBody,
  pathContext,
  RAW_SEGMENTS,
  type SdkWorld,
} from './sdk-bodies.js';
import type { SdkRoute } from './sdk-routes.js';

// Hostile requests for every SDK-facing route of the edge (docs/protocol.md section 4 and
// apps/edge/src/protocols/*): odd credentials, contexts in the path (base64url of hostile JSON,
// garbage, huge), REPORT and OFREP bodies, analytics events with hostile counts and times, odd
// query parameters and headers. Most requests are nearly valid, so they reach the evaluation,
// counting and streaming code behind the checks.

const segment = (valid: readonly string[]) =>
  fc.oneof(
    { arbitrary: fc.constantFrom(...valid).map(encodePathText), weight: 12 },
    { arbitrary: oddString.map(encodePathText), weight: 1 },
    { arbitrary: fc.constantFrom(...RAW_SEGMENTS), weight: 1 },
  );

const QUERY_VALUES: Record<string, fc.Arbitrary<string>> = {
  filter: fc.constantFrom('web', 'missing', '', '..', '-x', '%00'),
  basis: fc.constantFrom('', 'garbage', '(p:x:1)', '(p:0000:99999999999999999999)', '%00'),
  withReasons: fc.constantFrom('true', 'false', 'yes', ''),
  h: fc.constantFrom('', '00', 'zz', 'a'.repeat(64)),
  since: fc.constantFrom('0', '1', '-1', '99999999999999999999', 'abc', 'x:1,y:2', ':', '1e3'),
  key: fc.constantFrom('', 'sdk-wrong'),
};

function queryArbitrary(route: SdkRoute, world: SdkWorld): fc.Arbitrary<string> {
  const one = (name: string) =>
    fc.option(
      fc
        .oneof(
          { arbitrary: QUERY_VALUES[name]!, weight: 3 },
          { arbitrary: oddString, weight: 1 },
          {
            arbitrary: fc.constant(name === 'key' ? world.sdkKey : `${world.envId}:1`),
            weight: 1,
          },
        )
        .map((v) => `${name}=${encodePathText(v)}`),
      { freq: 2 },
    );
  const extra = fc.oneof(
    { arbitrary: fc.constant(null), weight: 8 },
    {
      arbitrary: fc.constantFrom('__proto__=1', '%zz=1', '=', '&&', 'filter=a&filter=b'),
      weight: 1,
    },
  );
  return fc.tuple(fc.tuple(...(route.query ?? []).map(one)), extra).map(([values, odd]) => {
    const parts = [...values, odd].filter((v): v is string => v !== null);
    return parts.length === 0 ? '' : `?${parts.join('&')}`;
  });
}

function credentialHeaders(route: SdkRoute, world: SdkWorld): fc.Arbitrary<Record<string, string>> {
  const key =
    route.credential === 'sdk'
      ? world.sdkKey
      : route.credential === 'mobile'
        ? world.mobileKey
        : route.credential === 'edge'
          ? `Bearer ${world.edgeToken}`
          : undefined;
  if (key === undefined) return fc.constant({});
  const odd = fc.constantFrom<Record<string, string>>(
    {},
    { authorization: '' },
    { authorization: 'sdk-00000000-0000-0000-0000-000000000000' },
    { authorization: `api_key ${key}` },
    { authorization: `Bearer ${key}` },
    { authorization: `${key}  ` },
    { authorization: route.credential === 'sdk' ? world.mobileKey : world.sdkKey },
    { authorization: 'x'.repeat(10_000) },
    { authorization: '\xff\xfe' },
    { 'x-api-key': key },
  );
  return fc.oneof(
    { arbitrary: fc.constant({ authorization: key }), weight: 10 },
    { arbitrary: odd, weight: 1 },
  );
}

const ODD_HEADERS = fc.constantFrom<Record<string, string>>(
  {},
  { 'last-event-id': '99999999999999999999' },
  { 'last-event-id': 'abc' },
  { 'if-none-match': '*' },
  { 'if-none-match': '"x", W/"y"' },
  { origin: 'null' },
  { origin: 'https://evil.example' },
  { 'x-launchdarkly-payload-id': 'p-1' },
  { 'x-launchdarkly-payload-id': '' },
  {
    upgrade: 'websocket',
    connection: 'Upgrade',
    'sec-websocket-version': '13',
    'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
  },
  {
    upgrade: 'websocket',
    connection: 'Upgrade',
    'sec-websocket-version': '8',
    'sec-websocket-key': '',
  },
);

const HANDSHAKE = {
  upgrade: 'websocket',
  connection: 'Upgrade',
  'sec-websocket-version': '13',
  'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
};

/** Request targets and methods no route expects: parsers, routers and upgrades meet them first. */
export const oddTargetRequest: fc.Arbitrary<RawRequest> = fc
  .record({
    method: fc.constantFrom(
      'GET',
      'POST',
      'REPORT',
      'PUT',
      'DELETE',
      'PROPFIND',
      'OPTIONS',
      'HEAD',
    ),
    path: fc.constantFrom(
      '//[',
      '*',
      '/%',
      '/%00',
      '/sdk/../sdk/latest-all',
      '/vexil/v1/ws/../ws',
      '/vexil/v1/ws?key=%zz',
      'http://evil.example/sdk/latest-all',
      `/all?${'x'.repeat(20_000)}`,
      '/sdk/evalx//contexts/',
      '/eval/%2F/%2F',
      '/events/bulk/%ED%A0%80',
    ),
    headers: fc.constantFrom<Record<string, string>>(
      {},
      HANDSHAKE,
      {
        upgrade: 'h2c',
        connection: 'Upgrade, HTTP2-Settings',
        'http2-settings': 'AAMAAABkAARAAAAAAAIAAAAA',
      },
      { 'transfer-encoding': 'chunked' },
      { expect: '100-continue' },
    ),
    body: fc.option(oddJsonText, { nil: undefined }),
  })
  .map(({ method, path, headers, body }) =>
    printable({
      method,
      path,
      headers,
      ...(body === undefined || method === 'GET' || method === 'HEAD' ? {} : { body }),
    }),
  );

const CONTENT_TYPES = [
  'text/plain',
  'application/x-www-form-urlencoded',
  '',
  'application/json; charset=utf-16',
  'application/merge-patch+json',
];

/** Hostile requests for one route of the edge. */
export function sdkRequestArbitrary(route: SdkRoute, world: SdkWorld): fc.Arbitrary<RawRequest> {
  const names = [...route.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
  const params = fc.tuple(
    ...names.map((name) =>
      name === 'context'
        ? pathContext
        : name === 'envId'
          ? segment([world.envId, world.envId.toUpperCase(), 'a'.repeat(24)])
          : segment([
              ...world.flagKeys,
              ...world.segmentKeys,
              'missing',
              `c.${'0'.repeat(64)}`,
              `e.${world.envId}`,
            ]),
    ),
  );
  const body: fc.Arbitrary<{ body?: string | Uint8Array; gzip?: 'yes' | 'no' | 'lie' }> =
    route.body === 'context'
      ? fc.oneof(
          { arbitrary: contextJson.map((b) => ({ body: b })), weight: 9 },
          { arbitrary: oddJsonText.map((b) => ({ body: b })), weight: 1 },
          // Past the 64 KiB limit of a REPORT body.
          { arbitrary: oversizeJson(70_000).map((b) => ({ body: b })), weight: 1 },
        )
      : route.body === 'ofrep'
        ? ofrepBody.map((b) => ({ body: b }))
        : route.body === 'events'
          ? eventsBody(world)
          : fc.oneof(
              { arbitrary: fc.constant({}), weight: 12 },
              { arbitrary: oddJsonText.map((b) => ({ body: b })), weight: 1 },
            );
  const contentType = fc.oneof(
    { arbitrary: fc.constant('application/json'), weight: 8 },
    { arbitrary: fc.constantFrom(...CONTENT_TYPES), weight: 1 },
  );
  return fc
    .record({
      params,
      query: queryArbitrary(route, world),
      credential: credentialHeaders(route, world),
      odd: fc.oneof(
        { arbitrary: fc.constant({}), weight: 6 },
        { arbitrary: ODD_HEADERS, weight: 1 },
      ),
      contentType,
      body,
    })
    .map(({ params: values, query, credential, odd, contentType: type, body: b }) => {
      let i = 0;
      const path = route.path.replace(/\{\w+\}/g, () => values[i++]!) + query;
      const headers: Record<string, string> = { ...credential, ...odd };
      // The WebSocket route is reached only by a handshake; without one it is no route at all.
      if (route.path === '/vexil/v1/ws' && headers['upgrade'] === undefined)
        Object.assign(headers, HANDSHAKE);
      if (b.body !== undefined) headers['content-type'] = type;
      if (b.gzip === 'yes' || b.gzip === 'lie') headers['content-encoding'] = 'gzip';
      const req: RawRequest = {
        method: route.method,
        path,
        headers,
        ...(b.body === undefined ? {} : { body: b.body }),
      };
      return printable(req);
    });
}
