// Every SDK-facing route of the edge (docs/protocol.md section 4 and apps/edge/src/protocols/*),
// with what it authenticates with, what body it takes and which query parameters it reads: the
// table the hostile-input suite generates requests for.

export type Credential = 'sdk' | 'mobile' | 'env-id' | 'edge' | 'none';
export type BodyKind = 'none' | 'context' | 'ofrep' | 'events';

export interface SdkRoute {
  readonly method: 'GET' | 'POST' | 'REPORT' | 'OPTIONS';
  /** Template: `{envId}` the client-side ID, `{context}` a base64url context, `{key}` an item key. */
  readonly path: string;
  readonly credential: Credential;
  readonly body: BodyKind;
  /** Query parameters the route reads. */
  readonly query?: readonly string[];
}

const FILTERED = ['filter'];
const sdk = (
  method: SdkRoute['method'],
  path: string,
  extra: Partial<SdkRoute> = {},
): SdkRoute => ({
  method,
  path,
  credential: 'sdk',
  body: 'none',
  ...extra,
});

/** Every route of apps/edge/src/protocols, with what it authenticates with and reads. */
export const SDK_ROUTES: readonly SdkRoute[] = [
  sdk('GET', '/all', { query: FILTERED }),
  sdk('GET', '/flags', { query: FILTERED }),
  sdk('GET', '/sdk/stream', { query: ['filter', 'basis'] }),
  sdk('GET', '/sdk/poll', { query: ['filter', 'basis'] }),
  sdk('GET', '/sdk/latest-all', { query: FILTERED }),
  sdk('GET', '/sdk/latest-flags', { query: FILTERED }),
  sdk('GET', '/sdk/latest-flags/{key}', { query: FILTERED }),
  sdk('GET', '/sdk/latest-segments'),
  sdk('GET', '/sdk/latest-segments/{key}'),
  sdk('GET', '/sdk/flags', { query: FILTERED }),
  sdk('GET', '/sdk/flags/{key}', { query: FILTERED }),
  sdk('GET', '/sdk/segments/{key}'),
  ...['contexts/{context}', 'users/{context}'].flatMap((tail) => [
    sdk('GET', `/sdk/evalx/{envId}/${tail}`, { credential: 'env-id', query: ['withReasons', 'h'] }),
    sdk('OPTIONS', `/sdk/evalx/{envId}/${tail}`, { credential: 'none' }),
    sdk('GET', `/msdk/evalx/${tail}`, { credential: 'mobile', query: ['withReasons'] }),
    sdk('GET', `/sdk/evalx/${tail}`, { query: ['withReasons'] }),
  ]),
  ...['context', 'user'].flatMap((tail) => [
    sdk('REPORT', `/sdk/evalx/{envId}/${tail}`, {
      credential: 'env-id',
      body: 'context',
      query: ['withReasons', 'h'],
    }),
    sdk('OPTIONS', `/sdk/evalx/{envId}/${tail}`, { credential: 'none' }),
    sdk('REPORT', `/msdk/evalx/${tail}`, { credential: 'mobile', body: 'context' }),
    sdk('REPORT', `/sdk/evalx/${tail}`, { body: 'context', query: ['withReasons'] }),
  ]),
  sdk('GET', '/eval/{envId}/{context}', { credential: 'env-id', query: ['withReasons', 'h'] }),
  sdk('OPTIONS', '/eval/{envId}/{context}', { credential: 'none' }),
  sdk('REPORT', '/eval/{envId}', { credential: 'env-id', body: 'context', query: ['h'] }),
  sdk('OPTIONS', '/eval/{envId}', { credential: 'none' }),
  sdk('GET', '/ping/{envId}', { credential: 'env-id' }),
  sdk('OPTIONS', '/ping/{envId}', { credential: 'none' }),
  sdk('GET', '/sdk/goals/{envId}', { credential: 'env-id' }),
  sdk('OPTIONS', '/sdk/goals/{envId}', { credential: 'none' }),
  sdk('GET', '/meval/{context}', { credential: 'mobile', query: ['withReasons'] }),
  sdk('REPORT', '/meval', { credential: 'mobile', body: 'context' }),
  sdk('GET', '/mping', { credential: 'mobile' }),
  sdk('POST', '/bulk', { body: 'events' }),
  sdk('POST', '/diagnostic', { body: 'events' }),
  ...['/mobile', '/mobile/events', '/mobile/events/bulk', '/mobile/events/diagnostic'].map((path) =>
    sdk('POST', path, { credential: 'mobile', body: 'events' }),
  ),
  ...['/events/bulk/{envId}', '/events/diagnostic/{envId}'].flatMap((path) => [
    sdk('POST', path, { credential: 'env-id', body: 'events' }),
    sdk('OPTIONS', path, { credential: 'none' }),
  ]),
  sdk('POST', '/ofrep/v1/evaluate/flags/{key}', { body: 'ofrep' }),
  sdk('POST', '/ofrep/v1/evaluate/flags', { body: 'ofrep' }),
  sdk('GET', '/vexil/v1/stream', { query: ['since'] }),
  sdk('GET', '/vexil/v1/ws', { query: ['since', 'key'] }),
  sdk('GET', '/vexil/v1/relay', { credential: 'edge', query: ['since'] }),
  sdk('GET', '/vexil/v1/relay/directory/{key}', { credential: 'edge' }),
  sdk('GET', '/vexil/v1/relay/environments/{envId}', { credential: 'edge' }),
];
