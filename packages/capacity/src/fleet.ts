import type { Calibration } from './calibration.js';
import type { Quantiles } from './measured.js';
import { fanoutLatencyMs } from './replay.js';

// A fleet projected from the per-node figures: how many streams one edge node holds (the first
// of its memory, file and CPU bounds), how many edges each region needs to carry its SDKs and
// a lost region's, what the bus, the origin and PostgreSQL carry, how fast a change reaches
// SDKs and how long SDKs take to come back after an edge or a region is lost. Every figure per
// unit of work comes from the calibration; what is assumed is an input, with its default here
// and its reasoning in docs/scale.md.

export interface NodeSpec {
  readonly cores: number;
  readonly memoryGiB: number;
  /** Open files per process (`LimitNOFILE`): each stream is one. */
  readonly filesPerProcess: number;
}

export interface FleetInput {
  readonly clientSideSdks: number;
  readonly serverSideSdks: number;
  readonly regions: number;
  readonly changesPerSecond: number;
  readonly environments: number;
  readonly flagsPerEnvironment: number;
  /** Share of all SDKs in the largest environment (a popular app's production). */
  readonly largestEnvironmentShare: number;
  /** An edge node; an edge runs one worker per core. NATS nodes are the same machines. */
  readonly node: NodeSpec;
  /** Edge CPU kept free at steady state, with a lost region's SDKs already moved in. */
  readonly cpuTarget: number;
  readonly memoryTarget: number;
  /** One way, between the origin's region and another. */
  readonly interRegionMs: number;
  /** Until clients resolve a lost region's name to another (health checks plus DNS TTL). */
  readonly regionFailoverSeconds: number;
  /** An SDK's first reconnect delay after its stream ends (LaunchDarkly SDKs: 1 s, jittered). */
  readonly reconnectDelaySeconds: number;
  /** How long a client-side stream lives (a page view, an app in the foreground). */
  readonly clientSideSessionMinutes: number;
  readonly serverSideSessionHours: number;
  readonly heartbeatSeconds: number;
}

export const DEFAULT_FLEET: FleetInput = {
  clientSideSdks: 8_000_000,
  serverSideSdks: 2_000_000,
  regions: 3,
  changesPerSecond: 1_000,
  environments: 100_000,
  flagsPerEnvironment: 20,
  largestEnvironmentShare: 0.05,
  node: { cores: 16, memoryGiB: 64, filesPerProcess: 1_048_576 },
  cpuTarget: 0.5,
  memoryTarget: 0.8,
  interRegionMs: 40,
  regionFailoverSeconds: 60,
  reconnectDelaySeconds: 1,
  clientSideSessionMinutes: 10,
  serverSideSessionHours: 24,
  heartbeatSeconds: 30,
};

/** Files a process keeps for itself (listening sockets, NATS, logs) below its limit. */
const FILE_RESERVE = 1_000;
/** The smallest NATS cluster that keeps three replicas of the change stream. */
const MIN_NATS_NODES = 3;
/**
 * NATS nodes in a region without the streams: JetStream on (leaf sites reach the domain
 * through it), and few, because the origin's region must hold a majority of the supercluster's
 * JetStream nodes for its meta group to survive another region's loss (docs/operations.md).
 */
const OTHER_REGION_NATS_NODES = 2;

export type Bound = 'memory' | 'files' | 'cpu';

export interface EdgeNode {
  readonly workers: number;
  /** Streams one node holds at its first bound, and which bound that is. */
  readonly maxStreams: number;
  readonly bound: Bound;
  /** Environments each process holds at the design load (SDKs spread evenly over them). */
  readonly environmentsPerProcess: number;
  readonly memoryGiB: {
    readonly streams: number;
    readonly environments: number;
    readonly base: number;
  };
  /** CPU in cores at the design load: fan-out, heartbeats, reconnects, applying changes. */
  readonly cores: {
    readonly fanout: number;
    readonly heartbeats: number;
    readonly connects: number;
    readonly apply: number;
  };
}

export interface Limit {
  readonly name: string;
  /** Used / available at the design load; above 1 it does not fit. */
  readonly utilization: number;
  /** Whether more nodes of the same kind lift it (edges do; one PostgreSQL primary does not). */
  readonly scalesOut: boolean;
  readonly note: string;
}

