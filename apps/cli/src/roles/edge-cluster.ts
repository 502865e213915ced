import cluster, { type Worker } from 'node:cluster';
import { ClusterMetrics, createEdge, feedWorker, type StreamCount } from '@vexil/edge';
import type { Logger } from 'pino';
import { createLogger } from '../start/logger.js';
import { processMetrics } from '../start/metrics-handler.js';
import type { EdgeConfig } from './edge-config.js';
import { startEdgeProbe } from './edge-probe.js';
import { edgeSource, reportToOrigin } from './edge-source.js';
import { flushTracing } from '../start/tracing.js';

// The primary of a multi-process edge (`vexil edge --workers N`). It holds the node's one
// upstream (one NATS subscription and one snapshot per environment), and feeds every worker
// over IPC; the workers share the listening port (the cluster module spreads connections over
// them round-robin) and each holds at most its file budget of streams. A worker that dies is
// replaced; the others keep serving. SIGTERM is passed to every worker, which drains its streams.

export async function runEdgePrimary(
  config: EdgeConfig,
  announce: (url: string, pids: number[]) => void,
): Promise<void> {
  const logger: Logger = createLogger(config.logLevel);
  const source = edgeSource(config, logger);
  const { insights: _workersReportInsights, ...deps } = source.deps;
  // The primary's own metrics (process, upstream, bus lag) join its workers' on every scrape.
  const metrics = processMetrics();
  const nodeMetrics = new ClusterMetrics(metrics);
  const edge = createEdge({ ...deps, logger, metrics, options: config.edge });
  source.attach(edge);
  await edge.start();
  const workerStreams = new Map<Worker, readonly StreamCount[]>();
  const stopReporting = reportToOrigin(config, edge, logger);

  // Workers accept from the shared socket themselves (the kernel spreads connections) rather than
  // the primary accepting and handing each one over: measured 9.8k against 5.5k connects/s at
  // 20k streams on 2 cores, and a lower fan-out p99 (BENCHMARKS.md). The spread is less even;
  // a worker at its cap answers 503 and closes, and the client's retry lands elsewhere.
  // NODE_CLUSTER_SCHED_POLICY=rr restores Node's round robin.
  if (process.env['NODE_CLUSTER_SCHED_POLICY'] === undefined)
    cluster.schedulingPolicy = cluster.SCHED_NONE;
  cluster.setupPrimary({ serialization: 'advanced' });
  const workers = new Set<Worker>();
  const listening = new Set<Worker>();
  let stopping = false;
  let announced = false;
  let url = '';

  const fork = () => {
    const worker = cluster.fork({ VEXIL_EDGE_WORKER: '1' });
    workers.add(worker);
    nodeMetrics.add(worker);
    feedWorker(edge, worker, (counts) => {
      workerStreams.set(worker, counts);
      edge.setExternalStreams([...workerStreams.values()].flat());
    });
    worker.on('listening', (address) => {
      listening.add(worker);
      url = `http://${address.address ?? config.host}:${address.port}`;
      if (!announced && [...workers].every((w) => w.isConnected() && listening.has(w))) {
        announced = true;
        stopProbe = startEdgeProbe(
          config.probe,
          `http://127.0.0.1:${address.port}`,
          config.edge.edgeId ?? 'edge',
          metrics,
          logger,
        );
        announce(
          url,
          [...workers].map((w) => w.process.pid ?? 0),
        );
      }
    });
    worker.on('exit', (code, signal) => {
      workers.delete(worker);
      nodeMetrics.remove(worker);
      listening.delete(worker);
      if (stopping) return;
      logger.error({ pid: worker.process.pid, code, signal }, 'edge worker died; starting another');
      fork();
    });
  };
  let stopProbe = (): void => undefined;
  for (let i = 0; i < config.workers; i++) fork();

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

export function isEdgeWorker(): boolean {
  return cluster.isWorker;
}
