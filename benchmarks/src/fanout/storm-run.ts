import { request } from 'node:http';
import { connectTimeoutMs } from './fanout-run.js';
import { LoadGenerator } from './load-generator.js';
import { cpuSeconds, nowMicros, rssBytes, sleep } from './processes.js';
import type { EdgeStart, VexilDeployment } from './vexil-target.js';

// Reconnect storm: N streams on an edge, then the edge is killed and started again on the same
// port with every client still there. The clients reconnect like SDKs (jittered exponential
// backoff from 250 ms up to 2 s, Last-Event-ID of the last event they saw). The figure is the time
// from the kill until every client has received a `put` from the new edge, and the peak memory of
// the edge processes while that happens.

export interface StormSettings {
  readonly streams: number;
  readonly signal: NodeJS.Signals;
  readonly timeoutSeconds: number;
  readonly connectWindow: number;
  readonly edge: Omit<EdgeStart, 'port' | 'maxStreams'>;
  readonly log: (line: string) => void;
}

export interface StormResult {
  readonly streams: number;
  readonly heldBefore: number;
  readonly signal: string;
  readonly resynced: number;
  readonly allResynced: boolean;
  /** From the kill until every stream held before has a new `put`. */
  readonly resyncSeconds: number;
  /** From the new edge answering /readyz until the same moment. */
  readonly resyncAfterReadySeconds: number;
  readonly restartSeconds: number;
  readonly refusedDuringStorm: number;
  readonly reconnectAttempts: number;
  readonly rssSteadyBytes: number;
  /** The new edge's processes, while the clients come back. */
  readonly rssPeakBytes: number;
  readonly rssAfterBytes: number;
  /** `/readyz` on a new connection every 100 ms from the kill: answers once the port is bound. */
  readonly readyzProbes: number;
  readonly readyzMaxMs: number;
  /** Probes answered after more than a second, or not at all within 5 s, once the port answered. */
  readonly readyzSlow: number;
  /** The edge's processes (primary and workers). */
  readonly serverProcesses: number;
  /** CPU from the new edge being ready until every stream is back, per stream: edge and clients. */
  readonly serverCpuPerReconnectUs: number;
  readonly clientCpuPerReconnectUs: number;
}

/** One `GET /readyz` on a connection of its own: ms until the answer, or undefined if refused. */
function readyzOnce(port: number): Promise<number | undefined> {
  const started = performance.now();
  return new Promise((resolve) => {
    const req = request(
      { port, host: '127.0.0.1', path: '/readyz', agent: false, timeout: 5_000 },
      (res) => {
        res.resume();
        res.on('end', () => resolve(performance.now() - started));
      },
    );
    req.on('timeout', () => {
      req.destroy();
      resolve(5_000);
    });
    req.on('error', () => resolve(undefined));
    req.end();
  });
}

/** Probes /readyz every 100 ms until stopped; latencies of the probes the port answered. */
function probeReadyz(port: number): { stop(): Promise<number[]> } {
  const latencies: number[] = [];
  const probes: Promise<void>[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      probes.push(
        readyzOnce(port).then((ms) => {
          if (ms !== undefined) latencies.push(ms);
        }),
      );
      await sleep(100);
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      await Promise.all(probes);
      return latencies;
    },
  };
}

export async function runStorm(
  vexil: VexilDeployment,
  settings: StormSettings,
): Promise<StormResult> {
  const { log } = settings;
  let edge = await vexil.startEdge({
    ...settings.edge,
    port: 0,
    maxStreams: Math.ceil(settings.streams * 1.1),
  });
  const port = edge.port;
  const load = LoadGenerator.start({
    streams: settings.streams,
    requests: [edge.streamRequest()],
    connectWindow: settings.connectWindow,
    reconnect: true,
    maxMarkers: 1,
    maxSeconds: 1_800,
  });
  try {
    // With reconnects on, refused streams retry: wait for all, or until no more get in.
    await waitForPlateau(load, connectTimeoutMs(settings.streams));
    const before = load.status();
    log(
      `  storm: ${before.synced} of ${settings.streams} streams hold their put; restarting the edge`,
    );
    await sleep(2_000);
    const rssSteadyBytes = rssBytes(edge.memoryPids());
    let peak = 0;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        peak = Math.max(peak, rssBytes(edge.memoryPids()));
        await sleep(100);
      }
    })();
    const killedUs = nowMicros();
    await edge.stop(settings.signal);
    const readyz = probeReadyz(port);
    peak = 0;
    edge = await vexil.startEdge({
      ...settings.edge,
      port,
      maxStreams: Math.ceil(settings.streams * 1.1),
    });
    const readyUs = nowMicros();
    const cpuAtReady = { server: cpuSeconds(edge.cpuPids()), client: cpuSeconds(load.pids()) };
    const done = await load.waitFor(
      (s) => s.resynced >= before.synced && s.synced >= before.synced,
      settings.timeoutSeconds * 1000,
    );
    const after = load.status();
    const perStream = (seconds: number) => (seconds * 1e6) / Math.max(1, before.synced);
    const serverCpuPerReconnectUs = perStream(cpuSeconds(edge.cpuPids()) - cpuAtReady.server);
    const clientCpuPerReconnectUs = perStream(cpuSeconds(load.pids()) - cpuAtReady.client);
    sampling = false;
    await sampler;
    const latencies = await readyz.stop();
    const endUs = done ? after.lastSyncUs : nowMicros();
    await sleep(1_000);
    const result: StormResult = {
      streams: settings.streams,
      heldBefore: before.synced,
      signal: settings.signal,
      resynced: after.resynced,
      allResynced: done,
      resyncSeconds: (endUs - killedUs) / 1e6,
      resyncAfterReadySeconds: (endUs - readyUs) / 1e6,
      restartSeconds: (readyUs - killedUs) / 1e6,
      refusedDuringStorm: after.refused - before.refused,
      reconnectAttempts: after.reconnects - before.reconnects,
      rssSteadyBytes,
      rssPeakBytes: peak,
      rssAfterBytes: rssBytes(edge.memoryPids()),
      readyzProbes: latencies.length,
      readyzMaxMs: Math.max(0, ...latencies),
      readyzSlow: latencies.filter((ms) => ms > 1_000).length,
      serverProcesses: edge.memoryPids().length,
      serverCpuPerReconnectUs,
      clientCpuPerReconnectUs,
    };
    return result;
  } finally {
    await load.close();
    await edge.stop();
  }
}

/** Until every stream holds its put, or the count has not grown for 10 s (a cap refuses the rest). */
async function waitForPlateau(load: LoadGenerator, timeoutMs: number): Promise<void> {
  let best = -1;
  let since = Date.now();
  await load.waitFor((s) => {
    if (s.synced > best) {
      best = s.synced;
      since = Date.now();
    }
    return s.synced === s.target || Date.now() - since > 10_000;
  }, timeoutMs);
}
