import { calibrate, connectCostAt, propagationRun, type Calibration } from './calibration.js';
import type { Measurements } from './measured.js';

// The model run on the benchmarks' own set-ups, to be compared with what they measured. On the
// benchmark machine the servers and the load generators share the cores, so a delivered event
// costs the edge's CPU and the reader's; in a fleet (fleet.ts) the clients are elsewhere and
// only the edge's counts. Everything else is the same arithmetic as the fleet's.

/** How far a prediction may be from the measurement (a fraction of the measurement). */
export const TOLERANCE = 0.25;

export interface ReplayRow {
  readonly run: string;
  readonly figure: string;
  readonly unit: 'ms' | 's' | '/s';
  readonly measured: number;
  readonly predicted: number;
}

export const replayError = (row: ReplayRow) => (row.predicted - row.measured) / row.measured;

/** Wall time per event delivered on the benchmark machine, its cores shared with readers (µs). */
export function sharedMessageUs(c: Calibration): number {
  return (c.serverCpuPerMessageUs + c.clientCpuPerMessageUs) / c.benchCores;
}

/** Streams connected per second to a node holding `streams`, on the benchmark machine. */
function sharedConnectsPerSecond(c: Calibration, streams: number): number {
  const cost = connectCostAt(c, streams);
  return (c.benchCores * 1e6) / (cost.serverUs + cost.clientUs);
}

/**
 * One change to N streams: the first stream gets it after `firstMs`; the writes to the others
 * follow back to back at the machine's rate, so the q-quantile stream is the (q·N)-th write.
 */
export function fanoutLatencyMs(firstMs: number, streams: number, q: number, perMessageUs: number) {
  return firstMs + (q * streams * perMessageUs) / 1000;
}

export function replay(m: Measurements): ReplayRow[] {
  const c = calibrate(m);
  const rows: ReplayRow[] = [];
  const perMessage = sharedMessageUs(c);
  for (const size of m.fanout.sizes) {
    const run = `fan-out, ${size.streams.toLocaleString('en-US')} streams`;
    rows.push(
      {
        run,
        figure: 'connects',
        unit: '/s',
        measured: size.connectsPerSecond,
        predicted: sharedConnectsPerSecond(c, size.streams),
      },
      {
        run,
        figure: 'p50',
        unit: 'ms',
        measured: size.latencyMs.p50,
        predicted: fanoutLatencyMs(c.firstDeliveryMs, size.streams, 0.5, perMessage),
      },
      {
        run,
        figure: 'p99',
        unit: 'ms',
        measured: size.latencyMs.p99,
        predicted: fanoutLatencyMs(c.firstDeliveryMs, size.streams, 0.99, perMessage),
      },
    );
  }
  const storm = m.fanout.storm;
  if (storm !== undefined) {
    const run = `reconnect storm, ${storm.streams.toLocaleString('en-US')} streams`;
    const resync = storm.streams / sharedConnectsPerSecond(c, storm.streams);
    rows.push(
      {
        run,
        figure: 're-sync after ready',
        unit: 's',
        measured: storm.resyncAfterReadySeconds,
        predicted: resync,
      },
      {
        run,
        figure: 'kill to all re-synced',
        unit: 's',
        measured: storm.totalSeconds,
        predicted: c.restartSeconds + resync,
      },
    );
  }
  const d = propagationRun(m.distributed.runs);
  const run = `distributed, ${d.edges} edges, ${d.streams.toLocaleString('en-US')} streams`;
  const fanoutMs = (d.streams * perMessage) / 1000;
  const first = (q: 'p50' | 'p99') => c.commitMs[q] + c.busHopMs[q];
  rows.push(
    {
      run,
      figure: 'first stream p50',
      unit: 'ms',
      measured: d.firstStreamMs.p50,
      predicted: first('p50'),
    },
    {
      run,
      figure: 'first stream p99',
      unit: 'ms',
      measured: d.firstStreamMs.p99,
      predicted: first('p99'),
    },
    {
      run,
      figure: 'last stream p50',
      unit: 'ms',
      measured: d.lastStreamMs.p50,
      predicted: first('p50') + fanoutMs,
    },
    {
      run,
      figure: 'last stream p99',
      unit: 'ms',
      measured: d.lastStreamMs.p99,
      predicted: first('p99') + fanoutMs,
    },
  );
  return rows;
}
