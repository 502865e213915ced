import { connectTimeoutMs, settled } from './fanout-run.js';
import { Histogram } from './histogram.js';
import { LoadGenerator } from './load-generator.js';
import { cpuSeconds, nowMicros, rssBytes, sleep } from './processes.js';
import { percentile } from '../support/stats.js';
import type { EdgeStart, VexilDeployment } from './vexil-target.js';

// Sustained load: S streams spread over E environments, and changes at a fixed rate (open loop:
// change k is sent at start + k / rate whatever happened to the earlier ones), round-robin over
// the environments, for D seconds. Memory of the edge processes is sampled every second: a
// delivery path that keeps something per change shows up as a rising line.

export interface SustainedSettings {
  readonly streams: number;
  readonly environments: number;
  readonly changesPerSecond: number;
  readonly seconds: number;
  readonly connectWindow: number;
  readonly edge: Omit<EdgeStart, 'port' | 'maxStreams'>;
  readonly log: (line: string) => void;
}

export interface SustainedResult {
  readonly streams: number;
  readonly held: number;
  readonly environments: number;
  readonly changesPerSecond: number;
  readonly seconds: number;
  readonly changesSent: number;
  readonly changesFailed: number;
  /** The API's answer time to the PATCH (part of every delivery latency). */
  readonly apiP50Ms: number;
  readonly apiP99Ms: number;
  readonly delivered: number;
  readonly expected: number;
  readonly deliveredPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  /** p99 of the changes sent in each successive 10 s of the run: rising = not keeping up. */
  readonly p99By10sMs: readonly number[];
  readonly disconnects: number;
  readonly cpuMicrosPerMessage: number;
  /** RSS of all edge processes, one sample a second, MiB. */
  readonly rssMiB: readonly number[];
  /**
   * Lowest RSS of the last third of the samples minus lowest of the first third: what survives
   * garbage collection (V8's heap makes a saw-tooth; its peaks say little). Near 0 = flat.
   */
  readonly rssFloorGrowthMiB: number;
}

const MAX_IN_FLIGHT = 32;

export async function runSustained(
  vexil: VexilDeployment,
  settings: SustainedSettings,
): Promise<SustainedResult> {
  const { log } = settings;
  const total = Math.round(settings.changesPerSecond * settings.seconds);
  const edge = await vexil.startEdge({
    ...settings.edge,
    port: 0,
    maxStreams: Math.ceil(settings.streams * 1.1),
  });
  const load = LoadGenerator.start({
    streams: settings.streams,
    requests: [...Array(settings.environments).keys()].map((i) => edge.streamRequest(i)),
    connectWindow: settings.connectWindow,
    reconnect: false,
    maxMarkers: total + 1,
    maxSeconds: 1_800,
  });
  try {
    await load.waitFor(settled, connectTimeoutMs(settings.streams));
    const held = load.status();
    log(
      `  sustained: ${held.synced} of ${settings.streams} streams over ${settings.environments} environments`,
    );
    await sleep(1_000);
    const rssMiB: number[] = [rssBytes(edge.memoryPids()) / 2 ** 20];
    const cpuBefore = cpuSeconds(edge.cpuPids());
    const startMs = Date.now();
    let nextSample = startMs + 1_000;
    let inFlight = 0;
    let failed = 0;
    const apiMs: number[] = [];
    const sends: Promise<void>[] = [];
    for (let k = 1; k <= total; k++) {
      const due = startMs + ((k - 1) * 1000) / settings.changesPerSecond;
      while (Date.now() < due || inFlight >= MAX_IN_FLIGHT) {
        if (Date.now() >= nextSample) {
          rssMiB.push(rssBytes(edge.memoryPids()) / 2 ** 20);
          nextSample += 1_000;
        }
        await sleep(Math.max(1, Math.min(due - Date.now(), 20)));
      }
      inFlight++;
      const env = (k - 1) % settings.environments;
      sends.push(
        vexil
          .change(k, env)
          .then(
            (sentUs) => {
              apiMs.push((nowMicros() - sentUs) / 1000);
              load.tell(k, sentUs);
            },
            () => void failed++,
          )
          .finally(() => void inFlight--),
      );
    }
    await Promise.all(sends);
    // Let the last changes land, sampling memory on.
    const drainUntil = Date.now() + 10_000;
    while (Date.now() < drainUntil) {
      if (Date.now() >= nextSample) {
        rssMiB.push(rssBytes(edge.memoryPids()) / 2 ** 20);
        nextSample += 1_000;
      }
      await sleep(100);
    }
    const cpu = cpuSeconds(edge.cpuPids()) - cpuBefore;
    const { byMarker } = await load.histograms();
    const all = new Histogram();
    const windows: Histogram[] = [];
    for (const [marker, h] of byMarker) {
      all.merge(h);
      // Change k was due at (k - 1) / rate seconds into the run.
      const w = Math.floor((marker - 1) / (settings.changesPerSecond * 10));
      (windows[w] ??= new Histogram()).merge(h);
    }
    const end = load.status();
    const perEnv = held.synced / settings.environments;
    return {
      streams: settings.streams,
      held: held.synced,
      environments: settings.environments,
      changesPerSecond: settings.changesPerSecond,
      seconds: settings.seconds,
      changesSent: total - failed,
      changesFailed: failed,
      apiP50Ms: percentile(apiMs, 50),
      apiP99Ms: percentile(apiMs, 99),
      delivered: all.count,
      expected: Math.round((total - failed) * perEnv),
      deliveredPerSecond: all.count / settings.seconds,
      p50Ms: all.percentile(50) / 1000,
      p99Ms: all.percentile(99) / 1000,
      maxMs: all.max / 1000,
      p99By10sMs: [...windows].map((h) => (h === undefined ? NaN : h.percentile(99) / 1000)),
      disconnects: end.eof - held.eof + (end.errors - held.errors),
      cpuMicrosPerMessage: (cpu * 1e6) / Math.max(1, all.count),
      rssMiB,
      rssFloorGrowthMiB:
        Math.min(...rssMiB.slice(-Math.ceil(rssMiB.length / 3))) -
        Math.min(...rssMiB.slice(0, Math.ceil(rssMiB.length / 3))),
    };
  } finally {
    await load.close();
    await edge.stop();
  }
}
