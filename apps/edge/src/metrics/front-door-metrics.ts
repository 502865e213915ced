import { Counter, Gauge, type Registry } from 'prom-client';
import type { FrontDoorRefusal } from '../http/front-door.js';
import { EDGE_METRICS } from './edge-metric-catalogue.js';

/** The front door's refusals as a Prometheus counter (FrontDoorOptions.onRefused). */
export function frontDoorMetrics(registry: Registry): (reason: FrontDoorRefusal) => void {
  const { connectionsRefused } = EDGE_METRICS;
  const refused = new Counter({
    ...connectionsRefused,
    labelNames: [...connectionsRefused.labelNames],
    registers: [registry],
  });
  return (reason) => refused.inc({ reason });
}

/** `vexil_edge_accept_mode{mode} 1`: how this node's processes accept connections. */
export function acceptModeMetric(registry: Registry, mode: string): void {
  const { acceptMode } = EDGE_METRICS;
  new Gauge({ ...acceptMode, labelNames: [...acceptMode.labelNames], registers: [registry] }).set(
    { mode },
    1,
  );
}
