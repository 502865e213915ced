import { Counter, Histogram, type Registry } from 'prom-client';
import { EDGE_METRICS } from '../metrics/edge-metric-catalogue.js';
import type { ProbeOptions } from './probe.js';

/** The probe's measurements as Prometheus metrics: `onSample` and `onFailure` for startProbe. */
export function probeMetrics(registry: Registry): Pick<ProbeOptions, 'onSample' | 'onFailure'> {
  const { probePropagation, probeFailures } = EDGE_METRICS;
  const histogram = new Histogram({
    ...probePropagation,
    buckets: [...probePropagation.buckets],
    registers: [registry],
  });
  const failures = new Counter({
    ...probeFailures,
    labelNames: [...probeFailures.labelNames],
    registers: [registry],
  });
  return {
    onSample: (seconds) => histogram.observe(seconds),
    onFailure: (reason) => failures.inc({ reason }),
  };
}