export interface FleetPlan {
  readonly input: FleetInput;
  readonly edge: EdgeNode;
  readonly edgesPerRegion: number;
  /**
   * Edges per region if a node held (and applied changes to) each environment once instead of
   * once per process.
   */
  readonly edgesPerRegionWithSharedEnvironments: number;
  readonly streamsPerEdge: { readonly normal: number; readonly afterRegionLoss: number };
  readonly nats: {
    readonly nodesPerRegion: number;
    readonly originRegionNodes: number;
    readonly deliveriesPerSecond: number;
    /** Bytes per second: into the stream (all replicas), out of it, and over the gateways. */
    readonly ingestBytes: number;
    readonly egressBytes: number;
    readonly crossRegionBytes: number;
    readonly cores: number;
  };
  readonly origin: {
    readonly processes: number;
    readonly cores: number;
    readonly postgresCores: number;
  };
  readonly nodes: {
    readonly edges: number;
    readonly nats: number;
    readonly origin: number;
    readonly total: number;
  };
  readonly propagationMs: {
    readonly typical: { readonly home: Quantiles; readonly remote: Quantiles };
    readonly largest: { readonly home: Quantiles; readonly remote: Quantiles };
  };
  readonly recoverySeconds: { readonly edgeLoss: number; readonly regionLoss: number };
  readonly limits: readonly Limit[];
  /** The limit closest to breaking among those more nodes cannot lift. */
  readonly breaksFirst: Limit;
}

/** Distinct environments among `streams` SDKs spread evenly at random over `environments`. */
export function environmentsHeld(streams: number, environments: number): number {
  return environments * -Math.expm1(-streams / environments);
}

interface NodeLoad {
  readonly memoryBytes: EdgeNode['memoryGiB'];
  readonly cores: EdgeNode['cores'];
  readonly environmentsPerProcess: number;
}

interface Mix {
  /** Edge CPU per event: a client-side stream also evaluates the changed flag for its context. */
  readonly perMessageUs: number;
  /** Edge CPU per stream connected: a client-side `put` evaluates every flag. */
  readonly connectUs: number;
  /** Streams that end and reconnect per second, per stream held. */
  readonly churnPerStream: number;
}

/** Per-stream costs for the fleet's mix of client-side and server-side SDKs. */
function mix(c: Calibration, f: FleetInput): Mix {
  const total = f.clientSideSdks + f.serverSideSdks;
  const client = total === 0 ? 0 : f.clientSideSdks / total;
  return {
    perMessageUs: c.serverCpuPerMessageUs + client * c.evaluationUs,
    connectUs: c.serverCpuPerConnectUs + client * f.flagsPerEnvironment * c.evaluationUs,
    churnPerStream:
      client / (f.clientSideSessionMinutes * 60) + (1 - client) / (f.serverSideSessionHours * 3600),
  };
}

/**
 * What `streams` SDKs (in the fleet's client/server mix) cost one edge node. Each worker holds
 * and updates the environments its streams use, and the primary holds them for its workers;
 * with `shared`, the node would hold each of its environments once.
 */
function nodeLoad(c: Calibration, f: FleetInput, streams: number, shared = false): NodeLoad {
  const workers = f.node.cores;
  const m = mix(c, f);
  const environmentsPerProcess = environmentsHeld(streams / workers, f.environments);
  // Copies of environments on the node, each taking heap and applying its changes.
  const copies = shared
    ? environmentsHeld(streams, f.environments)
    : (workers + 1) * environmentsPerProcess;
  const flagScale = f.flagsPerEnvironment / c.flagsPerMeasuredEnvironment;
  return {
    environmentsPerProcess,
    memoryBytes: {
      streams: streams * c.bytesPerStream,
      environments: copies * c.heapPerEnvironmentBytes * flagScale,
      base: (workers + 1) * c.baseProcessBytes,
    },
    cores: {
      fanout: (streams * (f.changesPerSecond / f.environments) * m.perMessageUs) / 1e6,
      heartbeats: ((streams / f.heartbeatSeconds) * c.serverCpuPerMessageUs) / 1e6,
      connects: (streams * m.churnPerStream * m.connectUs) / 1e6,
      apply: (f.changesPerSecond * (copies / f.environments) * c.edgeApplyCpuUs) / 1e6,
    },
  };
}

