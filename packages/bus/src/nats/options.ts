import type { TlsOptions } from '@nats-io/transport-node';
import { connectionAuth, type NatsCredentials } from './auth.js';
import { BusError } from '../errors.js';
import { silentLogger, type Logger } from '@vexil/protocol';

export interface NatsBusOptions {
  /** One URL or several (`nats://host:4222`); the client also learns the cluster's other nodes. */
  readonly servers: string | readonly string[];
  /** The stream holding the changes (default `VEXIL_CHANGES`); the directory goes to `<name>_DIRECTORY`. */
  readonly streamName?: string;
  /** First subject tokens: changes on `<prefix>.changes.<environmentId>`, directory entries on `<prefix>.directory.<key>` (default `vexil`). */
  readonly subjectPrefix?: string;
  /** Copies of each stream in a cluster (default 1; use 3 in a 3-node cluster). */
  readonly replicas?: number;
  /** Drop changes older than this, in ms (default 0: keep them, bounded by `maxMsgsPerSubject`). */
  readonly maxAgeMs?: number;
  /** The replay window: changes kept per environment (default 10,000). */
  readonly maxMsgsPerSubject?: number;
  /** How long the server remembers `Nats-Msg-Id`s to drop duplicates, in ms (default 2 minutes). */
  readonly duplicateWindowMs?: number;
  /**
   * Create or update the streams on connect (default true). Edges that may only read can set
   * false: they then wait until the origin has created them.
   */
  readonly manageStreams?: boolean;
  /** The connection's name, shown by the server's monitoring (`vexil-origin`, `vexil-edge-3`). */
  readonly name?: string;
  /** How to authenticate (checked when the bus is created: a seed that is none throws). */
  readonly credentials?: NatsCredentials;
  /**
   * TLS to the servers: `ca`, and `cert` + `key` for a client certificate, as PEM text (or the
   * client's `caFile`...). Given, the client insists on TLS; without it, it still upgrades when
   * the server requires TLS.
   */
  readonly tls?: TlsOptions;
  /** Wait between reconnect attempts to the same server, in ms (default 2,000, with jitter). */
  readonly reconnectTimeWaitMs?: number;
  /** Client pings that detect a dead connection, in ms (default 20,000; 3 unanswered = down). */
  readonly pingIntervalMs?: number;
  /** Timeout of JetStream API calls and publish acknowledgements, in ms (default 5,000). */
  readonly requestTimeoutMs?: number;
  /**
   * Idle heartbeat of subscriptions' consumers, in ms (default 2,000). A subscription that hears
   * nothing for 4 heartbeats while connected recreates its consumer (e.g. its node died).
   */
  readonly heartbeatMs?: number;
  readonly logger?: Logger;
}

export const NATS_BUS_DEFAULTS = {
  streamName: 'VEXIL_CHANGES',
  subjectPrefix: 'vexil',
  replicas: 1,
  maxAgeMs: 0,
  maxMsgsPerSubject: 10_000,
  duplicateWindowMs: 120_000,
  manageStreams: true,
  name: 'vexil',
  reconnectTimeWaitMs: 1_000,
  pingIntervalMs: 5_000,
  requestTimeoutMs: 5_000,
  heartbeatMs: 2_000,
} as const;

export interface ResolvedOptions {
  readonly servers: string[];
  readonly streamName: string;
  readonly directoryStreamName: string;
  readonly subjectPrefix: string;
  readonly replicas: number;
  readonly maxAgeMs: number;
  readonly maxMsgsPerSubject: number;
  readonly duplicateWindowMs: number;
  readonly manageStreams: boolean;
  readonly name: string;
  /** The client's authentication options, from `credentials`. */
  readonly auth: ReturnType<typeof connectionAuth>;
  readonly tls: TlsOptions | undefined;
  readonly reconnectTimeWaitMs: number;
  readonly pingIntervalMs: number;
  readonly requestTimeoutMs: number;
  readonly heartbeatMs: number;
  readonly logger: Logger;
}

// Stream names become subject tokens of the JetStream API and file names on the server.
const STREAM_NAME = /^[A-Za-z0-9_-]{1,200}$/;
// Dot-separated tokens without wildcards or whitespace.
const SUBJECT_PREFIX = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/;

function invalid(message: string): never {
  throw new BusError('INVALID_OPTIONS', message);
}

function positiveInteger(name: string, value: number, min = 1): number {
  if (!Number.isInteger(value) || value < min)
    invalid(`${name} must be an integer >= ${min}, got ${String(value)}`);
  return value;
}

/** Applies the defaults and checks every option once, when the bus is created. */
export function resolveOptions(options: NatsBusOptions): ResolvedOptions {
  const d = NATS_BUS_DEFAULTS;
  const servers = typeof options.servers === 'string' ? [options.servers] : [...options.servers];
  if (servers.length === 0) invalid('servers must name at least one NATS URL (nats://host:4222)');
  const streamName = options.streamName ?? d.streamName;
  if (!STREAM_NAME.test(streamName))
    invalid(`streamName "${streamName}" may only contain letters, digits, _ and -`);
  const subjectPrefix = options.subjectPrefix ?? d.subjectPrefix;
  if (!SUBJECT_PREFIX.test(subjectPrefix))
    invalid(
      `subjectPrefix "${subjectPrefix}" must be dot-separated tokens of letters, digits, _ and -`,
    );
  const replicas = positiveInteger('replicas', options.replicas ?? d.replicas);
  if (replicas > 5) invalid(`replicas must be at most 5 (JetStream's limit), got ${replicas}`);
  const heartbeatMs = positiveInteger('heartbeatMs', options.heartbeatMs ?? d.heartbeatMs, 500);
  return {
    servers,
    streamName,
    directoryStreamName: `${streamName}_DIRECTORY`,
    subjectPrefix,
    replicas,
    maxAgeMs: positiveInteger('maxAgeMs', options.maxAgeMs ?? d.maxAgeMs, 0),
    maxMsgsPerSubject: positiveInteger(
      'maxMsgsPerSubject',
      options.maxMsgsPerSubject ?? d.maxMsgsPerSubject,
    ),
    duplicateWindowMs: positiveInteger(
      'duplicateWindowMs',
      options.duplicateWindowMs ?? d.duplicateWindowMs,
      100,
    ),
    manageStreams: options.manageStreams ?? d.manageStreams,
    name: options.name ?? d.name,
    auth: connectionAuth(options.credentials),
    tls: options.tls,
    reconnectTimeWaitMs: positiveInteger(
      'reconnectTimeWaitMs',
      options.reconnectTimeWaitMs ?? d.reconnectTimeWaitMs,
      10,
    ),
    pingIntervalMs: positiveInteger(
      'pingIntervalMs',
      options.pingIntervalMs ?? d.pingIntervalMs,
      100,
    ),
    requestTimeoutMs: positiveInteger(
      'requestTimeoutMs',
      options.requestTimeoutMs ?? d.requestTimeoutMs,
      100,
    ),
    heartbeatMs,
    logger: options.logger ?? silentLogger,
  };
}
