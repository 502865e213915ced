import type { ProxyBlock } from './client-address.js';
import type { Rate } from './token-buckets.js';

export { parseProxyBlock, type ProxyBlock } from './client-address.js';
export type { Rate } from './token-buckets.js';

// The rate limits' options and defaults, apart from the limiter so that the CLI reads its
// configuration without loading the edge (the `@vexil/edge/rate-limits` entry point).
//
//   auth_failures  failed authentications per client address, whatever the credential. Once its
//                  bucket is empty, every credentialed request from the address gets 429 until
//                  a token is back: what stops credential guessing.
//   api_token      REST API requests per API token (charged once the API has accepted the token).
//   api_address    REST API requests per client address.
//   sdk_address    SDK, OFREP and event requests and stream connects per client address. One
//                  address can be a NAT or a load balancer in front of many SDKs, hence the
//                  generous default; there is no limit per SDK key, so that a reconnect storm of
//                  one key's servers is never throttled as one client. LaunchDarkly SDKs treat
//                  429 as recoverable and retry with backoff.
//
// What edges ask of their upstream, the origin's delivery API (/api/v1/delivery/...) and an
// edge's relay feed (/vexil/v1/relay...), draws on no bucket but auth_failures: an edge that
// restarts asks for a snapshot of every environment at once, and throttling that would lengthen
// the very outage it recovers from.

export type RateLimitKind = 'auth_failures' | 'api_token' | 'api_address' | 'sdk_address';

/** The kind of endpoint a request is for (the metric's `endpoint` label). */
export type EndpointClass = 'api' | 'delivery' | 'metrics' | 'sdk' | 'events' | 'stream';

export interface RateLimitOptions {
  readonly authFailures: Rate | 'off';
  readonly apiToken: Rate | 'off';
  readonly apiAddress: Rate | 'off';
  readonly sdkAddress: Rate | 'off';
  /** Peers whose X-Forwarded-For names the client (client-address.ts); none by default. */
  readonly trustedProxies: readonly ProxyBlock[];
  /** Keys (addresses, tokens) each limit tracks at most; the least recently used go first. */
  readonly maxKeys: number;
}

export const defaultRateLimitOptions: RateLimitOptions = {
  authFailures: { perSecond: 10, burst: 50 },
  apiToken: { perSecond: 50, burst: 200 },
  apiAddress: { perSecond: 200, burst: 1_000 },
  sdkAddress: { perSecond: 1_000, burst: 5_000 },
  trustedProxies: [],
  maxKeys: 100_000,
};