const sum = (o: Readonly<Record<string, number>>) => Object.values(o).reduce((a, b) => a + b, 0);
const GIB = 2 ** 30;

function fits(c: Calibration, f: FleetInput, streams: number, shared: boolean): Bound | undefined {
  if (streams / f.node.cores > f.node.filesPerProcess - FILE_RESERVE) return 'files';
  const load = nodeLoad(c, f, streams, shared);
  if (sum(load.memoryBytes) > f.node.memoryGiB * GIB * f.memoryTarget) return 'memory';
  if (sum(load.cores) > f.node.cores * f.cpuTarget) return 'cpu';
  return undefined;
}

/**
 * The most streams one node holds within its targets, and the bound that stops it; `shared`:
 * if the node held each environment once rather than once per process.
 */
export function edgeCapacity(
  c: Calibration,
  f: FleetInput,
  shared = false,
): { maxStreams: number; bound: Bound } {
  let low = 0;
  let high = 1e9;
  let bound: Bound = fits(c, f, high, shared) ?? 'files';
  while (high - low > 1) {
    const mid = Math.floor((low + high) / 2);
    const over = fits(c, f, mid, shared);
    if (over === undefined) low = mid;
    else [high, bound] = [mid, over];
  }
  return { maxStreams: low, bound };
}

/** Streams one node connects per second with the CPU it has spare. */
function connectRate(c: Calibration, f: FleetInput, spareCores: number): number {
  return (Math.max(spareCores, 0.05 * f.node.cores) * 1e6) / mix(c, f).connectUs;
}

