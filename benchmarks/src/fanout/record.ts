import { thisMachine, writeMeasurement, type FanoutRecord } from '@vexil/capacity';
import type { FanoutReport } from './report.js';

// `--record`: the figures of this run that the fleet model (@vexil/capacity) is calibrated on
// and checked against, in its own form. Only Vexil's figures: nchan is a reference, not a part.

export function recordFanout(
  report: FanoutReport,
  payloads: { patchBytes: number; putBytes: number },
): string {
  const sizes = report.sizes.flatMap(({ vexil: r }) =>
    r === undefined
      ? []
      : [
          {
            streams: r.held,
            workers: r.serverProcesses - 1,
            connectsPerSecond: r.connectsPerSecond,
            serverCpuPerConnectUs: r.connectCpuMicros,
            clientCpuPerConnectUs: r.generatorConnectCpuMicros,
            bytesPerStream: r.bytesPerStream,
            idleRssBytes: r.rssBeforeBytes,
            serverCpuPerMessageUs: r.cpuMicrosPerMessage,
            clientCpuPerMessageUs: (r.generatorCpuSeconds * 1e6) / Math.max(1, r.delivered),
            firstMs: r.firstMs,
            latencyMs: { p50: r.p50Ms, p99: r.p99Ms },
          },
        ],
  );
  const s = report.storm;
  const record: FanoutRecord = {
    date: report.date,
    machine: thisMachine(),
    command: `npm run bench:fanout -- ${process.argv.slice(2).join(' ')}`.trim(),
    ...payloads,
    sizes,
    ...(s === undefined
      ? {}
      : {
          storm: {
            streams: s.heldBefore,
            workers: s.serverProcesses - 1,
            restartSeconds: s.restartSeconds,
            resyncAfterReadySeconds: s.resyncAfterReadySeconds,
            totalSeconds: s.resyncSeconds,
          },
        }),
  };
  return writeMeasurement('fanout', record);
}
