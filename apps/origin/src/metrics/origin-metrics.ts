import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { ORIGIN_METRICS as M } from './origin-metric-catalogue.js';

/**
 * The origin's Prometheus metrics (catalogue: origin-metric-catalogue.ts). One instance per
 * registry, shared by the API (createOrigin) and the outbox publisher (startPublisher), which
 * may be given the same registry.
 */
export class OriginMetrics {
  private readonly requests: Counter<'route' | 'method' | 'status'>;
  private readonly durations: Histogram<'route' | 'method'>;
  private readonly storeErrors: Counter<'operation'>;
  private readonly busErrors: Counter;
  /** Each running publisher's lag, summed at scrape time. */
  private readonly lags = new Set<() => number>();

  private constructor(registry: Registry) {
    const registers = [registry];
    this.requests = new Counter({ ...M.requests, registers });
    this.durations = new Histogram({
      ...M.requestDuration,
      buckets: [...M.requestDuration.buckets],
      registers,
    });
    this.storeErrors = new Counter({ ...M.storeErrors, registers });
    this.busErrors = new Counter({ ...M.busPublishErrors, registers });
    const lags = this.lags;
    new Gauge({
      ...M.outboxLag,
      registers,
      collect() {
        let sum = 0;
        for (const lag of lags) sum += lag();
        this.set(sum);
      },
    });
  }

  private static readonly byRegistry = new WeakMap<Registry, OriginMetrics>();

  /** The origin metrics of `registry`, registered on first use. */
  static of(registry: Registry): OriginMetrics {
    let metrics = OriginMetrics.byRegistry.get(registry);
    if (metrics === undefined) {
      metrics = new OriginMetrics(registry);
      OriginMetrics.byRegistry.set(registry, metrics);
    }
    return metrics;
  }

  /** One API request: `route` is the route's template, never the raw path. */
  request(route: string, method: string, status: number, seconds: number): void {
    this.requests.inc({ route, method, status: String(status) });
    this.durations.observe({ route, method }, seconds);
  }

  storeError(operation: string): void {
    this.storeErrors.inc({ operation });
  }

  busError(): void {
    this.busErrors.inc();
  }

  /** Adds a publisher's lag to the outbox lag gauge; returns the function that removes it. */
  addOutboxLag(lag: () => number): () => void {
    this.lags.add(lag);
    return () => this.lags.delete(lag);
  }
}
