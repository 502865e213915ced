import type { DistributedRun, Measurements, Quantiles } from './measured.js';

// The per-node figures the model runs on, each derived from one benchmark record. They are
// costs per unit of work (CPU per message, per connect, per change; bytes per stream, per
// environment) and fixed latencies, never the aggregate results (a fan-out's p99, a storm's
// duration) that the model is checked against in replay.ts.

export interface Calibration {
  /** Cores of the machine the benchmarks ran on (servers and load generators shared them). */
  readonly benchCores: number;
  /** Edge CPU per event written to a stream, and the benchmark client's CPU to read it. */
  readonly serverCpuPerMessageUs: number;
  readonly clientCpuPerMessageUs: number;
  /**
   * Edge CPU per stream connected (accept, head, authentication, the `put`), and the client's,
   * at each fan-out size: it grows with the processes sharing the cores (6 workers on 2 cores at
   * 100k streams), so each benchmark run is replayed with its own size's cost.
   */
  readonly connectCosts: readonly ConnectCost[];
  /** The highest edge CPU per connect measured: what a fleet's node is planned with. */
  readonly serverCpuPerConnectUs: number;
  readonly bytesPerStream: number;
  /** RSS of one edge process holding nothing (runtime, code, buffers). */
  readonly baseProcessBytes: number;
  /** A change's `patch` event (bytes of data): what one change weighs on the bus. */
  readonly patchBytes: number;
  /** Write to the first stream of a fan-out: the commit, the bus and one edge's write. */
  readonly firstDeliveryMs: number;
  /** A killed multi-process edge started again until `/readyz`, under a reconnect storm. */
  readonly restartSeconds: number;
  /** The commit (the API's answer to a PATCH), on PostgreSQL. */
  readonly commitMs: Quantiles;
  /** From the commit to the first stream of an edge with few streams: outbox, bus, edge apply. */
  readonly busHopMs: Quantiles;
  /**
   * CPU per change: each edge process applying it, the origin, NATS (all nodes: the replicated
   * publish and the directory, not the deliveries to edges), PostgreSQL.
   */
  readonly edgeApplyCpuUs: number;
  readonly originCpuPerChangeUs: number;
  readonly natsCpuPerChangeUs: number;
  readonly postgresCpuPerChangeUs: number;
  /** NATS CPU to deliver a change to one more edge's consumer (bench:bus). */
  readonly natsCpuPerDeliveryUs: number;
  /** Heap of one loaded environment, and the flags it held. */
  readonly heapPerEnvironmentBytes: number;
  readonly flagsPerMeasuredEnvironment: number;
  /** One flag evaluated for a parsed context (a client-side stream's work per changed flag). */
  readonly evaluationUs: number;
}

export interface ConnectCost {
  readonly streams: number;
  readonly serverUs: number;
  readonly clientUs: number;
}

/** The cost measured at the fan-out size nearest to `streams`. */
export function connectCostAt(c: Calibration, streams: number): ConnectCost {
  const nearest = [...c.connectCosts].sort(
    (a, b) => Math.abs(a.streams - streams) - Math.abs(b.streams - streams),
  )[0];
  if (nearest === undefined) throw new Error('no connect costs recorded');
  return nearest;
}

function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('median of nothing');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** The run with the fewest streams per edge: its edge CPU is the cost of applying a change. */
function applyRun(runs: readonly DistributedRun[]): DistributedRun {
  const sorted = [...runs].sort((a, b) => a.streams / a.edges - b.streams / b.edges);
  const run = sorted[0];
  if (run === undefined) throw new Error('the distributed record has no runs');
  return run;
}

/** The run with the most streams: the one the model must reproduce. */
export function propagationRun(runs: readonly DistributedRun[]): DistributedRun {
  const run = [...runs].sort((a, b) => b.streams - a.streams)[0];
  if (run === undefined) throw new Error('the distributed record has no runs');
  return run;
}

export function calibrate(m: Measurements): Calibration {
  const sizes = m.fanout.sizes;
  if (sizes.length === 0) throw new Error('the fan-out record has no sizes');
  const each = (pick: (s: (typeof sizes)[number]) => number) => median(sizes.map(pick));
  const apply = applyRun(m.distributed.runs);
  const storm = m.fanout.storm;
  if (storm === undefined) throw new Error('the fan-out record has no reconnect storm');
  return {
    benchCores: m.fanout.machine.cores,
    serverCpuPerMessageUs: each((s) => s.serverCpuPerMessageUs),
    clientCpuPerMessageUs: each((s) => s.clientCpuPerMessageUs),
    connectCosts: sizes.map((s) => ({
      streams: s.streams,
      serverUs: s.serverCpuPerConnectUs,
      clientUs: s.clientCpuPerConnectUs,
    })),
    serverCpuPerConnectUs: Math.max(...sizes.map((s) => s.serverCpuPerConnectUs)),
    bytesPerStream: each((s) => s.bytesPerStream),
    baseProcessBytes: each((s) => s.idleRssBytes / (s.workers + 1)),
    patchBytes: m.fanout.patchBytes,
    firstDeliveryMs: each((s) => s.firstMs),
    restartSeconds: storm.restartSeconds,
    commitMs: apply.apiAnswerMs,
    busHopMs: {
      p50: Math.max(0, apply.firstStreamMs.p50 - apply.apiAnswerMs.p50),
      p99: Math.max(0, apply.firstStreamMs.p99 - apply.apiAnswerMs.p99),
    },
    edgeApplyCpuUs: apply.edgeCpuPerChangeUs,
    originCpuPerChangeUs: apply.originCpuPerChangeUs,
    // Less the deliveries to that run's edges, which the model counts per edge.
    natsCpuPerChangeUs: Math.max(
      0,
      apply.natsCpuPerChangeUs - apply.edges * m.bus.natsCpuPerDeliveryUs,
    ),
    postgresCpuPerChangeUs: apply.postgresCpuPerChangeUs,
    natsCpuPerDeliveryUs: m.bus.natsCpuPerDeliveryUs,
    heapPerEnvironmentBytes: m.tenants.heapPerEnvironmentBytes,
    flagsPerMeasuredEnvironment: m.tenants.flagsPerEnvironment,
    evaluationUs: 1e6 / m.eval.evaluationsPerSecond,
  };
}
