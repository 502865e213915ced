import type { Command } from '../commands/command.js';
import { HELP_OPTION } from '../commands/command.js';
import { CDN_FLAGS, CDN_HELP } from '../server/cdn-config.js';
import { RATE_LIMIT_FLAGS, RATE_LIMIT_HELP } from '../server/rate-limit-config.js';
import { SERVER_TLS_HELP } from '../server/server-tls.js';
import {
  INSIGHTS_RETENTION_HELP,
  LOG_LEVELS,
  METRICS_TOKEN_HELP,
} from '../server/config-checks.js';
import { loadStartConfig, START_DEFAULTS } from './start-config.js';

export const startCommand: Command = {
  name: 'start',
  usage: '[--port <port>] [--host <host>] [--data <dir>] [--max-streams <n>] [--log-level <level>]',
  summary: 'Run Vexil in one process on one port, with a SQLite database in --data',
  details: `Options (flags win over the environment variables):
  --port, VEXIL_PORT            port to listen on; 0 picks a free one (default ${START_DEFAULTS.port})
  --host, VEXIL_HOST            address to listen on (default ${START_DEFAULTS.host}; 0.0.0.0 for all)
  --data, VEXIL_DATA_DIR        data directory (default ./${START_DEFAULTS.dataDir})
  --max-streams, VEXIL_MAX_STREAMS  SDK streams held at once; beyond it new streams get 503 +
                                Retry-After (default and most: the open-file limit less 1,024
                                descriptors kept for the API, dashboard, metrics and health)
  --log-level, VEXIL_LOG_LEVEL  ${LOG_LEVELS.join(', ')} (default ${START_DEFAULTS.logLevel})
  ${SERVER_TLS_HELP}
  VEXIL_ADMIN_TOKEN             admin API token to accept; without it one is generated on the
                                first start and kept in <data>/admin-token
  ${METRICS_TOKEN_HELP}
  ${INSIGHTS_RETENTION_HELP}
${RATE_LIMIT_HELP}
${CDN_HELP}

On an empty data directory it creates the demo project "default" (environments production and
test). It prints the URL, the admin token and the demo SDK keys, then logs JSON lines.
SIGTERM or Ctrl-C stops it gracefully.
`,
  options: {
    ...HELP_OPTION,
    port: { type: 'string', short: 'p' },
    host: { type: 'string' },
    data: { type: 'string' },
    'log-level': { type: 'string' },
    'max-streams': { type: 'string' },
    'tls-cert': { type: 'string' },
    'tls-key': { type: 'string' },
    ...Object.fromEntries(
      [...RATE_LIMIT_FLAGS, ...CDN_FLAGS].map((f) => [f, { type: 'string' as const }]),
    ),
  },
  async run(ctx) {
    // Loaded when the command runs, so that help and the admin commands do not load the server.
    const [{ startServer }, { setupTracing }] = await Promise.all([
      import('./start-server.js'),
      import('../server/tracing.js'),
    ]);
    await setupTracing('start', ctx.env);
    const config = loadStartConfig(
      {
        port: ctx.args.string('port'),
        host: ctx.args.string('host'),
        data: ctx.args.string('data'),
        logLevel: ctx.args.string('log-level'),
        maxStreams: ctx.args.string('max-streams'),
        tlsCert: ctx.args.string('tls-cert'),
        tlsKey: ctx.args.string('tls-key'),
        rateLimits: Object.fromEntries(RATE_LIMIT_FLAGS.map((f) => [f, ctx.args.string(f)])),
        cdn: Object.fromEntries(CDN_FLAGS.map((f) => [f, ctx.args.string(f)])),
      },
      ctx.env,
      ctx.cwd,
    );
    await startServer(config, ctx.io, ctx.version);
  },
};
