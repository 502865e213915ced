import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { RateLimiter, type StreamClaim } from '@vexil/edge';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { attachPortFrontDoor, createPortServer } from '../server/port-front-door.js';
import { urlScheme, watchServerTls } from '../server/server-tls.js';
import { healthHandler } from '../server/health.js';
import { createDispatch, type RequestHandler } from '../server/http-dispatch.js';
import { listen } from '../server/listen.js';
import { createLogger } from '../server/logger.js';
import { metricsHandler, processMetrics } from '../server/metrics-handler.js';
import { rateLimitGuard } from '../server/rate-limit-guard.js';
import { installShutdown } from '../server/shutdown.js';
import type { ServeConfig } from './role-config.js';
import { flushTracing } from '../server/tracing.js';

/** What a role (`vexil origin`, `vexil edge`) runs once its port is bound. */
export interface RunningRole {
  readonly handlers: readonly { name: string; handle: RequestHandler }[];
  readonly upgrade?: (req: IncomingMessage, socket: Duplex, head: Buffer) => boolean;
  /** The lean path for SSE streams (front-door.ts), when the role serves them. */
  readonly claimStream?: StreamClaim;
  readiness(): { ready: boolean; body: object };
  /** Closes long-lived streams spread over the window (graceful drain). */
  drain(windowMs: number): Promise<void>;
  /** Releases everything (bus, store) once connections are closed. */
  stop(): Promise<void>;
  /** The metrics /metrics serves, when they are not just this process's registry (a worker's). */
  scrapeMetrics?(): Promise<string>;
}

/**
 * The common life of a server role: bind the port first (health answers at once, readiness
 * 503 until the role is up), set the role up, serve, and on SIGTERM drain streams over a window,
 * let requests finish, release resources and exit 0.
 */
export async function serveRole(
  config: ServeConfig,
  name: string,
  /** `limiter`: the port's rate limits, for the role's edge to admit its requests with. */
  setup: (
    logger: Logger,
    server: Server,
    metrics: Registry,
    limiter: RateLimiter,
  ) => Promise<RunningRole>,
  announce: (url: string, role: RunningRole, port: number) => void,
): Promise<void> {
  const logger = createLogger(config.logLevel);
  let role: RunningRole | undefined;
  const metrics = processMetrics();
  const limiter = new RateLimiter(config.rateLimits, Date.now, metrics);
  const dispatch = createDispatch(
    logger,
    [
      {
        name: 'health',
        handle: healthHandler(
          () => role?.readiness() ?? { ready: false, body: { status: 'starting' } },
        ),
      },
      { name: 'rate-limits', handle: rateLimitGuard(limiter) },
      {
        name: 'metrics',
        handle: metricsHandler(() => role?.scrapeMetrics?.() ?? metrics.metrics(), {
          token: config.metricsToken,
          host: config.host,
        }),
      },
    ],
    { starting: true },
  );
  const server = createPortServer(config.tls, (req: IncomingMessage, res: ServerResponse) =>
    dispatch.listener(req, res),
  );
  const frontDoor = attachPortFrontDoor(server, metrics);
  server.on('upgrade', (req, socket, head) => {
    if (role?.upgrade?.(req, socket, head) !== true) socket.destroy();
  });
  const port = await listen(server, config.port, config.host, {
    reusePort: config.reusePort === true,
  });
  const stopTlsWatch =
    config.tls === undefined ? () => undefined : watchServerTls(server, config.tls, logger);
  const uninstall = installShutdown({
    server,
    dispatch,
    frontDoor,
    logger,
    timeoutMs: config.shutdownTimeoutMs,
    drain: async () => role?.drain(config.drainWindowMs),
    release: async () => {
      stopTlsWatch();
      await role?.stop();
    },
    exit: (code) => void flushTracing().finally(() => process.exit(code)),
  });
  try {
    role = await setup(logger, server, metrics, limiter);
    for (const handler of role.handlers) dispatch.mount(handler.name, handler.handle);
    frontDoor.setClaim(role.claimStream);
    dispatch.started();
    const host = config.host.includes(':') ? `[${config.host}]` : config.host;
    announce(`${urlScheme(config.tls)}://${host}:${port}`, role, port);
    logger.info({ role: name, port }, `vexil ${name} is running`);
  } catch (e) {
    stopTlsWatch();
    uninstall();
    server.closeAllConnections();
    server.close();
    await role?.stop();
    throw e;
  }
}
