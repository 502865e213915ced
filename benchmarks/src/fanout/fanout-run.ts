import type { Histogram } from './histogram.js';
import { LoadGenerator, type LoadStatus } from './load-generator.js';
import { cpuSeconds, rssBytes, sleep } from './processes.js';
import type { Target } from './target.js';

// One fan-out measurement: N streams on a target, all holding their initial `put`, then K
// changes one at a time, each sent only once the previous one reached every stream. Latency is
// per stream, from the moment the change's write was sent (API PATCH, or nchan publish) to the
// moment the load generator read the event carrying its marker.

export interface FanoutSettings {
  readonly streams: number;
  readonly changes: number;
  readonly connectWindow: number;
  /** First marker number; each run uses its own range so no late event is miscounted. */
  readonly markerBase: number;
  readonly log: (line: string) => void;
}

export interface ChangeFigures {
  readonly marker: number;
  readonly delivered: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  /** The first stream to receive the change. */
  readonly minMs: number;
}

export interface FanoutResult {
  readonly target: 'vexil' | 'nchan';
  readonly banner: string;
  readonly streams: number;
  readonly held: number;
  readonly refused: number;
  /** Requests whose connection ended before any response byte (a reset, not an answer). */
  readonly unanswered: number;
  readonly errors: number;
  /** Streams that ended while the changes were sent (cut by the server, or reset). */
  readonly disconnects: number;
  readonly connectSeconds: number;
  readonly connectsPerSecond: number;
  /** Server CPU (utime + stime) from the first connect to the last stream connected, per stream. */
  readonly connectCpuMicros: number;
  /** The load generator's CPU over the same connects, per stream. */
  readonly generatorConnectCpuMicros: number;
  readonly rssBeforeBytes: number;
  readonly rssAfterBytes: number;
  readonly bytesPerStream: number;
  readonly changes: readonly ChangeFigures[];
  /** Median over the changes of each change's p50 / p99; max over all changes. */
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  /** Median over the changes of the first stream's latency. */
  readonly firstMs: number;
  readonly delivered: number;
  readonly expected: number;
  readonly serverCpuSeconds: number;
  readonly cpuMicrosPerMessage: number;
  /** The load generator's CPU over the same changes: it must stay well below the server's. */
  readonly generatorCpuSeconds: number;
  readonly loadProcesses: number;
  /** The server's processes (a Vexil edge: primary and workers). */
  readonly serverProcesses: number;
}

const ms = (us: number) => us / 1000;

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)] ?? Number.NaN;
}

/** Every stream opened has either its `put` or has failed for good. */
export const settled = (s: LoadStatus) =>
  s.started === s.target && s.connecting === 0 && s.synced === s.open;

export function connectTimeoutMs(streams: number): number {
  return 30_000 + streams;
}

export async function runFanout(target: Target, settings: FanoutSettings): Promise<FanoutResult> {
  const { log } = settings;
  const rssBeforeBytes = rssBytes(target.memoryPids());
  const serverCpuAtStart = cpuSeconds(target.cpuPids());
  const load = LoadGenerator.start({
    streams: settings.streams,
    requests: [target.streamRequest()],
    connectWindow: settings.connectWindow,
    reconnect: false,
    maxMarkers: settings.markerBase + settings.changes + 1,
    maxSeconds: 1_800,
  });
  try {
    if (!(await load.waitFor(settled, connectTimeoutMs(settings.streams))))
      log(`  ${target.name}: not every stream settled in time; measuring those held`);
    const connected = load.status();
    const connectCpuSeconds = cpuSeconds(target.cpuPids()) - serverCpuAtStart;
    const generatorConnectCpuSeconds = cpuSeconds(load.pids());
    // Connected: the first byte of the initial payload received (equal work for both servers).
    const connectSeconds = (connected.lastBodyUs - connected.firstConnectUs) / 1e6;
    log(
      `  ${target.name}: ${connected.synced} of ${settings.streams} streams hold their put ` +
        `(${connected.refused} refused, ${connected.unanswered} unanswered, ${connected.errors} errors) ` +
        `in ${connectSeconds.toFixed(2)} s`,
    );
    // Let the server finish what connecting left behind (buffers, GC) before reading memory.
    await sleep(2_000);
    const rssAfterBytes = rssBytes(target.memoryPids());
    const cpuBefore = cpuSeconds(target.cpuPids());
    const generatorBefore = cpuSeconds(load.pids());
    for (let k = 1; k <= settings.changes; k++) {
      const marker = settings.markerBase + k;
      const held = load.status().synced;
      const sentUs = await target.change(marker);
      load.tell(marker, sentUs);
      const landed = await load.waitFor(
        (s) => (load.markerCount(marker) ?? -1) >= s.synced,
        60_000,
      );
      const count = load.markerCount(marker) ?? 0;
      if (!landed) log(`  ${target.name}: change ${k} reached ${count} of ${held} streams in 60 s`);
      await sleep(300);
    }
    const serverCpuSeconds = cpuSeconds(target.cpuPids()) - cpuBefore;
    const generatorCpuSeconds = cpuSeconds(load.pids()) - generatorBefore;
    const { byMarker } = await load.histograms();
    const end = load.status();
    const changes = [...Array(settings.changes).keys()].map((i) =>
      figures(settings.markerBase + i + 1, byMarker.get(settings.markerBase + i + 1)),
    );
    const delivered = changes.reduce((s, c) => s + c.delivered, 0);
    return {
      target: target.name,
      banner: target.banner,
      streams: settings.streams,
      held: connected.synced,
      refused: end.refused,
      unanswered: end.unanswered,
      errors: end.errors,
      disconnects: end.eof - connected.eof + (end.errors - connected.errors),
      connectSeconds,
      connectsPerSecond: connected.synced / connectSeconds,
      connectCpuMicros: (connectCpuSeconds * 1e6) / Math.max(1, connected.synced),
      generatorConnectCpuMicros: (generatorConnectCpuSeconds * 1e6) / Math.max(1, connected.synced),
      rssBeforeBytes,
      rssAfterBytes,
      bytesPerStream: (rssAfterBytes - rssBeforeBytes) / Math.max(1, connected.synced),
      changes,
      p50Ms: median(changes.map((c) => c.p50Ms)),
      p99Ms: median(changes.map((c) => c.p99Ms)),
      maxMs: Math.max(...changes.map((c) => c.maxMs)),
      firstMs: median(changes.map((c) => c.minMs)),
      delivered,
      expected: connected.synced * settings.changes,
      serverCpuSeconds,
      cpuMicrosPerMessage: (serverCpuSeconds * 1e6) / Math.max(1, delivered),
      generatorCpuSeconds,
      loadProcesses: load.processes,
      serverProcesses: target.memoryPids().length,
    };
  } finally {
    await load.close();
  }
}

function figures(marker: number, h: Histogram | undefined): ChangeFigures {
  if (h === undefined)
    return {
      marker,
      delivered: 0,
      p50Ms: Number.NaN,
      p99Ms: Number.NaN,
      maxMs: Number.NaN,
      minMs: Number.NaN,
    };
  return {
    marker,
    delivered: h.count,
    p50Ms: ms(h.percentile(50)),
    p99Ms: ms(h.percentile(99)),
    maxMs: ms(h.max),
    minMs: ms(h.min),
  };
}
