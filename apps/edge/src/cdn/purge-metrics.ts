import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { EDGE_METRICS } from '../metrics/edge-metric-catalogue.js';

export interface CdnPurgeMetrics {
  forTarget(target: string): {
    lag(seconds: number): void;
    result(ok: boolean): void;
    /** Reports `count()` as the target's pending purges at each scrape. */
    pending(count: () => number): void;
  };
  /** Unregisters the metrics (the purger closed). */
  close(): void;
}

/** The purger's metrics (catalogue: edge-metric-catalogue.ts), labelled by target URL. */
export function cdnPurgeMetrics(registry: Registry): CdnPurgeMetrics {
  const { cdnPurgeLag, cdnPurges, cdnPurgesPending } = EDGE_METRICS;
  const registers = [registry];
  const lag = new Histogram({
    ...cdnPurgeLag,
    labelNames: [...cdnPurgeLag.labelNames],
    buckets: [...cdnPurgeLag.buckets],
    registers,
  });
  const purges = new Counter({ ...cdnPurges, labelNames: [...cdnPurges.labelNames], registers });
  const counts = new Map<string, () => number>();
  new Gauge({
    ...cdnPurgesPending,
    labelNames: [...cdnPurgesPending.labelNames],
    registers,
    collect() {
      for (const [target, count] of counts) this.set({ target }, count());
    },
  });
  return {
    forTarget: (target) => ({
      lag: (seconds) => lag.observe({ target }, seconds),
      result: (ok) => purges.inc({ target, result: ok ? 'ok' : 'failed' }),
      pending: (count) => counts.set(target, count),
    }),
    close() {
      for (const metric of [cdnPurgeLag, cdnPurges, cdnPurgesPending])
        registry.removeSingleMetric(metric.name);
    },
  };
}
