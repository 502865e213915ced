import cluster, { type Worker } from 'node:cluster';
import {
  acceptModeMetric,
  ClusterMetrics,
  createEdge,
  feedWorker,
  type StreamCount,
} from '@vexil/edge';
import type { Logger } from 'pino';
import { createLogger } from '../server/logger.js';
import { processMetrics } from '../server/metrics-handler.js';
import type { EdgeConfig } from './edge-config.js';
import { startEdgeProbe } from './edge-probe.js';
import { edgeSource, reportToOrigin } from './edge-source.js';
import { flushTracing } from '../server/tracing.js';
import { reusePortNumber, reusePortWorks, type AcceptMode } from './accept-mode.js';
import { urlScheme } from '../server/server-tls.js';

// The primary of a multi-process edge (`vexil edge --workers N`). It holds the node's one
// upstream (one NATS subscription and one snapshot per environment), and feeds every worker
// over IPC; the workers share the listening port (accept-mode.ts: by default each has its own
// SO_REUSEPORT socket) and each holds at most its file budget of streams. A worker that dies is
// replaced; the others keep serving. SIGTERM is passed to every worker, which drains its streams.

/** What a worker is told by its primary, in its environment. */
export const WORKER_ACCEPT = 'VEXIL_WORKER_ACCEPT';
export const WORKER_PORT = 'VEXIL_WORKER_PORT';

const ACCEPT_LOG: Record<Exclude<AcceptMode, 'single'>, string> = {
  reuseport: 'edge workers accept with SO_REUSEPORT: a listening socket each',
  shared: 'edge workers accept from one shared socket (no SO_REUSEPORT here, or --accept shared)',
  'round-robin': 'the edge primary accepts and hands connections to the workers in turn',
};

async function acceptMode(config: EdgeConfig): Promise<Exclude<AcceptMode, 'single'>> {
  if (config.accept !== undefined) return config.accept;
  return (await reusePortWorks(config.host)) ? 'reuseport' : 'shared';
}

export async function runEdgePrimary(
  config: EdgeConfig,
  announce: (url: string, pids: number[], accept: AcceptMode) => void,
): Promise<void> {
  const logger: Logger = createLogger(config.logLevel);
  // The primary's own metrics (process, upstream, bus lag) join its workers' on every scrape.
  const metrics = processMetrics();
  const source = edgeSource(config, logger, metrics);
  const { insights: _workersReportInsights, ...deps } = source.deps;
  const nodeMetrics = new ClusterMetrics(metrics);
  const edge = createEdge({ ...deps, logger, metrics, options: config.edge });
  source.attach(edge);
  const workerStreams = new Map<Worker, readonly StreamCount[]>();

  // Connections spread over the workers by the kernel, never through the primary unless asked
  // (BENCHMARKS.md compares the modes). The spread is not exact; a worker at its cap answers
  // 503 and closes, and the client's retry lands elsewhere.
  const accept = await acceptMode(config);
  const port =
    accept === 'reuseport' ? await reusePortNumber(config.port, config.host) : config.port;
  cluster.schedulingPolicy = accept === 'round-robin' ? cluster.SCHED_RR : cluster.SCHED_NONE;
  cluster.setupPrimary({ serialization: 'advanced' });
  acceptModeMetric(metrics, accept);
  logger.info({ accept, workers: config.workers }, ACCEPT_LOG[accept]);
  const workers = new Set<Worker>();
  const serving = new Set<Worker>();
  let stopping = false;
  /** Why the upstream is not connected: workers answer /readyz, the primary holds the upstream. */
  let problem: string | undefined;
  let announced = false;
  let url = '';

  const fork = () => {
    const worker = cluster.fork({
      VEXIL_EDGE_WORKER: '1',
      [WORKER_ACCEPT]: accept,
      [WORKER_PORT]: String(port),
    });
    workers.add(worker);
    nodeMetrics.add(worker);
    feedWorker(edge, worker, (counts) => {
      workerStreams.set(worker, counts);
      edge.setExternalStreams([...workerStreams.values()].flat());
    });
    worker.on('message', (message: unknown) => {
      const at = servingPort(message);
      if (at === undefined) return;
      serving.add(worker);
      worker.send({ type: UPSTREAM_PROBLEM, problem: problem ?? null });
      const host = config.host.includes(':') ? `[${config.host}]` : config.host;
      url = `${urlScheme(config.tls)}://${host}:${at}`;
      if (!announced && [...workers].every((w) => w.isConnected() && serving.has(w))) {
        announced = true;
        stopProbe = startEdgeProbe(
          config.probe,
          `${urlScheme(config.tls)}://127.0.0.1:${at}`,
          config.edge.edgeId ?? 'edge',
          metrics,
          logger,
        );
        announce(
          url,
          [...workers].map((w) => w.process.pid ?? 0),
          accept,
        );
      }
    });
    worker.on('exit', (code, signal) => {
      workers.delete(worker);
      nodeMetrics.remove(worker);
      serving.delete(worker);
      if (stopping) return;
      logger.error({ pid: worker.process.pid, code, signal }, 'edge worker died; starting another');
      fork();
    });
  };
  let stopProbe = (): void => undefined;
  // Workers start while the primary connects upstream (a restart under a reconnect storm is
  // mostly process start-up): they ask for the data once they run, and get it once it is here.
  for (let i = 0; i < config.workers; i++) fork();
  await edge.start();
  const stopReporting = reportToOrigin(config, edge, logger);
  const problems = setInterval(() => {
    const now = source.problem();
    if (now === problem) return;
    problem = now;
    for (const w of serving) w.send({ type: UPSTREAM_PROBLEM, problem: problem ?? null });
  }, 1_000);
  problems.unref();

  const stop = async (signal: NodeJS.Signals) => {
    if (stopping) process.exit(1);
    stopping = true;
    logger.info({ signal, workers: workers.size }, 'stopping edge workers');
    const exited = [...workers].map(
      (w) => new Promise<void>((resolve) => w.once('exit', () => resolve())),
    );
    for (const worker of workers) worker.process.kill('SIGTERM');
    const hardStop = setTimeout(() => {
      for (const worker of workers) worker.process.kill('SIGKILL');
    }, config.shutdownTimeoutMs * 2);
    await Promise.all(exited);
    clearTimeout(hardStop);
    clearInterval(problems);
    stopProbe();
    stopReporting();
    await edge.close();
    await source.close();
    await flushTracing();
    process.exit(0);
  };
  process.on('SIGTERM', (s) => void stop(s));
  process.on('SIGINT', (s) => void stop(s));
}

/**
 * A worker tells its primary that it serves (its port bound, its edge started): with
 * SO_REUSEPORT it listens on a socket of its own, and the cluster module does not know of it.
 */
export function announceWorker(port: number): void {
  process.send?.({ type: 'vexil-worker-serving', port });
}

const UPSTREAM_PROBLEM = 'vexil-upstream-problem';

/**
 * In a worker: calls `listener` with why the primary's upstream is not connected (undefined once
 * it is), each time that changes.
 */
export function onUpstreamProblem(listener: (problem: string | undefined) => void): void {
  process.on('message', (message: unknown) => {
    const m = message as { type?: unknown; problem?: unknown } | null;
    if (m?.type === UPSTREAM_PROBLEM)
      listener(typeof m.problem === 'string' ? m.problem : undefined);
  });
}

function servingPort(message: unknown): number | undefined {
  const m = message as { type?: unknown; port?: unknown } | null;
  return m?.type === 'vexil-worker-serving' && typeof m.port === 'number' ? m.port : undefined;
}

export function isEdgeWorker(): boolean {
  return cluster.isWorker;
}
