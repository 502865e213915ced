import type { EvaluationContext } from '@openfeature/web-sdk';
import { silentLogger, type Logger } from '@vexil/protocol';
import { VexilWebProviderError } from './errors.js';

/**
 * Where the provider keeps the last values per context: `localStorage`, or anything with its
 * three methods (`sessionStorage`, a Map-backed object in tests).
 */
export interface FlagStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

/**
 * The secure-mode hash of a context (docs/protocol.md section 4.4), from the customer's backend:
 * the hex HMAC-SHA256 of the context's canonical key keyed by the SDK key, which LaunchDarkly's
 * server SDKs compute with `secureModeHash(context)`. Called once for each context the page
 * switches to, before its stream opens; it may fetch the hash.
 */
export type SecureModeHash = (context: EvaluationContext) => string | Promise<string>;

export interface VexilWebProviderOptions {
  /** The environment's client-side ID (public: 24 hex digits), in the stream's URL. */
  readonly clientSideId: string;
  /** The edge (or `vexil start`) the page reaches, e.g. `https://flags.example.com`. */
  readonly baseUrl: string;
  /**
   * The secure-mode hash, sent as `?h=`: a string signs one context only (the one the page
   * starts with); a function is asked for the hash of each context the page switches to.
   */
  readonly hash?: string | SecureModeHash | undefined;
  /**
   * How long `initialize` (and a context change) waits for the edge's values before starting
   * from the stored ones, or failing when there are none. The stream keeps trying either way.
   */
  readonly initTimeoutMs?: number | undefined;
  /** First reconnect delay; it doubles per failed attempt up to `retryMaxMs`, with jitter. */
  readonly retryMinMs?: number | undefined;
  readonly retryMaxMs?: number | undefined;
  /**
   * How long a stream may stay silent (heartbeats count: edges send one every 30 s) before it
   * is taken for dead and reopened; also how long a connection attempt may take.
   */
  readonly staleAfterMs?: number | undefined;
  /** Where the last values are kept for an offline start; `false` keeps nothing. */
  readonly storage?: FlagStorage | false | undefined;
  /** pino, `console`, or anything with `debug`, `info`, `warn`, `error(obj, msg)`. */
  readonly logger?: Logger | undefined;
}

/** Every default, in one place; `storage` is `globalThis.localStorage` when there is one. */
export const WEB_PROVIDER_DEFAULTS = Object.freeze({
  initTimeoutMs: 5_000,
  retryMinMs: 500,
  retryMaxMs: 30_000,
  // Three heartbeat intervals of an edge with the default `--heartbeat 30`.
  staleAfterMs: 90_000,
});

export interface ResolvedOptions {
  readonly clientSideId: string;
  /** Without a trailing slash; a path prefix is kept. */
  readonly baseUrl: string;
  readonly hash: string | SecureModeHash | undefined;
  readonly initTimeoutMs: number;
  readonly retryMinMs: number;
  readonly retryMaxMs: number;
  readonly staleAfterMs: number;
  readonly storage: FlagStorage | undefined;
  readonly logger: Logger;
}

function invalid(message: string): never {
  throw new VexilWebProviderError('INVALID_OPTIONS', message);
}

function duration(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0)
    invalid(`${name} must be a positive number of milliseconds, got ${String(value)}`);
  return value;
}

/** Some browsers throw on the mere read of `localStorage` (sandboxed frames, blocked storage). */
function defaultStorage(): FlagStorage | undefined {
  try {
    return (globalThis as { localStorage?: FlagStorage }).localStorage ?? undefined;
  } catch {
    return undefined;
  }
}

function isStorage(value: unknown): value is FlagStorage {
  const s = value as Partial<FlagStorage> | null;
  return (
    typeof s === 'object' &&
    s !== null &&
    typeof s.getItem === 'function' &&
    typeof s.setItem === 'function' &&
    typeof s.removeItem === 'function'
  );
}

/** Checks the options once, at construction, and fills in the defaults. */
export function resolveOptions(options: VexilWebProviderOptions): ResolvedOptions {
  if (typeof options !== 'object' || options === null)
    invalid('pass an options object: { clientSideId, baseUrl }');
  const { clientSideId, baseUrl, hash, storage } = options;
  if (typeof clientSideId !== 'string' || !/^[\w.-]+$/.test(clientSideId))
    invalid("clientSideId must be the environment's client-side ID (24 hex digits)");
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    invalid(
      `baseUrl must be an absolute http(s) URL such as https://flags.example.com, got ${JSON.stringify(baseUrl)}`,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    invalid(`baseUrl must be http or https, got ${url.protocol}`);
  if (hash !== undefined && typeof hash !== 'string' && typeof hash !== 'function')
    invalid(
      'hash must be the hex hash of the context, or a function of the context that returns it',
    );
  if (storage !== undefined && storage !== false && !isStorage(storage))
    invalid('storage must have getItem, setItem and removeItem (as localStorage), or be false');
  const d = WEB_PROVIDER_DEFAULTS;
  const retryMinMs = duration('retryMinMs', options.retryMinMs, d.retryMinMs);
  const retryMaxMs = duration('retryMaxMs', options.retryMaxMs, d.retryMaxMs);
  if (retryMaxMs < retryMinMs) invalid('retryMaxMs must not be below retryMinMs');
  return Object.freeze({
    clientSideId,
    baseUrl: `${url.origin}${url.pathname.replace(/\/+$/, '')}`,
    hash,
    initTimeoutMs: duration('initTimeoutMs', options.initTimeoutMs, d.initTimeoutMs),
    retryMinMs,
    retryMaxMs,
    staleAfterMs: duration('staleAfterMs', options.staleAfterMs, d.staleAfterMs),
    storage: storage === false ? undefined : (storage ?? defaultStorage()),
    logger: options.logger ?? silentLogger,
  });
}
