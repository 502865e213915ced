import { defaultRedisPrefixTemplate } from '@vexil/edge/redis-prefix';
import { HELP_OPTION, type Command } from '../commands/command.js';
import { ACCEPT_HELP } from './accept-mode.js';
import { EDGE_OPTIONS } from './edge-config.js';
import { CDN_HELP } from '../server/cdn-config.js';
import { RATE_LIMIT_HELP } from '../server/rate-limit-config.js';
import { SERVER_TLS_HELP } from '../server/server-tls.js';
import { BUS_CONNECTION_HELP } from './bus-connection.js';
import { BUS_NAMESPACE_HELP } from './role-config.js';
import { METRICS_TOKEN_HELP } from '../server/config-checks.js';

// `vexil edge`: a delivery node. Either fed by NATS JetStream (with snapshots from the origin's
// delivery API), or in relay mode chained to another Vexil node over its relay feed. With
// several workers, one primary process holds the upstream and feeds the workers.

export const edgeCommand: Command = {
  name: 'edge',
  usage:
    '(--bus <nats://...> --origin <url> | --upstream <url>) --token <edge token> [--port] [--workers N]',
  summary: 'Run a delivery node that serves every SDK protocol',
  details: `Upstream (one of):
  --bus, VEXIL_BUS              NATS servers (comma-separated nats:// or tls:// URLs), with
  --origin, VEXIL_ORIGIN        the origin's URL, for snapshots and flag insights
  ${BUS_CONNECTION_HELP}
  ${BUS_NAMESPACE_HELP}
  --upstream, VEXIL_UPSTREAM    relay mode: another Vexil edge or origin to chain to
  --token, VEXIL_EDGE_TOKEN     an API token with the edge role (vexil tokens create <name> --role edge)
  NODE_EXTRA_CA_CERTS           Node's own: a PEM CA file to trust for an https:// origin or
                                upstream whose certificate a private CA signed
Options:
  --port, VEXIL_PORT            default 8030;  --host, VEXIL_HOST  default 127.0.0.1
  ${SERVER_TLS_HELP}
  --workers, VEXIL_WORKERS      processes sharing the port (default: one per core, more when the
                                open-file limit cannot hold --max-streams)
  ${ACCEPT_HELP}
  --max-streams, VEXIL_MAX_STREAMS  streams the node accepts in all; beyond it, or beyond a worker's
                                file budget, new streams get 503 + Retry-After
  --environments, VEXIL_ENVIRONMENTS  client-side IDs (comma-separated) the edge always holds;
                                any other environment is loaded when a client first asks for it
  --environment-idle, VEXIL_ENVIRONMENT_IDLE  seconds after which an environment no client
                                used is evicted (default 600)
  --redis, VEXIL_REDIS          also write the environments the edge holds to Redis, for
                                daemon-mode SDKs (list theirs with --environments); rediss:// for
                                TLS, an ACL user in the URL: rediss://user:password@host:6380
  --redis-ca, VEXIL_REDIS_CA    PEM CA file of Redis's certificate (default: the system's CAs)
  --redis-cert, --redis-key     client certificate and key, when Redis verifies clients
                                (tls-auth-clients); VEXIL_REDIS_CERT, VEXIL_REDIS_KEY
  --redis-prefix, VEXIL_REDIS_PREFIX  key prefix template: {project}, {environment},
                                {environmentId} (default ${defaultRedisPrefixTemplate})
  --max-stream-lifetime, VEXIL_MAX_STREAM_LIFETIME  seconds after which a stream is closed
                                (about), for rebalancing (default: never)
  --heartbeat, VEXIL_HEARTBEAT  seconds between heartbeats on every stream (default 30)
  --id, VEXIL_EDGE_ID           name in the network view (default edge-<host>-<pid>)
  --region, VEXIL_REGION        region in the network view (default "default")
  --probe, VEXIL_PROBE          <project>/<environment>/<flag>: a canary flag the edge writes
                                through the origin's API (needs --origin), timing each change
                                until its own stream delivers it (vexil_probe_* metrics)
  --probe-token, VEXIL_PROBE_TOKEN  a writer token for the canary's project (needed by --probe)
  --probe-interval, VEXIL_PROBE_INTERVAL  seconds between probe writes (default 10)
  --log-level, VEXIL_LOG_LEVEL  default info;  --drain-seconds, VEXIL_DRAIN_SECONDS  spread
                                stream closes at shutdown over this many seconds (default 10)
  ${METRICS_TOKEN_HELP}
${RATE_LIMIT_HELP}
${CDN_HELP}
  --cdn-purge needs --bus: the purger hears every change on it.
`,
  options: {
    ...HELP_OPTION,
    ...Object.fromEntries(EDGE_OPTIONS.map((o) => [o, { type: 'string' as const }])),
  },
  async run(ctx) {
    const { runEdge } = await import('./edge-run.js');
    await runEdge(ctx);
  },
};
