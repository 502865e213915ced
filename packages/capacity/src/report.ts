import type { FleetPlan } from './fleet.js';
import { replayError, TOLERANCE, type ReplayRow } from './replay.js';

// Text forms of the model's answers: the plan `vexil plan` prints, and the side-by-side table of
// benchmark runs the model reproduces (plain text or Markdown for BENCHMARKS.md).

const n = (v: number) => Math.round(v).toLocaleString('en-US');
const d = (v: number, digits = 1) => v.toFixed(digits);
const mb = (bytes: number) => `${d(bytes / 1e6)} MB/s`;
const pct = (v: number) => `${Math.round(v * 100)}%`;

function value(v: number, unit: ReplayRow['unit']): string {
  if (unit === '/s') return `${n(v)}/s`;
  return unit === 's' ? `${d(v)} s` : `${d(v)} ms`;
}

export function replayTable(rows: readonly ReplayRow[], markdown = false): string {
  const cells = rows.map((r) => {
    const e = replayError(r);
    return [
      r.run,
      r.figure,
      value(r.measured, r.unit),
      value(r.predicted, r.unit),
      `${e >= 0 ? '+' : ''}${Math.round(e * 100)}%`,
      Math.abs(e) <= TOLERANCE ? 'yes' : 'NO',
    ];
  });
  const head = ['run', 'figure', 'measured', 'model', 'error', `within ±${pct(TOLERANCE)}`];
  if (markdown)
    return [head, head.map(() => '---'), ...cells].map((c) => `| ${c.join(' | ')} |`).join('\n');
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  return [head, ...cells]
    .map((c) =>
      c
        .map((v, i) => v.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

export function planText(p: FleetPlan): string {
  const f = p.input;
  const e = p.edge;
  const prop = (q: { p50: number; p99: number }) => `p50 ${d(q.p50)} ms, p99 ${d(q.p99)} ms`;
  const cores = e.cores;
  return [
    `Fleet for ${n(f.clientSideSdks + f.serverSideSdks)} SDKs (${n(f.clientSideSdks)} client-side, ${n(f.serverSideSdks)} server-side) in ${f.regions} region(s)`,
    `  ${n(f.changesPerSecond)} changes/s over ${n(f.environments)} environments of ${f.flagsPerEnvironment} flags; largest environment ${pct(f.largestEnvironmentShare)} of SDKs`,
    `  edge node: ${f.node.cores} cores, ${f.node.memoryGiB} GiB, ${n(f.node.filesPerProcess)} files per process; CPU target ${pct(f.cpuTarget)}, memory target ${pct(f.memoryTarget)}`,
    '',
    'Edges',
    `  one node holds up to ${n(e.maxStreams)} streams (${e.workers} workers), bound by ${e.bound}`,
    `  ${p.edgesPerRegion} per region, ${p.nodes.edges} in all: ${n(p.streamsPerEdge.normal)} streams each` +
      (f.regions > 1
        ? `, ${n(p.streamsPerEdge.afterRegionLoss)} after a region is lost`
        : ' (one spare)'),
    `  (${p.edgesPerRegionWithSharedEnvironments} per region if a node kept one copy of each environment instead of one per process)`,
    `  after a region loss, per node: memory ${d(e.memoryGiB.streams)} GiB streams + ${d(e.memoryGiB.environments)} GiB environments (${n(e.environmentsPerProcess)} per process) + ${d(e.memoryGiB.base)} GiB processes`,
    `    CPU ${d(cores.fanout, 2)} fan-out + ${d(cores.heartbeats, 2)} heartbeats + ${d(cores.connects, 2)} reconnects + ${d(cores.apply, 2)} applying changes = ${d(cores.fanout + cores.heartbeats + cores.connects + cores.apply, 2)} of ${f.node.cores} cores`,
    '',
    'Bus (NATS JetStream)',
    `  ${n(p.nats.deliveriesPerSecond)} deliveries/s (every change to every edge), ${d(p.nats.cores, 2)} cores of NATS`,
    `  into the stream ${mb(p.nats.ingestBytes)} (3 replicas), out of it ${mb(p.nats.egressBytes)}, over the gateways ${mb(p.nats.crossRegionBytes)}`,
    `  ${p.nats.originRegionNodes} nodes in the origin's region, ${p.nats.nodesPerRegion} in each other region`,
    '',
    'Origin',
    `  ${p.origin.processes} origin processes (${d(p.origin.cores, 2)} cores for the writes), PostgreSQL ${d(p.origin.postgresCores, 2)} cores on the primary`,
    '',
    'Propagation, write to SDK',
    `  typical environment: origin's region ${prop(p.propagationMs.typical.home)}; other regions ${prop(p.propagationMs.typical.remote)}`,
    `  largest environment: origin's region ${prop(p.propagationMs.largest.home)}; other regions ${prop(p.propagationMs.largest.remote)}`,
    '',
    'Recovery, until every SDK streams again',
    `  one edge lost: ${d(p.recoverySeconds.edgeLoss)} s` +
      (f.regions > 1
        ? `    one region lost: ${d(p.recoverySeconds.regionLoss)} s (of which ${f.regionFailoverSeconds} s DNS failover)`
        : '    (one region: nothing to fail over to)'),
    '',
    `Nodes: ${p.nodes.edges} edges + ${p.nodes.nats} NATS + ${p.nodes.origin} origin and PostgreSQL = ${p.nodes.total}`,
    '',
    `Limits (used at the design load${f.regions > 1 ? ', after a region loss' : ''})`,
    ...p.limits.map(
      (l) =>
        `  ${pct(l.utilization).padStart(5)}  ${l.name}${l.scalesOut ? '' : ' (more nodes do not lift it)'}: ${l.note}`,
    ),
    `Breaks first: ${p.breaksFirst.name} (${pct(p.breaksFirst.utilization)})`,
  ].join('\n');
}
