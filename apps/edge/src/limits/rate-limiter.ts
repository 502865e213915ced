import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { Counter, type Registry } from 'prom-client';
import { EdgeError, isCredentialRefusal } from '../http/respond.js';
import { EDGE_METRICS } from '../metrics/edge-metric-catalogue.js';
import { clientAddress, TrustedProxies } from './client-address.js';
import {
  defaultRateLimitOptions,
  type EndpointClass,
  type RateLimitKind,
  type RateLimitOptions,
} from './rate-limit-options.js';
import { TokenBuckets, type Rate } from './token-buckets.js';

// The rate limits of a port (rate-limit-options.ts says what each one is; docs/operations.md,
// "Rate limits"): one limiter per process, used by every handler of the port: the REST API and
// /metrics (the CLI's dispatch), the edge's SDK, event and stream endpoints (its node:http
// handler, the front door's lean stream path, WebSocket upgrades). Sharing it matters for failed
// authentications: guesses of API tokens, SDK keys, mobile keys, client-side IDs, edge tokens
// and the metrics token draw on one bucket per address. Limits are per process: the workers of
// a multi-process edge each keep their own.

/** What a request arrived on: an IncomingMessage's socket, or the front door's. */
export interface Peer {
  readonly remoteAddress?: string | undefined;
}

/** One request's admission (`RateLimiter.admission`). */
export interface Admission {
  /** The 429 answer when a limit refuses the request, else undefined. */
  readonly refusal: EdgeError | undefined;
  /** The request failed with `error`: a refused credential counts against the address. */
  failed(error: unknown): void;
}

export class RateLimiter {
  private readonly failures: TokenBuckets | undefined;
  private readonly tokens: TokenBuckets | undefined;
  private readonly apiAddresses: TokenBuckets | undefined;
  private readonly sdkAddresses: TokenBuckets | undefined;
  private readonly trusted: TrustedProxies;
  private readonly limited: Counter<'limit' | 'endpoint'> | undefined;

  constructor(
    options: Partial<RateLimitOptions> = {},
    now: () => number = Date.now,
    metrics?: Registry,
  ) {
    const o = { ...defaultRateLimitOptions, ...options };
    const buckets = (rate: Rate | 'off') =>
      rate === 'off' ? undefined : new TokenBuckets(rate, now, o.maxKeys);
    this.failures = buckets(o.authFailures);
    this.tokens = buckets(o.apiToken);
    this.apiAddresses = buckets(o.apiAddress);
    this.sdkAddresses = buckets(o.sdkAddress);
    this.trusted = new TrustedProxies(o.trustedProxies);
    const { rateLimited } = EDGE_METRICS;
    this.limited =
      metrics === undefined
        ? undefined
        : new Counter({
            ...rateLimited,
            labelNames: [...rateLimited.labelNames],
            registers: [metrics],
          });
  }

  /** The client's address: the peer's, or X-Forwarded-For's when the peer is a trusted proxy. */
  address(peer: Peer, headers: IncomingHttpHeaders): string {
    return clientAddress(peer.remoteAddress, headers['x-forwarded-for'], this.trusted);
  }

  /** A credentialed request from `address`: its 429 when a limit refuses it, else undefined. */
  admit(address: string, endpoint: EndpointClass): EdgeError | undefined {
    const blocked = this.failures?.wait(address) ?? 0;
    if (blocked > 0) return this.refuse('auth_failures', endpoint, blocked, address);
    const buckets =
      endpoint === 'api'
        ? this.apiAddresses
        : endpoint === 'sdk' || endpoint === 'events' || endpoint === 'stream'
          ? this.sdkAddresses
          : undefined;
    const wait = buckets?.take(address) ?? 0;
    if (wait === 0) return undefined;
    return this.refuse(endpoint === 'api' ? 'api_address' : 'sdk_address', endpoint, wait, address);
  }

  /** `admit` for a request on `peer`, with what to call when it fails. */
  admission(peer: Peer, headers: IncomingHttpHeaders, endpoint: EndpointClass): Admission {
    const address = this.address(peer, headers);
    return {
      refusal: this.admit(address, endpoint),
      failed: (error) => {
        if (isCredentialRefusal(error)) this.failed(address);
      },
    };
  }

  /**
   * An API request with `authorization`: its 429 when that token used up its bucket. Nothing is
   * taken here: `charge` takes once the API has accepted the token, so that only valid tokens
   * get a bucket (requests in flight at once can overshoot by their number).
   */
  admitToken(authorization: string): EdgeError | undefined {
    const wait = this.tokens?.wait(tokenKey(authorization)) ?? 0;
    return wait === 0 ? undefined : this.refuse('api_token', 'api', wait);
  }

  /** The API accepted `authorization`: one request of its token's. */
  charge(authorization: string): void {
    this.tokens?.take(tokenKey(authorization));
  }

  /** A request from `address` was refused for its credential. */
  failed(address: string): void {
    this.failures?.take(address);
  }

  private refuse(
    limit: RateLimitKind,
    endpoint: EndpointClass,
    waitMs: number,
    address?: string,
  ): EdgeError {
    this.limited?.inc({ limit, endpoint });
    const seconds = Math.max(1, Math.ceil(waitMs / 1000));
    const retry = `retry in ${seconds} s`;
    return new EdgeError('RATE_LIMITED', `${MESSAGES[limit](address ?? '')}; ${retry}`, {
      'retry-after': String(seconds),
    });
  }
}

const MESSAGES: Record<RateLimitKind, (address: string) => string> = {
  auth_failures: (a) =>
    `too many failed authentications from ${a} (unknown or revoked keys or tokens); check the credential`,
  api_token: () => 'this API token sent more requests than its rate limit allows',
  api_address: (a) => `${a} sent more API requests than its rate limit allows`,
  sdk_address: (a) => `${a} sent more SDK requests than its rate limit allows`,
};

/** Tokens are kept as digests: a bucket's key is no use to anyone who reads the heap. */
function tokenKey(authorization: string): string {
  return createHash('sha256').update(authorization).digest('base64url');
}