export function projectFleet(c: Calibration, f: FleetInput): FleetPlan {
  const total = f.clientSideSdks + f.serverSideSdks;
  const { maxStreams, bound } = edgeCapacity(c, f);
  if (maxStreams === 0)
    throw new RangeError(
      `an edge node of ${f.node.cores} cores and ${f.node.memoryGiB} GiB cannot hold a single stream within its targets (its ${f.node.cores + 1} processes, the changes it applies): give it more memory or fewer cores`,
    );
  // Every region can carry a lost region's SDKs; a single region, the loss of one edge.
  const designPerRegion = f.regions > 1 ? total / (f.regions - 1) : total;
  const edgesFor = (capacity: number) =>
    Math.max(2, Math.ceil(designPerRegion / capacity) + (f.regions > 1 ? 0 : 1));
  const edgesPerRegion = edgesFor(maxStreams);
  const normal = total / f.regions / edgesPerRegion;
  const afterRegionLoss = designPerRegion / edgesPerRegion;
  const load = nodeLoad(c, f, afterRegionLoss);
  const normalLoad = nodeLoad(c, f, normal);
  const utilization = sum(normalLoad.cores) / f.node.cores;

  const edges = edgesPerRegion * f.regions;
  const deliveries = f.changesPerSecond * edges;
  const natsCores =
    (f.changesPerSecond * c.natsCpuPerChangeUs + deliveries * c.natsCpuPerDeliveryUs) / 1e6;
  // Every edge's consumer reads the stream where it lives, in the origin's region; its peers
  // (the replicas) are where those deliveries can be served from.
  const streamPeersCores = MIN_NATS_NODES * f.node.cores * f.cpuTarget;
  const originRegionNodes = Math.max(
    MIN_NATS_NODES,
    OTHER_REGION_NATS_NODES * (f.regions - 1) + 1,
    Math.ceil(natsCores / (f.node.cores * f.cpuTarget)),
  );
  const originCores = (f.changesPerSecond * c.originCpuPerChangeUs) / 1e6;
  const postgresCores = (f.changesPerSecond * c.postgresCpuPerChangeUs) / 1e6;
  const originProcesses = Math.max(2, Math.ceil(originCores / f.cpuTarget));
  const originNodes = Math.ceil(originProcesses / f.node.cores) + 2; // plus PostgreSQL, primary and standby

  const propagation = (sdksInEnvironment: number) => {
    const perWorker = sdksInEnvironment / f.regions / edgesPerRegion / f.node.cores;
    const stretch = 1 / Math.max(0.05, 1 - utilization);
    const q = (p: 'p50' | 'p99', quantile: number, remote: boolean) =>
      c.commitMs[p] +
      c.busHopMs[p] +
      (remote ? f.interRegionMs : 0) +
      fanoutLatencyMs(0, perWorker, quantile, mix(c, f).perMessageUs) * stretch;
    return {
      home: { p50: q('p50', 0.5, false), p99: q('p99', 0.99, false) },
      remote: { p50: q('p50', 0.5, true), p99: q('p99', 0.99, true) },
    };
  };
  const typicalSdks = (total * (1 - f.largestEnvironmentShare)) / Math.max(1, f.environments - 1);

  const spare = f.node.cores * (1 - utilization);
  const rate = connectRate(c, f, spare);
  const edgeLoss = f.reconnectDelaySeconds + normal / (edgesPerRegion - 1) / rate;
  const regionLoss =
    f.regionFailoverSeconds +
    f.reconnectDelaySeconds +
    (f.regions > 1 ? total / f.regions / ((f.regions - 1) * edgesPerRegion) / rate : Number.NaN);

  const limits: Limit[] = [
    {
      name: `edge node ${bound}`,
      utilization: afterRegionLoss / maxStreams,
      scalesOut: true,
      note: `${Math.round(afterRegionLoss).toLocaleString('en-US')} of ${maxStreams.toLocaleString('en-US')} streams per node after a region loss`,
    },
    {
      name: 'changes applied by an edge node',
      utilization: load.cores.apply / (f.node.cores * f.cpuTarget),
      scalesOut: true,
      note: 'each worker applies every change of the environments it holds; more nodes lift it only by holding fewer environments each',
    },
    {
      name: 'NATS: deliveries from the change stream',
      utilization: natsCores / streamPeersCores,
      scalesOut: false,
      note: `${Math.round(deliveries).toLocaleString('en-US')}/s, one per change per edge, served by the stream's ${MIN_NATS_NODES} peers`,
    },
    {
      name: 'PostgreSQL primary',
      utilization: postgresCores / (f.node.cores * f.cpuTarget),
      scalesOut: false,
      note: `${f.changesPerSecond.toLocaleString('en-US')} commits/s on one primary`,
    },
    {
      name: 'origin processes',
      utilization: originCores / (originProcesses * f.cpuTarget),
      scalesOut: true,
      note: `${originProcesses} processes`,
    },
  ];
  const fixed = limits.filter((l) => !l.scalesOut);
  const breaksFirst = fixed.reduce((a, b) => (b.utilization > a.utilization ? b : a));
  const natsNodes = originRegionNodes + (f.regions - 1) * OTHER_REGION_NATS_NODES;
  const toGiB = (b: number) => b / GIB;
  return {
    input: f,
    edge: {
      workers: f.node.cores,
      maxStreams,
      bound,
      environmentsPerProcess: load.environmentsPerProcess,
      memoryGiB: {
        streams: toGiB(load.memoryBytes.streams),
        environments: toGiB(load.memoryBytes.environments),
        base: toGiB(load.memoryBytes.base),
      },
      cores: load.cores,
    },
    edgesPerRegion,
    edgesPerRegionWithSharedEnvironments: edgesFor(edgeCapacity(c, f, true).maxStreams),
    streamsPerEdge: { normal, afterRegionLoss },
    nats: {
      nodesPerRegion: f.regions > 1 ? OTHER_REGION_NATS_NODES : 0,
      originRegionNodes,
      deliveriesPerSecond: deliveries,
      ingestBytes: f.changesPerSecond * c.patchBytes * MIN_NATS_NODES,
      egressBytes: deliveries * c.patchBytes,
      crossRegionBytes: f.changesPerSecond * c.patchBytes * edgesPerRegion * (f.regions - 1),
      cores: natsCores,
    },
    origin: { processes: originProcesses, cores: originCores, postgresCores },
    nodes: { edges, nats: natsNodes, origin: originNodes, total: edges + natsNodes + originNodes },
    propagationMs: {
      typical: propagation(typicalSdks),
      largest: propagation(total * f.largestEnvironmentShare),
    },
    recoverySeconds: { edgeLoss, regionLoss },
    limits,
    breaksFirst,
  };
}
