import { availableParallelism } from 'node:os';
import type { EdgeOptions } from '@vexil/edge';
import {
  defaultRedisPrefixTemplate,
  redisPrefix,
  RedisPrefixError,
} from '@vexil/edge/redis-prefix';
import { usageError } from '../cli-error.js';
import { openFileLimit } from '../server/file-budget.js';
import { RATE_LIMIT_FLAGS } from '../server/rate-limit-config.js';
import { CDN_FLAGS, cdnConfig } from '../server/cdn-config.js';
import { acceptOption, type AcceptMode } from './accept-mode.js';
import { BUS_CONNECTION_OPTIONS, busConnection, type BusConnection } from './bus-connection.js';
import type { CommandContext } from '../commands/command.js';
import {
  busNames,
  defaultNodeId,
  positiveInt,
  required,
  seconds,
  serveConfig,
  source,
  url,
  type BusNames,
  type ServeConfig,
  type Source,
} from './role-config.js';
import { SERVER_TLS_OPTIONS } from '../server/server-tls.js';
import { readCertificateKeyPair, readCertificates } from '../server/tls-files.js';

// `vexil edge` configuration, read and validated once.

export const EDGE_OPTIONS = [
  'bus',
  'bus-namespace',
  ...BUS_CONNECTION_OPTIONS,
  'origin',
  'upstream',
  'token',
  'redis',
  'redis-prefix',
  'redis-ca',
  'redis-cert',
  'redis-key',
  'environments',
  'environment-idle',
  'workers',
  'accept',
  'max-streams',
  'max-stream-lifetime',
  'heartbeat',
  'id',
  'region',
  'probe',
  'probe-token',
  'probe-interval',
  'port',
  'host',
  ...SERVER_TLS_OPTIONS,
  'log-level',
  'drain-seconds',
  ...RATE_LIMIT_FLAGS,
  ...CDN_FLAGS,
] as const;

export type EdgeUpstreamConfig =
  | {
      readonly kind: 'bus';
      readonly connection: BusConnection;
      readonly names: BusNames;
      readonly origin: string;
    }
  /** `origin`, when given, receives the relay's reports and flag insights. */
  | { readonly kind: 'relay'; readonly url: string; readonly origin?: string };

export interface EdgeConfig extends ServeConfig {
  readonly token: string;
  readonly upstream: EdgeUpstreamConfig;
  readonly redis?: RedisConfig;
  /** Processes serving streams on the shared port (1: no cluster). */
  readonly workers: number;
  /** How the workers share the port; undefined: reuseport where the platform has it (auto). */
  readonly accept: Exclude<AcceptMode, 'single'> | undefined;
  /**
   * Streams each worker may hold: its share of --max-streams with slack (connections do not
   * spread exactly evenly over workers), within its file budget.
   */
  readonly streamsPerWorker: number;
  readonly edge: Partial<EdgeOptions>;
  /** The caches this node purges (--cdn-purge; bus upstream only). */
  readonly cdnPurgeTargets: readonly string[];
  /** The synthetic propagation probe, when configured. */
  readonly probe?: ProbeConfig;
}

export interface RedisConfig {
  readonly url: string;
  readonly prefixTemplate: string;
  /** For rediss:// URLs: a private CA and a client certificate, PEM text. */
  readonly tls?: { readonly ca?: string; readonly cert?: string; readonly key?: string };
}

export interface ProbeConfig {
  readonly project: string;
  readonly environment: string;
  readonly flag: string;
  /** A writer token for the canary project. */
  readonly token: string;
  /** The origin's REST API. */
  readonly apiUrl: string;
  readonly intervalMs: number;
}

