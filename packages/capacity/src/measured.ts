import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';

// The figures the benchmarks measure, as they record them (`--record`) in `measured/*.json`,
// one file per benchmark, committed with the code. The model reads nothing else: a new
// measurement changes every projection, and the model's test checks that it still reproduces
// the benchmark runs these files describe.

export const MEASURED_DIR = fileURLToPath(new URL('../../measured/', import.meta.url));

export interface Machine {
  readonly cores: number;
  readonly memoryGiB: number;
  readonly cpu: string;
  readonly node: string;
}

export interface Recorded {
  /** ISO time of the run. */
  readonly date: string;
  readonly machine: Machine;
  /** The command that produced the figures (for BENCHMARKS.md). */
  readonly command: string;
}

export interface Quantiles {
  readonly p50: number;
  readonly p99: number;
}

/** One fan-out size: N streams on one edge node, one change at a time. */
export interface FanoutSize {
  readonly streams: number;
  readonly workers: number;
  readonly connectsPerSecond: number;
  /** CPU (user + system) per stream connected: the edge's, and the load generator's. */
  readonly serverCpuPerConnectUs: number;
  readonly clientCpuPerConnectUs: number;
  readonly bytesPerStream: number;
  /** RSS of the edge's processes (primary and workers) before any stream. */
  readonly idleRssBytes: number;
  /** CPU per event delivered: the edge's, and the load generator's reading it. */
  readonly serverCpuPerMessageUs: number;
  readonly clientCpuPerMessageUs: number;
  /** Latency from the API write to the first stream, and the p50/p99 over all streams (ms). */
  readonly firstMs: number;
  readonly latencyMs: Quantiles;
}

export interface Storm {
  readonly streams: number;
  readonly workers: number;
  /** From the kill until the restarted edge answered `/readyz`. */
  readonly restartSeconds: number;
  /** From then until the last stream had its `put` again. */
  readonly resyncAfterReadySeconds: number;
  readonly totalSeconds: number;
}

export interface FanoutRecord extends Recorded {
  /** A change's `patch` event and a new stream's `put` event, bytes of data. */
  readonly patchBytes: number;
  readonly putBytes: number;
  readonly sizes: readonly FanoutSize[];
  readonly storm?: Storm;
}

/** One run of the distributed benchmark: origin, 3-node NATS (R3), E edges, N streams. */
export interface DistributedRun {
  /** The command that produced this run (the record's own is the latest run's). */
  readonly command: string;
  readonly streams: number;
  readonly edges: number;
  readonly edgeWorkers: number;
  readonly changes: number;
  /** The API's answer (the commit), and the first and last stream's patch, ms from the write. */
  readonly apiAnswerMs: Quantiles;
  readonly firstStreamMs: Quantiles;
  readonly lastStreamMs: Quantiles;
  /** CPU per change: each edge process (mean), the origin, all NATS nodes, PostgreSQL. */
  readonly edgeCpuPerChangeUs: number;
  readonly originCpuPerChangeUs: number;
  readonly natsCpuPerChangeUs: number;
  readonly postgresCpuPerChangeUs: number;
}

export interface DistributedRecord extends Recorded {
  readonly runs: readonly DistributedRun[];
}

/** NATS JetStream alone: a change-sized message published to an R3 stream, read by consumers. */
export interface BusRecord extends Recorded {
  readonly messageBytes: number;
  readonly replicas: number;
  readonly nodes: number;
  readonly publishedPerSecond: number;
  readonly natsCpuPerPublishUs: number;
  readonly consumers: number;
  readonly deliveredPerSecond: number;
  readonly natsCpuPerDeliveryUs: number;
  /** Publish to delivery at one consumer, at a low rate (ms). */
  readonly latencyMs: Quantiles;
}

export interface TenantsRecord extends Recorded {
  readonly environments: number;
  readonly flagsPerEnvironment: number;
  readonly heapPerEnvironmentBytes: number;
  readonly coldEdgeReadySeconds: number;
  /** A new or rotated key served by every edge (ms). */
  readonly keyChangeMs: Quantiles;
}

export interface EvalRecord extends Recorded {
  /** One flag evaluated for an already parsed context, on one core. */
  readonly evaluationsPerSecond: number;
}

export interface Measurements {
  readonly fanout: FanoutRecord;
  readonly distributed: DistributedRecord;
  readonly bus: BusRecord;
  readonly tenants: TenantsRecord;
  readonly eval: EvalRecord;
}

export type MeasurementName = keyof Measurements;
const NAMES: readonly MeasurementName[] = ['fanout', 'distributed', 'bus', 'tenants', 'eval'];

/** The machine a benchmark runs on, for its record. */
export function thisMachine(): Machine {
  return {
    cores: availableParallelism(),
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    cpu: cpus()[0]?.model.trim() ?? 'unknown',
    node: process.version,
  };
}

/** One benchmark's record, or undefined if it was never recorded. */
export function readMeasurement<K extends MeasurementName>(
  name: K,
  dir = MEASURED_DIR,
): Measurements[K] | undefined {
  const path = `${dir}${name}.json`;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
  const value: unknown = JSON.parse(text);
  if (typeof value !== 'object' || value === null || !('machine' in value))
    throw new Error(`${path} is not a benchmark record`);
  return value as Measurements[K];
}

/** Every record, read from `dir`; a missing one is an error naming the benchmark to run. */
export function readMeasurements(dir = MEASURED_DIR): Measurements {
  const read = (name: MeasurementName) => {
    const record = readMeasurement(name, dir);
    if (record === undefined)
      throw new Error(`${dir}${name}.json is missing: run the ${name} benchmark with --record`);
    return record;
  };
  return Object.fromEntries(NAMES.map((n) => [n, read(n)])) as unknown as Measurements;
}

/** Writes a benchmark's record (the benchmarks call this with `--record`). */
export function writeMeasurement<K extends MeasurementName>(
  name: K,
  record: Measurements[K],
  dir = MEASURED_DIR,
): string {
  mkdirSync(dir, { recursive: true });
  const path = `${dir}${name}.json`;
  writeFileSync(path, `${JSON.stringify(record, null, 2)}\n`);
  return path;
}
