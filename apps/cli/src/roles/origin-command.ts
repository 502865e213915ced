import { HELP_OPTION, type Command } from '../commands/command.js';
import { CDN_FLAGS, CDN_HELP } from '../server/cdn-config.js';
import { RATE_LIMIT_FLAGS, RATE_LIMIT_HELP } from '../server/rate-limit-config.js';
import { SERVER_TLS_HELP, SERVER_TLS_OPTIONS } from '../server/server-tls.js';
import { BUS_CONNECTION_HELP, BUS_CONNECTION_OPTIONS } from './bus-connection.js';
import { BUS_NAMESPACE_HELP } from './role-config.js';
import { INSIGHTS_RETENTION_HELP, METRICS_TOKEN_HELP } from '../server/config-checks.js';

// `vexil origin`: the control plane of a distributed deployment. The REST API on PostgreSQL (or
// SQLite), the outbox publisher to NATS JetStream, and an edge fed from the bus, so that relay
// edges (`vexil edge --upstream <origin>`) and SDKs can also connect to it directly.

export const originCommand: Command = {
  name: 'origin',
  usage: '--store <postgres://...|sqlite:path> --bus <nats://...> [--port] [--host]',
  summary: 'Run the control plane: REST API, store, publication of every change to NATS',
  details: `Options (flags win over the environment variables):
  --store, VEXIL_STORE          postgres://user@host:5432/db or sqlite:<path> (default sqlite:.vexil/vexil.db);
                                TLS: ?sslmode=require|verify-ca|verify-full, sslcert, sslkey
  --store-ca, VEXIL_STORE_CA    PEM CA file of PostgreSQL's certificate (or sslrootcert in the URL);
                                without sslmode it means verify-full
  --bus, VEXIL_BUS              NATS servers, comma-separated nats:// or tls:// URLs (default nats://127.0.0.1:4222)
  ${BUS_CONNECTION_HELP}
  ${BUS_NAMESPACE_HELP}
  --nats-replicas, VEXIL_NATS_REPLICAS  JetStream replicas of the change stream (default 1; 3 in a cluster)
  --port, VEXIL_PORT            default 8080;  --host, VEXIL_HOST  default 127.0.0.1
  ${SERVER_TLS_HELP}
  --log-level, VEXIL_LOG_LEVEL  default info;  --drain-seconds  spread stream closes at shutdown (default 10)
  VEXIL_ADMIN_TOKEN             admin token to accept; without it and without any admin token in the
                                store, one is generated and printed once
  ${METRICS_TOKEN_HELP}
  ${INSIGHTS_RETENTION_HELP}
${RATE_LIMIT_HELP}
${CDN_HELP}

Several origins may run against one store and one NATS: all serve the API, publication stays
ordered and once per sequence number.
`,
  options: {
    ...HELP_OPTION,
    store: { type: 'string' },
    'store-ca': { type: 'string' },
    bus: { type: 'string' },
    'bus-namespace': { type: 'string' },
    ...Object.fromEntries(
      [...BUS_CONNECTION_OPTIONS, ...SERVER_TLS_OPTIONS].map((o) => [
        o,
        { type: 'string' as const },
      ]),
    ),
    'nats-replicas': { type: 'string' },
    port: { type: 'string', short: 'p' },
    host: { type: 'string' },
    'log-level': { type: 'string' },
    'drain-seconds': { type: 'string' },
    ...Object.fromEntries(
      [...RATE_LIMIT_FLAGS, ...CDN_FLAGS].map((f) => [f, { type: 'string' as const }]),
    ),
  },
  async run(ctx) {
    const { runOrigin } = await import('./origin-run.js');
    await runOrigin(ctx);
  },
};
