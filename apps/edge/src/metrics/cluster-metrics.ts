import { AggregatorRegistry, type Registry } from 'prom-client';
import { EDGE_METRICS } from './edge-metric-catalogue.js';

// The metrics of a multi-process edge (`vexil edge --workers N`). A scrape of /metrics lands on
// any worker; that worker asks the primary, which collects every worker's metrics over IPC, adds
// its own, and sums them with prom-client's AggregatorRegistry (each metric's `aggregator` says
// how: sum, min or max). prom-client's own clusterMetrics() covers the workers only, so the
// request and collection messages are ours; their types are prefixed `vexil:metrics-` and the
// feed (cluster/feed.ts) ignores them, as these ignore the feed's.

const SCRAPE = 'vexil:metrics-scrape';
const SCRAPED = 'vexil:metrics-scraped';
const COLLECT = 'vexil:metrics-collect';
const REPORT = 'vexil:metrics-report';

type MetricsJson = Awaited<ReturnType<Registry['getMetricsAsJSON']>>;

type MetricsMessage =
  /** Worker -> primary: a scrape landed here; send me the node's metrics. */
  | { readonly type: typeof SCRAPE; readonly id: number }
  /** Primary -> worker: the node's metrics, in the Prometheus text format (or why not). */
  | {
      readonly type: typeof SCRAPED;
      readonly id: number;
      readonly text: string;
      readonly error?: string;
    }
  /** Primary -> worker: send your own metrics. */
  | { readonly type: typeof COLLECT; readonly id: number }
  /** Worker -> primary: its own metrics, as prom-client JSON. */
  | { readonly type: typeof REPORT; readonly id: number; readonly metrics: MetricsJson };

/** Sends unless the channel is gone (a worker that just exited): false then. */
function trySend(port: { send?(message: unknown): boolean }, message: MetricsMessage): boolean {
  try {
    return port.send?.(message) === true;
  } catch {
    return false;
  }
}

function isMetricsMessage(value: unknown): value is MetricsMessage {
  const type = (value as { type?: unknown } | null)?.type;
  return type === SCRAPE || type === SCRAPED || type === COLLECT || type === REPORT;
}

/** The channel to the primary: `process` in a cluster worker. */
export interface PrimaryChannel {
  on(event: 'message', listener: (message: unknown) => void): unknown;
  off(event: 'message', listener: (message: unknown) => void): unknown;
  send?(message: unknown): boolean;
}

/** A worker as the primary sees it: `cluster.Worker`. */
export interface WorkerPort {
  send(message: unknown): boolean;
  on(event: 'message', listener: (message: unknown) => void): unknown;
  isConnected(): boolean;
}

export interface WorkerMetrics {
  /** The whole node's metrics (every worker and the primary), for this worker's /metrics. */
  scrape(): Promise<string>;
  close(): void;
}

/**
 * A worker's side: answers the primary's collection requests with `registry`'s metrics, and
 * scrapes the node through the primary. A scrape fails after `timeoutMs` without an answer.
 */
export function workerMetrics(
  registry: Registry,
  channel: PrimaryChannel,
  timeoutMs = 5_000,
): WorkerMetrics {
  const waiting = new Map<number, (text: string, error?: string) => void>();
  let next = 0;
  const onMessage = (message: unknown) => {
    if (!isMetricsMessage(message)) return;
    if (message.type === COLLECT) {
      void registry
        .getMetricsAsJSON()
        .then((metrics) => trySend(channel, { type: REPORT, id: message.id, metrics }));
    } else if (message.type === SCRAPED) {
      waiting.get(message.id)?.(message.text, message.error);
    }
  };
  channel.on('message', onMessage);
  return {
    scrape() {
      const id = next++;
      return new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => {
          waiting.delete(id);
          reject(new Error(`the primary sent no metrics in ${timeoutMs} ms`));
        }, timeoutMs);
        waiting.set(id, (text, error) => {
          clearTimeout(timer);
          waiting.delete(id);
          if (error === undefined) resolve(text);
          else reject(new Error(`the primary could not aggregate the metrics: ${error}`));
        });
        if (!trySend(channel, { type: SCRAPE, id })) {
          clearTimeout(timer);
          waiting.delete(id);
          reject(new Error('no channel to the primary'));
        }
      });
    },
    close() {
      channel.off('message', onMessage);
    },
  };
}

interface Collection {
  readonly waiting: Set<WorkerPort>;
  readonly reports: MetricsJson[];
  readonly done: () => void;
}

export interface ClusterMetricsOptions {
  /** How long to wait for workers' metrics; a worker that has not answered by then is left out. */
  readonly timeoutMs?: number;
}

/**
 * The primary's metrics left out of the sum: it applies every change before its workers do and
 * serves no streams, so its commit -> apply histogram would count each change once more without
 * measuring anything a client sees. (Bus lag, upstream status and process metrics do count.)
 */
const PRIMARY_OMITS = new Set<string>([EDGE_METRICS.commitToApply.name]);

/** The primary's side: the node's metrics, summed over its own and every worker's. */
export class ClusterMetrics {
  private readonly collections = new Map<number, Collection>();
  private readonly workers = new Set<WorkerPort>();
  private next = 0;

  constructor(
    private readonly own: Registry,
    private readonly options: ClusterMetricsOptions = {},
  ) {}

  add(worker: WorkerPort): void {
    this.workers.add(worker);
    worker.on('message', (message: unknown) => {
      if (!isMetricsMessage(message)) return;
      if (message.type === SCRAPE) {
        void this.metrics().then(
          (text) => trySend(worker, { type: SCRAPED, id: message.id, text }),
          (e: unknown) =>
            trySend(worker, { type: SCRAPED, id: message.id, text: '', error: String(e) }),
        );
      } else if (message.type === REPORT) {
        const collection = this.collections.get(message.id);
        if (collection?.waiting.delete(worker) === true) {
          collection.reports.push(message.metrics);
          if (collection.waiting.size === 0) collection.done();
        }
      }
    });
  }

  /** The worker exited: no collection waits for it any more. */
  remove(worker: WorkerPort): void {
    this.workers.delete(worker);
    for (const collection of this.collections.values()) {
      if (collection.waiting.delete(worker) && collection.waiting.size === 0) collection.done();
    }
  }

  /** Every worker's metrics and the primary's, aggregated, in the Prometheus text format. */
  async metrics(): Promise<string> {
    const [own, workers] = await Promise.all([this.own.getMetricsAsJSON(), this.collect()]);
    const mine = own.filter((metric) => !PRIMARY_OMITS.has(metric.name));
    return AggregatorRegistry.aggregate([mine, ...workers]).metrics();
  }

  private collect(): Promise<MetricsJson[]> {
    const id = this.next++;
    const waiting = new Set([...this.workers].filter((w) => w.isConnected()));
    return new Promise((resolve) => {
      const reports: MetricsJson[] = [];
      const done = () => {
        clearTimeout(timer);
        this.collections.delete(id);
        resolve(reports);
      };
      const timer = setTimeout(done, this.options.timeoutMs ?? 2_000);
      this.collections.set(id, { waiting, reports, done });
      for (const worker of [...waiting])
        if (!trySend(worker, { type: COLLECT, id })) waiting.delete(worker);
      if (waiting.size === 0) done();
    });
  }
}
