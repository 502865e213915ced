import { probeMetrics, startProbe } from '@vexil/edge';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { ProbeConfig } from './edge-config.js';

/** Runs the synthetic propagation probe against this node's own URL, if configured. */
export function startEdgeProbe(
  probe: ProbeConfig | undefined,
  edgeUrl: string,
  probeId: string,
  metrics: Registry,
  logger: Logger,
): () => void {
  if (probe === undefined) return () => undefined;
  const running = startProbe({
    edgeUrl,
    apiUrl: probe.apiUrl,
    token: probe.token,
    project: probe.project,
    environment: probe.environment,
    flag: probe.flag,
    probeId,
    intervalMs: probe.intervalMs,
    timeoutMs: Math.max(5_000, probe.intervalMs),
    ...probeMetrics(metrics),
    logger,
  });
  return () => running.stop();
}
