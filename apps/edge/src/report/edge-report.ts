import type { EdgeReport } from '@vexil/protocol';
import type { EdgeOptions } from '../config.js';
import type { StreamCount } from '../stream/stream-hub.js';
import type { PropagationSamples } from './propagation-samples.js';

export interface ReportInputs {
  readonly options: EdgeOptions;
  readonly startedAt: number;
  readonly now: number;
  readonly upstreamUp: boolean;
  readonly environments: readonly { id: string; seq: number; ready: boolean }[];
  /** Streams of every process of the node. */
  readonly streams: readonly StreamCount[];
  readonly propagation: PropagationSamples;
}

/** The node's report for the network view; takes (and resets) the propagation samples. */
export function edgeReport(inputs: ReportInputs): EdgeReport {
  const { options, streams } = inputs;
  const taken = inputs.propagation.take();
  return {
    id: options.edgeId,
    region: options.region,
    version: options.version,
    startedAt: inputs.startedAt,
    reportedAt: inputs.now,
    upstream: options.upstreamKind,
    upstreamConnected: inputs.upstreamUp,
    stale: !inputs.upstreamUp,
    streams: streams.reduce((n, c) => n + c.streams, 0),
    environments: inputs.environments.map((env) => {
      const byProtocol: Record<string, number> = {};
      for (const c of streams) {
        if (c.environmentId === env.id)
          byProtocol[c.format] = (byProtocol[c.format] ?? 0) + c.streams;
      }
      return { id: env.id, seq: env.seq, ready: env.ready, streams: byProtocol };
    }),
    ...(taken === undefined ? {} : { propagation: taken }),
  };
}
