import type { FanoutResult } from './fanout-run.js';
import type { StormResult } from './storm-run.js';
import type { SustainedResult } from './sustained-run.js';

// The human-readable report (for BENCHMARKS.md) and the figures it is made of.

export interface FanoutReport {
  readonly date: string;
  readonly machine: string;
  readonly command: string;
  readonly kernel: readonly string[];
  readonly loadAverage: string;
  readonly sizes: { vexil?: FanoutResult; nchan?: FanoutResult; ratioP99?: number }[];
  readonly storm?: StormResult;
  readonly sustained?: SustainedResult;
}

const f = (v: number, digits = 0) => (Number.isFinite(v) ? v.toFixed(digits) : 'n/a');
const int = (v: number) => (Number.isFinite(v) ? Math.round(v).toLocaleString('en-US') : 'n/a');
const kib = (bytes: number) => `${f(bytes / 1024, 1)} KiB`;
const mib = (bytes: number) => `${f(bytes / 2 ** 20, 0)} MiB`;

function fanoutLines(r: FanoutResult): string[] {
  return [
    `  ${r.target.padEnd(6)} ${r.banner.split('\n').at(-1)!.trim()}`,
    `         streams held ${int(r.held)} of ${int(r.streams)} (refused ${int(r.refused)}, unanswered ${int(r.unanswered)}, errors ${int(r.errors)}, ` +
      `cut during changes ${int(r.disconnects)}); ${r.loadProcesses} generator processes`,
    `         connect ${int(r.connectsPerSecond)}/s (${f(r.connectSeconds, 2)} s; CPU ${f(r.connectCpuMicros, 0)} µs/stream, ` +
      `load generator ${f(r.generatorConnectCpuMicros, 0)} µs)   memory ${kib(r.bytesPerStream)}/stream ` +
      `(${mib(r.rssBeforeBytes)} -> ${mib(r.rssAfterBytes)})`,
    `         fan-out p50 ${f(r.p50Ms, 1)} ms   p99 ${f(r.p99Ms, 1)} ms   max ${f(r.maxMs, 1)} ms   ` +
      `delivered ${int(r.delivered)}/${int(r.expected)}`,
    `         server CPU ${f(r.cpuMicrosPerMessage, 2)} µs/message (${f(r.serverCpuSeconds, 2)} s; ` +
      `load generator ${f(r.generatorCpuSeconds, 2)} s)`,
    `         per change p99: ${r.changes.map((c) => f(c.p99Ms, 0)).join(', ')} ms; max: ${r.changes
      .map((c) => f(c.maxMs, 0))
      .join(', ')} ms`,
  ];
}

export function renderReport(report: FanoutReport): string {
  const lines = [
    'Fan-out: one change to N SSE streams (GET /all), latency per stream from the write being sent',
    `  ${report.date}  ${report.machine}`,
    `  load average at start: ${report.loadAverage}`,
    `  command: ${report.command}`,
    ...report.kernel.map((k) => `  kernel: ${k}`),
  ];
  for (const size of report.sizes) {
    const n = size.vexil?.streams ?? size.nchan?.streams ?? 0;
    lines.push('', `${int(n)} streams`);
    if (size.vexil !== undefined) lines.push(...fanoutLines(size.vexil));
    if (size.nchan !== undefined) lines.push(...fanoutLines(size.nchan));
    if (size.ratioP99 !== undefined && size.vexil !== undefined && size.nchan !== undefined)
      lines.push(
        `  p99 ratio Vexil/nchan: ${f(size.ratioP99, 2)} (target <= 0.80)   connects ratio: ` +
          `${f(size.vexil.connectsPerSecond / size.nchan.connectsPerSecond, 2)} (target >= 1.00)`,
      );
  }
  const s = report.storm;
  if (s !== undefined) {
    lines.push(
      '',
      `Reconnect storm: ${int(s.heldBefore)} streams held, edge stopped with ${s.signal} and started again on the same port`,
      `  all re-synced: ${s.allResynced ? 'yes' : 'NO'} (${int(s.resynced)} re-synced)   ` +
        `time from kill ${f(s.resyncSeconds, 2)} s (edge restart ${f(s.restartSeconds, 2)} s, ` +
        `then ${f(s.resyncAfterReadySeconds, 2)} s)`,
      `  CPU per stream re-synced, from ready: edge ${f(s.serverCpuPerReconnectUs)} µs, clients ${f(s.clientCpuPerReconnectUs)} µs`,
      `  reconnect attempts ${int(s.reconnectAttempts)}, refused ${int(s.refusedDuringStorm)}   ` +
        `edge RSS steady ${mib(s.rssSteadyBytes)}, peak ${mib(s.rssPeakBytes)}, after ${mib(s.rssAfterBytes)}`,
      `  /readyz on a new connection every 100 ms: ${int(s.readyzProbes)} answered, slowest ` +
        `${f(s.readyzMaxMs, 0)} ms, ${int(s.readyzSlow)} over 1 s (target: none)`,
    );
  }
  const u = report.sustained;
  if (u !== undefined) {
    const min = Math.min(...u.rssMiB);
    const max = Math.max(...u.rssMiB);
    lines.push(
      '',
      `Sustained: ${u.changesPerSecond} changes/s over ${u.environments} environments to ${int(u.held)} streams for ${u.seconds} s`,
      `  delivered ${int(u.delivered)}/${int(u.expected)} (${int(u.deliveredPerSecond)}/s)   p50 ${f(u.p50Ms, 1)} ms   ` +
        `p99 ${f(u.p99Ms, 1)} ms   max ${f(u.maxMs, 1)} ms   changes failed ${u.changesFailed}   cut ${u.disconnects}`,
      `  p99 of the changes sent in each 10 s (ms): ${u.p99By10sMs.map((v) => f(v, 0)).join(' ')}`,
      `  API PATCH answered in p50 ${f(u.apiP50Ms, 1)} ms, p99 ${f(u.apiP99Ms, 1)} ms`,
      `  CPU ${f(u.cpuMicrosPerMessage, 2)} µs/message   edge RSS ${f(min, 0)}..${f(max, 0)} MiB, ` +
        `floor (lowest after GC) grew ${f(u.rssFloorGrowthMiB, 1)} MiB from the first to the last third`,
      `  RSS per second (MiB): ${u.rssMiB.map((v) => f(v, 0)).join(' ')}`,
    );
  }
  return lines.join('\n');
}
