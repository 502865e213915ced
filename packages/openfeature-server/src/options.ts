import { silentLogger, type JsonObject, type Logger } from '@vexil/protocol';
import { VexilProviderError } from './errors.js';

/**
 * The environment's data as `GET /sdk/latest-all` answers it: `{"flags": {...}, "segments":
 * {...}}`, LaunchDarkly's SDK JSON (docs/protocol.md section 2).
 */
export interface BootstrapData {
  readonly flags?: JsonObject;
  readonly segments?: JsonObject;
}

export interface VexilProviderOptions {
  /** The environment's SDK key (`sdk-...`), sent as `Authorization` (docs/protocol.md section 1). */
  readonly sdkKey: string;
  /** The edge, or `vexil start`, e.g. `https://flags.internal`; the stream is `/vexil/v1/stream`. */
  readonly baseUrl: string;
  /** How long `initialize` waits for the edge before starting offline or failing. */
  readonly initTimeoutMs?: number | undefined;
  /** First reconnect delay; it doubles per failed attempt up to `retryMaxMs`, with jitter. */
  readonly retryMinMs?: number | undefined;
  readonly retryMaxMs?: number | undefined;
  /**
   * How long a connection may stay silent (heartbeats count) before it is taken for dead and
   * reopened; also how long a connection attempt may take. Edges send a heartbeat every 30 s.
   */
  readonly staleAfterMs?: number | undefined;
  /**
   * A file the provider keeps the environment's data in (written atomically after each `put`,
   * and at most once a second after changes) and starts from, resuming the stream from its seq.
   */
  readonly snapshotFile?: string | undefined;
  /** Data to start from when the edge is unreachable and there is no snapshot file: a path to a
   * JSON file or the object itself. */
  readonly bootstrap?: string | BootstrapData | undefined;
  /** Send evaluation counts to the edge (`POST /bulk`), as LaunchDarkly's SDKs do. */
  readonly sendEvents?: boolean | undefined;
  /** How often evaluation counts are sent. */
  readonly flushIntervalMs?: number | undefined;
  /** pino or anything with `debug`, `info`, `warn`, `error(obj, msg)`. */
  readonly logger?: Logger | undefined;
}

export const PROVIDER_DEFAULTS = Object.freeze({
  initTimeoutMs: 5_000,
  retryMinMs: 500,
  retryMaxMs: 30_000,
  // Three heartbeat intervals of an edge with the default `--heartbeat 30`.
  staleAfterMs: 90_000,
  sendEvents: true,
  flushIntervalMs: 5_000,
  /** The most often the snapshot file is rewritten after changes. */
  snapshotIntervalMs: 1_000,
});

export interface ResolvedOptions {
  readonly sdkKey: string;
  readonly baseUrl: URL;
  readonly initTimeoutMs: number;
  readonly retryMinMs: number;
  readonly retryMaxMs: number;
  readonly staleAfterMs: number;
  readonly snapshotFile: string | undefined;
  readonly bootstrap: string | BootstrapData | undefined;
  readonly sendEvents: boolean;
  readonly flushIntervalMs: number;
  readonly snapshotIntervalMs: number;
  readonly logger: Logger;
}

function invalid(message: string): never {
  throw new VexilProviderError('INVALID_OPTIONS', message);
}

function duration(name: string, value: number | undefined, fallback: number, least = 0): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < least)
    invalid(`${name} must be a number of milliseconds >= ${least}, got ${String(value)}`);
  return value;
}

function isPlainObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Checks the options once, at construction, and fills in the defaults. */
export function resolveOptions(options: VexilProviderOptions): ResolvedOptions {
  if (!isPlainObject(options)) invalid('pass an options object: { sdkKey, baseUrl }');
  const { sdkKey, baseUrl, bootstrap } = options;
  if (typeof sdkKey !== 'string' || sdkKey.trim() === '' || /\s/.test(sdkKey))
    invalid('sdkKey must be the environment\'s SDK key ("sdk-..."), without spaces');
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
  if (
    bootstrap !== undefined &&
    typeof bootstrap !== 'string' &&
    (!isPlainObject(bootstrap) ||
      (bootstrap.flags !== undefined && !isPlainObject(bootstrap.flags)) ||
      (bootstrap.segments !== undefined && !isPlainObject(bootstrap.segments)))
  ) {
    invalid('bootstrap must be a file path or an object {"flags": {...}, "segments": {...}}');
  }
  if (options.snapshotFile !== undefined && typeof options.snapshotFile !== 'string')
    invalid('snapshotFile must be a file path');
  const retryMinMs = duration('retryMinMs', options.retryMinMs, PROVIDER_DEFAULTS.retryMinMs);
  const retryMaxMs = duration('retryMaxMs', options.retryMaxMs, PROVIDER_DEFAULTS.retryMaxMs);
  if (retryMaxMs < retryMinMs) invalid('retryMaxMs must not be below retryMinMs');
  return Object.freeze({
    sdkKey,
    baseUrl: url,
    initTimeoutMs: duration(
      'initTimeoutMs',
      options.initTimeoutMs,
      PROVIDER_DEFAULTS.initTimeoutMs,
    ),
    retryMinMs,
    retryMaxMs,
    staleAfterMs: duration('staleAfterMs', options.staleAfterMs, PROVIDER_DEFAULTS.staleAfterMs, 1),
    snapshotFile: options.snapshotFile,
    bootstrap,
    sendEvents: options.sendEvents ?? PROVIDER_DEFAULTS.sendEvents,
    flushIntervalMs: duration(
      'flushIntervalMs',
      options.flushIntervalMs,
      PROVIDER_DEFAULTS.flushIntervalMs,
      1,
    ),
    snapshotIntervalMs: PROVIDER_DEFAULTS.snapshotIntervalMs,
    logger: options.logger ?? silentLogger,
  });
}
