import {
  acceptModeMetric,
  createEdge,
  ipcUpstream,
  reportWorkerStreams,
  workerMetrics,
  type Edge,
  type RateLimiter,
} from '@vexil/edge';
import type { Server } from 'node:http';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { CommandContext } from '../commands/command.js';
import { REPORT_INTERVAL_MS } from '../server/reporting.js';
import { setupTracing } from '../server/tracing.js';
import type { AcceptMode } from './accept-mode.js';
import { loadEdgeConfig, type EdgeConfig } from './edge-config.js';
import {
  announceWorker,
  isEdgeWorker,
  onUpstreamProblem,
  runEdgePrimary,
  WORKER_ACCEPT,
  WORKER_PORT,
} from './edge-cluster.js';
import { startEdgeProbe } from './edge-probe.js';
import { checkBusCredentials } from './nats-options.js';
import { urlScheme } from '../server/server-tls.js';
import { edgeSource, reportToOrigin, workerInsights } from './edge-source.js';
import { serveRole, type RunningRole } from './serve-role.js';

// What `vexil edge` runs (edge-command.ts loads it when the command runs, so that help and the
// admin commands do not load the edge): one process, or a primary and its workers.

export async function runEdge(ctx: CommandContext): Promise<void> {
  await setupTracing('edge', ctx.env);
  const config = loadEdgeConfig(ctx);
  if (config.upstream.kind === 'bus') checkBusCredentials(config.upstream.connection);
  const banner = (url: string, extra = '') =>
    ctx.io.stdout(
      `Vexil edge ${ctx.version}\n  URL          ${url}\n  Upstream     ${describe(config)}\n${extra}`,
    );
  if (isEdgeWorker()) {
    // The primary chose how workers share the port, and the port (accept-mode.ts).
    const accept = (ctx.env[WORKER_ACCEPT] ?? 'shared') as AcceptMode;
    const worker = {
      ...config,
      port: Number(ctx.env[WORKER_PORT] ?? config.port),
      reusePort: accept === 'reuseport',
    };
    await serveRole(
      worker,
      'edge worker',
      (logger, server, metrics, limiter) =>
        serveEdge(config, logger, accept, server, metrics, limiter),
      (_url, _role, port) => announceWorker(port),
    );
  } else if (config.workers > 1) {
    await runEdgePrimary(config, (url, pids, accept) =>
      banner(
        url,
        `  Workers      ${pids.length} (pids ${pids.join(', ')}), ${config.streamsPerWorker} streams each\n` +
          `  Accept       ${accept}\n`,
      ),
    );
  } else {
    await serveRole(
      config,
      'edge',
      (logger, server, metrics, limiter) =>
        serveEdge(config, logger, 'single', server, metrics, limiter),
      (url) => banner(url),
    );
  }
}

function describe(config: EdgeConfig): string {
  return config.upstream.kind === 'relay'
    ? `relay of ${config.upstream.url}`
    : `${config.upstream.connection.servers.join(',')} + ${config.upstream.origin}`;
}

/** The edge that serves HTTP: on its own upstream (one process), or fed by the primary (worker). */
async function serveEdge(
  config: EdgeConfig,
  logger: Logger,
  /** `single`: one process on its own upstream; otherwise a worker fed by its primary. */
  accept: AcceptMode,
  server: Server,
  metrics: Registry,
  limiter: RateLimiter,
): Promise<RunningRole> {
  const single = accept === 'single';
  const source = single ? edgeSource(config, logger, metrics) : undefined;
  let primaryProblem: string | undefined;
  if (!single) onUpstreamProblem((problem) => (primaryProblem = problem));
  const edge: Edge = createEdge({
    ...(source?.deps ?? { upstream: ipcUpstream(process, logger), ...workerInsights(config) }),
    logger,
    metrics,
    limiter,
    options: config.edge,
  });
  source?.attach(edge);
  if (single) acceptModeMetric(metrics, accept);
  await edge.start();
  // The probe runs where the node reports from: here for a single process, in the primary else.
  const address = server.address();
  const ownPort = typeof address === 'object' && address !== null ? address.port : 0;
  const ownUrl = `${urlScheme(config.tls)}://127.0.0.1:${ownPort}`;
  const stopProbe = single
    ? startEdgeProbe(config.probe, ownUrl, config.edge.edgeId ?? 'edge', metrics, logger)
    : () => undefined;
  // A single process reports itself; a worker tells its primary, which reports the node.
  const stopReporting = single
    ? reportToOrigin(config, edge, logger)
    : reportWorkerStreams(edge, process, REPORT_INTERVAL_MS);
  // A scrape that lands on a worker gets the whole node's metrics, summed by the primary.
  const node = single ? undefined : workerMetrics(metrics, process);
  return {
    handlers: [{ name: 'edge', handle: (req, res) => edge.handle(req, res) }],
    upgrade: (req, socket, head) => edge.handleUpgrade(req, socket, head),
    claimStream: edge.claimStream,
    readiness: () => {
      const status = edge.status();
      if (!status.ready) {
        // A bus that refuses the edge (credentials, certificates) is why it never gets ready.
        const upstream = source?.problem() ?? primaryProblem;
        return {
          ready: false,
          body: {
            status: 'starting',
            reason: status.reason,
            ...(upstream === undefined ? {} : { upstream }),
          },
        };
      }
      return {
        ready: true,
        body: {
          status: status.stale ? 'stale' : 'ready',
          streams: status.streams,
          pid: process.pid,
          accept,
        },
      };
    },
    drain: (windowMs) => edge.drain(windowMs),
    ...(node === undefined ? {} : { scrapeMetrics: () => node.scrape() }),
    async stop() {
      node?.close();
      stopProbe();
      stopReporting();
      await edge.close();
      await source?.close();
    },
  };
}
