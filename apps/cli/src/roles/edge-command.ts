import { createNatsBus } from '@vexil/bus/nats';
import {
  busUpstream,
  createEdge,
  httpInsightsSink,
  httpSnapshotSource,
  defaultRedisPrefixTemplate,
  redisPersistence,
  redisPrefix,
  RedisPrefixError,
  relayUpstream,
  type Edge,
  type EdgeOptions,
  type StateObserver,
  type Upstream,
} from '@vexil/edge';
import type { Logger } from 'pino';
import { usageError } from '../cli-error.js';
import { HELP_OPTION, type Command } from '../commands/command.js';
import {
  defaultNodeId,
  positiveInt,
  required,
  seconds,
  serveConfig,
  source,
  url,
} from './role-config.js';
import { serveRole, type RunningRole } from './serve-role.js';

// `vexil edge`: a delivery node. Either fed by NATS JetStream (with snapshots from the origin's
// delivery API), or in relay mode chained to another Vexil node over its relay feed.

const OPTIONS = [
  'bus',
  'origin',
  'upstream',
  'token',
  'redis',
  'redis-prefix',
  'lazy',
  'max-streams',
  'max-stream-lifetime',
  'heartbeat',
  'id',
  'port',
  'host',
  'log-level',
  'drain-seconds',
] as const;

export const edgeCommand: Command = {
  name: 'edge',
  usage: '(--bus <nats://...> --origin <url> | --upstream <url>) --token <edge token> [--port]',
  summary: 'Run a delivery node that serves every SDK protocol',
  details: `Upstream (one of):
  --bus, VEXIL_BUS              NATS servers (comma-separated nats:// URLs), with
  --origin, VEXIL_ORIGIN        the origin's URL, for snapshots and flag insights
  --upstream, VEXIL_UPSTREAM    relay mode: another Vexil edge or origin to chain to
  --token, VEXIL_EDGE_TOKEN     an API token with the edge role (vexil tokens create <name> --role edge)
Options:
  --port, VEXIL_PORT            default 8030;  --host, VEXIL_HOST  default 127.0.0.1
  --redis, VEXIL_REDIS          also write every environment to Redis for daemon-mode SDKs
  --redis-prefix                key prefix template: {project}, {environment}, {environmentId}
                                (default ${defaultRedisPrefixTemplate})
  --lazy                        sync only environments that clients asked for
  --max-streams                 refuse streams beyond this (503 + Retry-After)
  --max-stream-lifetime <s>     close streams after about this long, for rebalancing (default: never)
  --heartbeat <s>               heartbeat interval (default 30)
  --id                          name in the network view (default edge-<host>-<pid>)
  --log-level, --drain-seconds  as for vexil origin
`,
  options: {
    ...HELP_OPTION,
    ...Object.fromEntries(
      OPTIONS.map((o) => [o, { type: o === 'lazy' ? ('boolean' as const) : ('string' as const) }]),
    ),
  },
  async run(ctx) {
    const flags = Object.fromEntries(
      OPTIONS.filter((o) => o !== 'lazy').map((o) => [o, ctx.args.string(o)]),
    );
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
    const originUrl = url(src.raw('origin', 'VEXIL_ORIGIN'), ['http:', 'https:'], 'the origin');
    if ((upstreamUrl === undefined) === (busRaw === undefined)) {
      throw usageError(
        'choose one upstream: --bus <nats://...> with --origin <url>, or --upstream <url> (relay mode)',
      );
    }
    if (busRaw !== undefined && originUrl === undefined) {
      throw usageError('--bus needs --origin <url>: the edge fetches snapshots from the origin');
    }
    const lifetime = seconds(src.raw('max-stream-lifetime', 'VEXIL_MAX_STREAM_LIFETIME'), 0);
    const options: Partial<EdgeOptions> = {
      edgeId: src.raw('id', 'VEXIL_EDGE_ID')?.value ?? defaultNodeId('edge'),
      eagerEnvironments: !ctx.args.boolean('lazy'),
      heartbeatMs: seconds(src.raw('heartbeat', 'VEXIL_HEARTBEAT'), 30) * 1000,
      maxStreamLifetimeMs: lifetime * 1000,
      ...(positiveInt(src.raw('max-streams', 'VEXIL_MAX_STREAMS'), 'the stream cap') === undefined
        ? {}
        : { maxStreams: Number(src.raw('max-streams', 'VEXIL_MAX_STREAMS')!.value) }),
    };
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
    const config = Object.freeze({ ...serveConfig(src, 8030) });

    await serveRole(
      config,
      'edge',
      async (logger: Logger): Promise<RunningRole> => {
        let upstream: Upstream;
        let bus: Awaited<ReturnType<typeof createNatsBus>> | undefined;
        if (upstreamUrl !== undefined) {
          upstream = relayUpstream({ url: upstreamUrl, token, logger });
        } else {
          bus = await createNatsBus({
            servers: busRaw!.value.split(',').map((s) => s.trim()),
            logger,
            name: options.edgeId!,
          });
          upstream = busUpstream({
            bus,
            snapshots: httpSnapshotSource({ url: originUrl!, token }),
            logger,
          });
        }
        const observers: StateObserver[] = [];
        const persistence =
          redisUrl === undefined
            ? undefined
            : redisPersistence({
                url: redisUrl,
                logger,
                prefix: redisPrefix(prefixTemplate, (id) => edge?.environment(id)),
              });
        if (persistence !== undefined) observers.push(persistence.observer);
        const edge: Edge = createEdge({
          upstream,
          logger,
          options,
          observers,
          ...(originUrl === undefined
            ? {}
            : { insights: httpInsightsSink({ url: originUrl, token }) }),
        });
        await edge.start();
        const running = edge;
        return {
          handlers: [{ name: 'edge', handle: (req, res) => running.handle(req, res) }],
          upgrade: (req, socket, head) => running.handleUpgrade(req, socket, head),
          readiness: () => {
            const status = running.status();
            if (!status.ready)
              return { ready: false, body: { status: 'starting', reason: status.reason } };
            return {
              ready: true,
              body: { status: status.stale ? 'stale' : 'ready', streams: status.streams },
            };
          },
          drain: (windowMs) => running.drain(windowMs),
          async stop() {
            await running.close();
            await persistence?.close();
            await bus?.close();
          },
        };
      },
      (address) =>
        ctx.io.stdout(
          `Vexil edge ${ctx.version}\n  URL          ${address}\n  Upstream     ${upstreamUrl ?? `${busRaw!.value} + ${originUrl!}`}\n`,
        ),
    );
  },
};
