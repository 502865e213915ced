import { defaultRedisPrefixTemplate } from '@vexil/edge/redis-prefix';
import { HELP_OPTION, type Command } from '../commands/command.js';
import { ACCEPT_HELP } from './accept-mode.js';
import { EDGE_OPTIONS } from './edge-config.js';
import { CDN_HELP } from '../start/cdn-config.js';
import { RATE_LIMIT_HELP } from '../start/rate-limit-config.js';
import { SERVER_TLS_HELP } from '../start/server-tls.js';
import { BUS_CONNECTION_HELP } from './bus-connection.js';
import { BUS_NAMESPACE_HELP } from './role-config.js';
import { METRICS_TOKEN_HELP } from '../start/start-config.js';

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
  --environment-idle <s>        evict an environment no client used for this long (default 600)
  --redis, VEXIL_REDIS          also write the environments the edge holds to Redis, for
                                daemon-mode SDKs (list theirs with --environments); rediss:// for
                                TLS, an ACL user in the URL: rediss://user:password@host:6380
  --redis-ca, VEXIL_REDIS_CA    PEM CA file of Redis's certificate (default: the system's CAs)
  --redis-cert, --redis-key     client certificate and key, when Redis verifies clients
                                (tls-auth-clients); VEXIL_REDIS_CERT, VEXIL_REDIS_KEY
  --redis-prefix                key prefix template: {project}, {environment}, {environmentId}
                                (default ${defaultRedisPrefixTemplate})
  --max-stream-lifetime <s>     close streams after about this long, for rebalancing (default: never)
  --heartbeat <s>               heartbeat interval (default 30)
  --id                          name in the network view (default edge-<host>-<pid>)
  --log-level, --drain-seconds  as for vexil origin
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
