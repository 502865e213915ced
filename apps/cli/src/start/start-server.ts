import { mkdir } from 'node:fs/promises';
import { RateLimiter } from '@vexil/edge';
import {
  createOrigin,
  startInsightRetention,
  startScheduleRunner,
  type Origin,
} from '@vexil/origin';
import type { Store } from '@vexil/store';
import { openSqliteStore } from '@vexil/store/sqlite';
import { CliError, oneLine } from '../cli-error.js';
import type { Io } from '../io.js';
import { resolveAdminToken } from './admin-token.js';
import { apiHandler } from '../server/api-handler.js';
import { dashboardHandler, dashboardNotFound } from '../server/dashboard-handler.js';
import { displayUrl, formatBanner } from './banner.js';
import { prepareDemoProject } from './demo-project.js';
import { attachPortFrontDoor, createPortServer } from '../server/port-front-door.js';
import { urlScheme, watchServerTls } from '../server/server-tls.js';
import { healthHandler } from '../server/health.js';
import { startDelivery, type Delivery } from './delivery.js';
import { createDispatch } from '../server/http-dispatch.js';
import { listen } from '../server/listen.js';
import { createLogger } from '../server/logger.js';
import { metricsHandler, processMetrics } from '../server/metrics-handler.js';
import { rateLimitGuard } from '../server/rate-limit-guard.js';
import { installShutdown } from '../server/shutdown.js';
import type { StartConfig } from './start-config.js';
import { flushTracing } from '../server/tracing.js';

/**
 * `vexil start`: every role in one process on one port. The port is bound first, so a port
 * conflict fails fast and /healthz answers while the store opens; /readyz turns 200 and the
 * API opens once the store is open, the admin token exists and the demo project is seeded.
 */
export async function startServer(config: StartConfig, io: Io, version: string): Promise<void> {
  const logger = createLogger(config.logLevel);
  let origin: Origin | undefined;
  let delivery: Delivery | undefined;
  const metrics = processMetrics();
  const limiter = new RateLimiter(config.rateLimits, Date.now, metrics);
  // The dispatch table, tried in order: health, rate limits (of the API and metrics; the edge
  // admits its own requests with the same limiter), metrics, the REST API, then the edge.
  const dispatch = createDispatch(
    logger,
    [
      { name: 'health', handle: healthHandler(() => readiness(origin, delivery)) },
      { name: 'rate-limits', handle: rateLimitGuard(limiter) },
      {
        name: 'metrics',
        handle: metricsHandler(() => metrics.metrics(), {
          token: config.metricsToken,
          host: config.host,
        }),
      },
      { name: 'api', handle: apiHandler(() => origin) },
      { name: 'dashboard', handle: dashboardHandler() },
    ],
    { starting: true },
  );
  const server = createPortServer(config.tls, dispatch.listener);
  // Streams are capped below the file budget (server/file-budget.ts): at the cap they get 503, and
  // the API, /readyz and /metrics keep the descriptors they need.
  const frontDoor = attachPortFrontDoor(server, metrics);

  const port = await listen(server, config.port, config.host);
  const url = displayUrl(config.host, port, urlScheme(config.tls));
  const stopTlsWatch =
    config.tls === undefined ? () => undefined : watchServerTls(server, config.tls, logger);
  let store: Store | undefined;
  let stopRetention = (): void => undefined;
  // Signals are handled from the moment the port is bound: a SIGTERM during startup still
  // closes the port and the store instead of killing the process mid-write.
  const uninstall = installShutdown({
    server,
    dispatch,
    frontDoor,
    logger,
    timeoutMs: config.shutdownTimeoutMs,
    drain: async () => {
      // The dashboard's event streams end at once: their clients resume after the restart.
      origin?.close();
      await delivery?.edge.drain(config.drainWindowMs);
    },
    release: async () => {
      stopTlsWatch();
      stopRetention();
      await delivery?.stop(0);
      await store?.close();
    },
    exit: (code) => void flushTracing().finally(() => process.exit(code)),
  });
  try {
    store = await openStore(config);
    delivery = await startDelivery(store, server, logger, version, config.maxStreams, {
      metrics,
      limiter,
      cdn: config.cdn,
    });
    const { publisher, edge } = delivery;
    const ready = createOrigin({
      store,
      insightRetentionDays: config.insightRetentionDays,
      logger,
      version,
      metrics,
      onCommit: (environmentIds) => publisher.kick(environmentIds),
      onDirectoryChange: () => publisher.directoryChanged(),
    });
    stopRetention = startInsightRetention({
      store,
      logger,
      retention: { bucketsMs: config.insightRetentionDays * 86_400_000 },
    });
    // Scheduled flag changes: due ones (those due while vexil was down too) run from now on.
    const schedules = startScheduleRunner({
      store,
      logger,
      onCommit: (environmentIds) => publisher.kick(environmentIds),
    });
    const stopInsightRetention = stopRetention;
    stopRetention = () => {
      stopInsightRetention();
      void schedules.stop();
    };
    const admin = await resolveAdminToken(store, config);
    const demo = await prepareDemoProject(store, ready);
    dispatch.mount('edge', (req, res) => edge.handle(req, res));
    dispatch.mount('dashboard-not-found', dashboardNotFound());
    frontDoor.setClaim(edge.claimStream);
    dispatch.started();
    origin = ready;
    io.stdout(
      formatBanner({
        version,
        url,
        dataDir: config.dataDir,
        adminTokenFile: config.adminTokenFile,
        admin,
        demo: demo.keys,
      }),
    );
    logger.info(
      { url, dataDir: config.dataDir, handlers: dispatch.names, seeded: demo.seeded },
      'vexil is ready',
    );
  } catch (e) {
    stopTlsWatch();
    stopRetention();
    uninstall();
    server.closeAllConnections();
    server.close();
    await delivery?.stop(0);
    await store?.close();
    throw e;
  }
}

async function openStore(config: StartConfig): Promise<Store> {
  try {
    await mkdir(config.dataDir, { recursive: true, mode: 0o700 });
  } catch (e) {
    throw new CliError(
      'STARTUP',
      `cannot create the data directory ${config.dataDir}: ${(e as NodeJS.ErrnoException).code ?? e}`,
    );
  }
  try {
    return await openSqliteStore({ path: config.databaseFile });
  } catch (e) {
    throw new CliError(
      'STARTUP',
      `cannot open the database ${config.databaseFile}: ${oneLine((e as Error).message)}`,
    );
  }
}

/** Ready once the API is up and the edge has data for every environment (503 before). */
function readiness(
  origin: Origin | undefined,
  delivery: Delivery | undefined,
): { ready: boolean; body: object } {
  if (origin === undefined || delivery === undefined)
    return { ready: false, body: { status: 'starting' } };
  const edge = delivery.edge.status();
  if (!edge.ready) return { ready: false, body: { status: 'starting', reason: edge.reason } };
  return { ready: true, body: { status: edge.stale ? 'stale' : 'ready', streams: edge.streams } };
}
