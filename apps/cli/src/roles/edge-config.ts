import { availableParallelism } from 'node:os';
import type { EdgeOptions } from '@vexil/edge';
import {
  defaultRedisPrefixTemplate,
  redisPrefix,
  RedisPrefixError,
} from '@vexil/edge/redis-prefix';
import { usageError } from '../cli-error.js';
import { openFileLimit } from '../start/file-budget.js';
import { acceptOption, type AcceptMode } from './accept-mode.js';
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

// `vexil edge` configuration, read and validated once.

export const EDGE_OPTIONS = [
  'bus',
  'bus-namespace',
  'origin',
  'upstream',
  'token',
  'redis',
  'redis-prefix',
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
  'log-level',
  'drain-seconds',
] as const;

export type EdgeUpstreamConfig =
  | {
      readonly kind: 'bus';
      readonly servers: readonly string[];
      readonly names: BusNames;
      readonly origin: string;
    }
  /** `origin`, when given, receives the relay's reports and flag insights. */
  | { readonly kind: 'relay'; readonly url: string; readonly origin?: string };

export interface EdgeConfig extends ServeConfig {
  readonly token: string;
  readonly upstream: EdgeUpstreamConfig;
  readonly redis?: { readonly url: string; readonly prefixTemplate: string };
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
  /** The synthetic propagation probe, when configured. */
  readonly probe?: ProbeConfig;
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
    const servers = busRaw.value.split(',').map((s) => s.trim());
    for (const s of servers)
      url({ value: s, source: busRaw.source }, ['nats:', 'tls:'], 'the NATS servers');
    const names = busNames(src.raw('bus-namespace', 'VEXIL_BUS_NAMESPACE'));
    upstream = { kind: 'bus', servers, names, origin };
  } else {
    upstream =
      origin === undefined
        ? { kind: 'relay', url: upstreamUrl! }
        : { kind: 'relay', url: upstreamUrl!, origin };
  }
  const redisUrl = url(src.raw('redis', 'VEXIL_REDIS'), ['redis:', 'rediss:'], 'Redis');
  const prefixTemplate =
    src.raw('redis-prefix', 'VEXIL_REDIS_PREFIX')?.value ?? defaultRedisPrefixTemplate;
  if (redisUrl !== undefined) {
    try {
      redisPrefix(prefixTemplate, () => undefined);
    } catch (e) {
      if (e instanceof RedisPrefixError) throw usageError(`--redis-prefix: ${e.message}`);
      throw e;
    }
  }
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
    ...(redisUrl === undefined ? {} : { redis: { url: redisUrl, prefixTemplate } }),
    workers,
    accept: acceptOption(src.raw('accept', 'VEXIL_ACCEPT')) ?? clusterPolicy(ctx.env),
    streamsPerWorker,
    ...(probe === undefined ? {} : { probe }),
    edge: {
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
