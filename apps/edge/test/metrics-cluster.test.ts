import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { describe, test } from 'node:test';
import {
  ClusterMetrics,
  EDGE_METRICS as M,
  workerMetrics,
  type PrimaryChannel,
  type WorkerPort,
} from '@vexil/edge';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

// The metrics of a multi-process edge without processes: workers and primary joined by
// in-memory channels that copy every message as IPC would. A scrape on any worker gets every
// worker's metrics and the primary's, each metric summed, or taken the min or max of, as the
// catalogue says.

interface Link {
  readonly worker: PrimaryChannel;
  readonly port: WorkerPort & { connected: boolean };
}

/** A worker's `process` and the primary's `cluster.Worker` for it. */
function link(): Link {
  const toWorker = new EventEmitter();
  const toPrimary = new EventEmitter();
  const deliver = (target: EventEmitter, message: unknown) => {
    const copy = structuredClone(message);
    setImmediate(() => target.emit('message', copy));
    return true;
  };
  const port = {
    connected: true,
    send: (message: unknown) => deliver(toWorker, message),
    on: (event: 'message', listener: (message: unknown) => void) => toPrimary.on(event, listener),
    isConnected: () => port.connected,
  };
  return {
    worker: {
      on: (event, listener) => toWorker.on(event, listener),
      off: (event, listener) => toWorker.off(event, listener),
      send: (message) => deliver(toPrimary, message),
    },
    port,
  };
}

/** A registry with a few of the edge's metrics, as one process would have them. */
function processRegistry(streams: number, connected: number, applied: number[]): Registry {
  const registry = new Registry();
  const registers = [registry];
  new Gauge({ ...M.streams, registers }).set({ environment: 'e', protocol: 'fdv1' }, streams);
  new Counter({ ...M.connects, registers }).inc({ protocol: 'fdv1' }, streams);
  new Gauge({ ...M.upstreamConnected, registers }).set(connected);
  const histogram = new Histogram({ ...M.commitToApply, registers });
  for (const seconds of applied) histogram.observe(seconds);
  return registry;
}

function value(text: string, sample: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${sample} `));
  return line === undefined ? undefined : Number(line.slice(sample.length + 1));
}

describe('multi-process edge metrics', () => {
  test('a scrape on any worker sums every worker and the primary', async () => {
    const primary = new ClusterMetrics(processRegistry(0, 1, [0.5]));
    const links = [link(), link()];
    const workers = [
      workerMetrics(processRegistry(3, 1, [0.01, 0.02]), links[0]!.worker),
      workerMetrics(processRegistry(4, 0, [0.03]), links[1]!.worker),
    ];
    for (const l of links) primary.add(l.port);

    for (const worker of workers) {
      const text = await worker.scrape();
      assert.equal(value(text, `${M.streams.name}{environment="e",protocol="fdv1"}`), 7);
      assert.equal(value(text, `${M.connects.name}{protocol="fdv1"}`), 7);
      assert.equal(value(text, M.upstreamConnected.name), 0, 'the minimum over processes');
      // The primary's own apply is not a client-facing propagation: only the workers' count.
      assert.equal(value(text, `${M.commitToApply.name}_count`), 3);
    }
    for (const worker of workers) worker.close();
  });

  test('a worker that does not answer is left out after the timeout; one that exited at once', async () => {
    const primary = new ClusterMetrics(processRegistry(0, 1, []), { timeoutMs: 50 });
    const live = link();
    const silent = link();
    const gone = link();
    const worker = workerMetrics(processRegistry(2, 1, []), live.worker);
    for (const l of [live, silent, gone]) primary.add(l.port);
    gone.port.connected = false;
    const text = await worker.scrape();
    assert.equal(value(text, `${M.streams.name}{environment="e",protocol="fdv1"}`), 2);
    worker.close();
  });

  test('a worker without a primary fails its scrape instead of hanging', async () => {
    const lonely = link();
    const worker = workerMetrics(new Registry(), lonely.worker, 50);
    await assert.rejects(worker.scrape(), /no metrics in 50 ms/);
    worker.close();
  });
});
