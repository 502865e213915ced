import { until, type Topology } from '@vexil/testkit';
import { connectTimeoutMs, settled } from '../fanout/fanout-run.js';
import { LoadGenerator } from '../fanout/load-generator.js';
import { nowMicros, sleep } from '../fanout/processes.js';

const IDLE_MS = 3_000;

// The distributed run with the fan-out benchmark's C load generator (benchmarks/native) holding
// the streams: one process per edge, which timestamps each event at the read that completed it,
// so the last of N streams measures the servers rather than a client's event loop. Each change
// writes a marker (`vexilmark-<n>`) into the flag's salt; the generator's per-change histogram
// gives the first (min) and last (max) arrival. It checks no ordering: `--client node` does.

export interface NativeRunSettings {
  readonly streams: number;
  readonly warmup: number;
  readonly changes: number;
  readonly timeoutMs: number;
  readonly log: (line: string) => void;
  /** CPU seconds used so far by each group of processes (read before and after the changes). */
  readonly cpu: () => Record<string, number>;
}

export interface NativeRunResult {
  /** Per measured change, ms from sending the PATCH. */
  readonly first: number[];
  readonly last: number[];
  readonly answered: number[];
  readonly held: number;
  /** Streams that ended while the changes were sent. */
  readonly disconnects: number;
  readonly processes: number;
  /** CPU seconds each group used over the measured changes, less what it uses idle. */
  readonly cpuSeconds: Record<string, number>;
}

export async function runNative(
  topology: Topology,
  settings: NativeRunSettings,
): Promise<NativeRunResult> {
  const { api, projectKey, environmentKey, flagKeys, sdkKey } = topology;
  const total = settings.warmup + settings.changes;
  // A deployment just started creates its streams and writes the directory within a few
  // seconds; until then an edge answers 503 or 401 for the key. SDKs retry; these streams do not.
  for (const edge of topology.edges)
    await until(
      `${edge.url} to serve the environment`,
      async () =>
        (await fetch(`${edge.url}/sdk/latest-all`, { headers: { authorization: sdkKey } }))
          .status === 200,
      30_000,
      200,
    );
  const load = LoadGenerator.start({
    streams: settings.streams,
    requests: topology.edges.map((edge) => ({
      port: Number(new URL(edge.url).port),
      path: '/all',
      headers: [`Authorization: ${sdkKey}`],
    })),
    connectWindow: 128,
    reconnect: false,
    maxMarkers: total + 1,
    maxSeconds: 3_600,
    // The next change goes out as soon as the last stream has this one.
    statusMs: 10,
  });
  try {
    await load.waitFor(settled, connectTimeoutMs(settings.streams));
    const connected = load.status();
    if (connected.synced < settings.streams)
      throw new Error(`only ${connected.synced} of ${settings.streams} streams got their put`);
    // What each group burns with nothing to do (heartbeats, reports, timers), per second.
    const idleStart = settings.cpu();
    await sleep(IDLE_MS);
    const idleEnd = settings.cpu();
    const answered: number[] = [];
    let cpuBefore: Record<string, number> = {};
    let measuredFrom = 0;
    for (let marker = 1; marker <= total; marker++) {
      if (marker === settings.warmup + 1) {
        cpuBefore = settings.cpu();
        measuredFrom = performance.now();
      }
      const key = flagKeys[(marker - 1) % flagKeys.length]!;
      const sentUs = nowMicros();
      const res = await api.call('PATCH', `/api/v1/projects/${projectKey}/flags/${key}`, [
        {
          op: 'replace',
          path: `/environments/${environmentKey}/salt`,
          value: `vexilmark-${marker}`,
        },
      ]);
      const answeredMs = (nowMicros() - sentUs) / 1000;
      if (res.status !== 200)
        throw new Error(`PATCH answered ${res.status}: ${JSON.stringify(res.body)}`);
      load.tell(marker, sentUs);
      if (marker > settings.warmup) answered.push(answeredMs);
      const landed = await load.waitFor(
        (s) => (load.markerCount(marker) ?? -1) >= s.synced,
        settings.timeoutMs,
      );
      if (!landed)
        throw new Error(
          `change ${marker} reached ${load.markerCount(marker) ?? 0} of ${load.status().synced} streams in ${settings.timeoutMs} ms`,
        );
    }
    const cpuAfter = settings.cpu();
    const seconds = (performance.now() - measuredFrom) / 1000;
    const cpuSeconds = Object.fromEntries(
      Object.entries(cpuAfter).map(([group, used]) => {
        const idlePerSecond = (((idleEnd[group] ?? 0) - (idleStart[group] ?? 0)) * 1000) / IDLE_MS;
        return [group, Math.max(0, used - (cpuBefore[group] ?? 0) - idlePerSecond * seconds)];
      }),
    );
    const { byMarker } = await load.histograms();
    const first: number[] = [];
    const last: number[] = [];
    for (let marker = settings.warmup + 1; marker <= total; marker++) {
      const h = byMarker.get(marker);
      if (h === undefined) throw new Error(`no latencies for change ${marker}`);
      first.push(h.min / 1000);
      last.push(h.max / 1000);
    }
    const end = load.status();
    return {
      first,
      last,
      answered,
      held: connected.synced,
      disconnects: end.eof - connected.eof + (end.errors - connected.errors),
      processes: load.processes,
      cpuSeconds,
    };
  } finally {
    await load.close();
  }
}