/** `--probe <project>/<environment>/<flag>` with its token and interval; undefined without --probe. */
export function probeConfig(src: Source, apiUrl: string | undefined): ProbeConfig | undefined {
  const raw = src.raw('probe', 'VEXIL_PROBE');
  if (raw === undefined) return undefined;
  const m = /^([^/\s]+)\/([^/\s]+)\/([^/\s]+)$/.exec(raw.value);
  if (m === null)
    throw usageError(
      `${raw.source} must be <project>/<environment>/<flag>, the canary flag to write (got "${raw.value}")`,
    );
  if (apiUrl === undefined)
    throw usageError(`${raw.source} needs the origin's URL (--origin) to write the canary flag`);
  const token = required(
    src.raw('probe-token', 'VEXIL_PROBE_TOKEN')?.value,
    `${raw.source} needs --probe-token (or VEXIL_PROBE_TOKEN): a writer token for the canary project`,
  );
  const intervalMs = seconds(src.raw('probe-interval', 'VEXIL_PROBE_INTERVAL'), 10) * 1000;
  return { project: m[1]!, environment: m[2]!, flag: m[3]!, token, apiUrl, intervalMs };
}

/** `--environments`: client-side IDs, comma-separated. */
function environmentIds(raw: ReturnType<ReturnType<typeof source>['raw']>): string[] {
  const ids = (raw?.value ?? '')
    .split(',')
    .map((id) => id.trim())
    .filter((id) => id !== '');
  for (const id of ids)
    if (!/^[A-Za-z0-9_-]{1,128}$/.test(id))
      throw usageError(`${raw!.source}: "${id}" is not a client-side ID`);
  return ids;
}

/** `--redis` with its key prefix and, for rediss://, its CA and client certificate. */
function redisConfig(src: Source): RedisConfig | undefined {
  const raw = src.raw('redis', 'VEXIL_REDIS');
  const redisUrl = url(raw, ['redis:', 'rediss:'], 'Redis');
  const caRaw = src.raw('redis-ca', 'VEXIL_REDIS_CA');
  const certRaw = src.raw('redis-cert', 'VEXIL_REDIS_CERT');
  const keyRaw = src.raw('redis-key', 'VEXIL_REDIS_KEY');
  const tlsRaw = caRaw ?? certRaw ?? keyRaw;
  if (redisUrl === undefined) {
    if (tlsRaw !== undefined) throw usageError(`${tlsRaw.source} needs --redis <rediss://...>`);
    return undefined;
  }
  const prefixTemplate =
    src.raw('redis-prefix', 'VEXIL_REDIS_PREFIX')?.value ?? defaultRedisPrefixTemplate;
  try {
    redisPrefix(prefixTemplate, () => undefined);
  } catch (e) {
    if (e instanceof RedisPrefixError) throw usageError(`--redis-prefix: ${e.message}`);
    throw e;
  }
  if (tlsRaw === undefined) return { url: redisUrl, prefixTemplate };
  if (!redisUrl.startsWith('rediss:'))
    throw usageError(
      `${tlsRaw.source} is for TLS: make ${raw!.source} a rediss:// URL (got "${redisUrl}")`,
    );
  const ca = caRaw === undefined ? undefined : readCertificates(caRaw, 'the CA of Redis');
  const pair = readCertificateKeyPair(certRaw, keyRaw, 'the client certificate to Redis');
  return {
    url: redisUrl,
    prefixTemplate,
    tls: {
      ...(ca === undefined ? {} : { ca }),
      ...(pair === undefined ? {} : { cert: pair.cert, key: pair.key }),
    },
  };
}

/** The round-robin spread of connections over workers is within a few percent; allow 25%. */
const SPREAD_SLACK = 1.25;

/** Descriptors kept free for the listening socket, upstream, logs and 503 answers at the cap. */
const FILE_RESERVE = 512;

/** Node's own NODE_CLUSTER_SCHED_POLICY, when set, chooses between its two ways. */
function clusterPolicy(env: CommandContext['env']): EdgeConfig['accept'] {
  const policy = env['NODE_CLUSTER_SCHED_POLICY'];
  return policy === 'rr' ? 'round-robin' : policy === 'none' ? 'shared' : undefined;
}

export function loadEdgeConfig(ctx: CommandContext): EdgeConfig {
  const flags = Object.fromEntries(EDGE_OPTIONS.map((o) => [o, ctx.args.string(o)]));
  const src = source(flags, ctx.env);
  const token = required(
    src.raw('token', 'VEXIL_EDGE_TOKEN')?.value,
    'an edge needs --token (or VEXIL_EDGE_TOKEN): an API token with the edge role',
  );
  const upstreamUrl = url(
    src.raw('upstream', 'VEXIL_UPSTREAM'),
    ['http:', 'https:'],
    'the upstream node',
  );
  const busRaw = src.raw('bus', 'VEXIL_BUS');
  const origin = url(src.raw('origin', 'VEXIL_ORIGIN'), ['http:', 'https:'], 'the origin');
  if ((upstreamUrl === undefined) === (busRaw === undefined)) {
    throw usageError(
      'choose one upstream: --bus <nats://...> with --origin <url>, or --upstream <url> (relay mode)',
    );
  }
  let upstream: EdgeUpstreamConfig;
  if (busRaw !== undefined) {
    if (origin === undefined)
      throw usageError('--bus needs --origin <url>: the edge fetches snapshots from the origin');
    const connection = busConnection(src, busRaw);
    const names = busNames(src.raw('bus-namespace', 'VEXIL_BUS_NAMESPACE'));
    upstream = { kind: 'bus', connection, names, origin };
  } else {
    upstream =
      origin === undefined
        ? { kind: 'relay', url: upstreamUrl! }
        : { kind: 'relay', url: upstreamUrl!, origin };
  }
  const redis = redisConfig(src);
  const cdn = cdnConfig((flag, variable) => src.raw(flag, variable));
  if (cdn.purgeTargets.length > 0 && upstream.kind !== 'bus')
    throw usageError('--cdn-purge needs --bus: the purger hears every change on the bus');
  // Workers: one per core by default, more when the file limit cannot hold --max-streams.
  const budget = Math.max(1, openFileLimit() - FILE_RESERVE);
  const maxStreams = positiveInt(src.raw('max-streams', 'VEXIL_MAX_STREAMS'), 'the stream cap');
  const workers =
    positiveInt(src.raw('workers', 'VEXIL_WORKERS'), 'the number of worker processes') ??
    Math.max(availableParallelism(), maxStreams === undefined ? 1 : Math.ceil(maxStreams / budget));
  const probe = probeConfig(src, upstream.origin);
  const streamsPerWorker = Math.min(
    budget,
    maxStreams === undefined ? budget : Math.ceil((maxStreams / workers) * SPREAD_SLACK),
  );
  return Object.freeze({
    ...serveConfig(src, 8030),
    token,
    upstream,
    ...(redis === undefined ? {} : { redis }),
    workers,
    accept: acceptOption(src.raw('accept', 'VEXIL_ACCEPT')) ?? clusterPolicy(ctx.env),
    streamsPerWorker,
    ...(probe === undefined ? {} : { probe }),
    cdnPurgeTargets: cdn.purgeTargets,
    edge: {
      ...cdn.edge,
      edgeId: src.raw('id', 'VEXIL_EDGE_ID')?.value ?? defaultNodeId('edge'),
      region: src.raw('region', 'VEXIL_REGION')?.value ?? 'default',
      upstreamKind: upstream.kind,
      version: ctx.version,
      pinnedEnvironments: environmentIds(src.raw('environments', 'VEXIL_ENVIRONMENTS')),
      environmentIdleMs: seconds(src.raw('environment-idle', 'VEXIL_ENVIRONMENT_IDLE'), 600) * 1000,
      heartbeatMs: seconds(src.raw('heartbeat', 'VEXIL_HEARTBEAT'), 30) * 1000,
      maxStreamLifetimeMs:
        seconds(src.raw('max-stream-lifetime', 'VEXIL_MAX_STREAM_LIFETIME'), 0) * 1000,
      maxStreams: streamsPerWorker,
    },
  });
}
