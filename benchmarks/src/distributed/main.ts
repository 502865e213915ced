import { parseArgs } from 'node:util';
import {
  readMeasurement,
  thisMachine,
  writeMeasurement,
  type DistributedRun,
} from '@vexil/capacity';
import { startTopology, type Topology } from '@vexil/testkit';
import { cpuSeconds, descendantsOf, processesNamed } from '../fanout/processes.js';
import { machine } from '../support/machine.js';
import { ms, summary } from '../support/stats.js';
import { ClientPool } from './client-pool.js';
import { runNative } from './native-run.js';
import { monotonicMs } from './stream-set.js';

// Propagation in the distributed topology: origin on PostgreSQL, a 3-node NATS JetStream
// cluster (stream replicas 3) and 3 edges, all on loopback, with N FDv1 streams spread over the
// edges and held by a few client processes. Changes are made through the REST API one at a time
// (the next is sent once every stream has the previous one), each a PATCH of one flag's
// targeting. Each sample runs from the moment the PATCH is sent to the first and to the last of
// the N streams receiving the patch:
// HTTP -> validation -> PostgreSQL commit -> outbox -> JetStream (R3) -> edges -> SSE -> client.
// The streams are held by the C load generator (`--client native`, the default) or by
// @vexil/testkit's FDv1 client in Node processes (`--client node`), which also checks that no
// stream ever sees a version go backwards but costs far more CPU per event.

const { values } = parseArgs({
  options: {
    streams: { type: 'string', default: '1000' },
    changes: { type: 'string', default: '1000' },
    warmup: { type: 'string', default: '50' },
    flags: { type: 'string', default: '20' },
    edges: { type: 'string', default: '3' },
    // Three edges share this machine's cores: one process each, as an operator would size an
    // edge that has less than a core (`vexil edge` alone defaults to one worker per core).
    'edge-workers': { type: 'string', default: '1' },
    client: { type: 'string', default: 'native' },
    'client-processes': { type: 'string', default: '2' },
    'timeout-ms': { type: 'string', default: '10000' },
    // Write this run's figures for the fleet model (packages/capacity/measured/distributed.json),
    // replacing a recorded run with the same streams, edges and workers.
    record: { type: 'boolean', default: false },
  },
});
const streams = Number(values.streams);
const changes = Number(values.changes);
const warmup = Number(values.warmup);
const timeoutMs = Number(values['timeout-ms']);
const client = values.client;
if (client !== 'native' && client !== 'node') throw new Error('--client is native or node');
let processes = Number(values['client-processes']);
const edgeWorkers = Number(values['edge-workers']);
const workers = `--workers ${edgeWorkers} each`;

/** Every process of the deployment, by role, for CPU per change. */
function processGroups(t: Topology) {
  const tree = (pid: number | undefined) => (pid === undefined ? [] : [pid, ...descendantsOf(pid)]);
  return {
    edge: t.edges.flatMap((e) => tree(e.pid)),
    origin: tree(t.origin.pid),
    nats: t.natsNodes.flatMap((n) => (n.pid === undefined ? [] : [n.pid])),
    postgres: processesNamed('postgres'),
  };
}

const command = `npm run bench:distributed -- ${process.argv.slice(2).join(' ')}`.trim();

function record(run: DistributedRun): string {
  const previous = readMeasurement('distributed')?.runs ?? [];
  const same = (r: DistributedRun) =>
    r.streams === run.streams && r.edges === run.edges && r.edgeWorkers === run.edgeWorkers;
  return writeMeasurement('distributed', {
    date: new Date().toISOString(),
    machine: thisMachine(),
    command,
    runs: [...previous.filter((r) => !same(r)), run],
  });
}

const started = Date.now();
const topology = await startTopology({
  flags: Number(values.flags),
  edges: Number(values.edges),
  edgeWorkers,
  relay: false,
  logLevel: 'warn',
  heartbeatSeconds: 15,
});
const pool = client === 'node' ? new ClientPool(processes) : undefined;
try {
  let first: number[] = [];
  let last: number[] = [];
  let answered: number[] = [];
  let checks: string;
  let cpu: Record<string, number> | undefined;
  let edgeProcesses = 0;
  if (pool === undefined) {
    const run = await runNative(topology, {
      streams,
      warmup,
      changes,
      timeoutMs,
      log: (line) => console.error(line),
      cpu: () => {
        const groups = processGroups(topology);
        edgeProcesses = groups.edge.length;
        return Object.fromEntries(
          Object.entries(groups).map(([group, pids]) => [group, cpuSeconds(pids)]),
        );
      },
    });
    ({ first, last, answered } = run);
    cpu = run.cpuSeconds;
    processes = run.processes;
    checks = `streams cut ${run.disconnects} (ordering not checked by this client)`;
  } else {
    await pool.start(
      topology.sdkKey,
      topology.edges.map((e) => e.url),
      streams,
    );
    const { api, projectKey, environmentKey, flagKeys } = topology;
    const versions = new Map<string, number>();
    for (const key of flagKeys) versions.set(key, await pool.version(key));
    for (let i = 0; i < warmup + changes; i++) {
      const key = flagKeys[i % flagKeys.length]!;
      const { arrival } = await pool.expect(key, versions.get(key)!, timeoutMs);
      const sent = monotonicMs();
      const res = await api.call('PATCH', `/api/v1/projects/${projectKey}/flags/${key}`, [
        { op: 'replace', path: `/environments/${environmentKey}/salt`, value: `bench-${i}` },
      ]);
      const responded = monotonicMs();
      if (res.status !== 200)
        throw new Error(`PATCH answered ${res.status}: ${JSON.stringify(res.body)}`);
      const { first: a, last: b } = await arrival;
      versions.set(key, (versions.get(key) ?? 0) + 1);
      if (i >= warmup) {
        first.push(a - sent);
        last.push(b - sent);
        answered.push(responded - sent);
      }
    }
    const { violations, reconnects } = await pool.stop();
    checks = `out-of-order events ${violations}, stream reconnects ${reconnects}`;
  }
  const f = summary(first);
  const l = summary(last);
  const r = summary(answered);
  const date = new Date().toISOString();
  console.log('Distributed propagation: API write sent -> FDv1 streams received the patch');
  console.log(`  ${date}  ${machine()}`);
  console.log(
    `  origin (PostgreSQL) + 3-node NATS JetStream (R3) + ${topology.edges.length} edges (${workers}), loopback; ${streams} streams in ${processes} ${client} client process(es)`,
  );
  console.log(`  ${changes} changes through the API, one at a time, after ${warmup} warm-up`);
  console.log(
    `  first stream  p50 ${ms(f.p50)}   p90 ${ms(f.p90)}   p99 ${ms(f.p99)}   max ${ms(f.max)}`,
  );
  console.log(
    `  every stream  p50 ${ms(l.p50)}   p90 ${ms(l.p90)}   p99 ${ms(l.p99)}   max ${ms(l.max)}`,
  );
  console.log(
    `  (API answer   p50 ${ms(r.p50)}   p90 ${ms(r.p90)}   p99 ${ms(r.p99)}   max ${ms(r.max)}: the commit, for reference)`,
  );
  console.log(`  ${checks}, run ${((Date.now() - started) / 1000).toFixed(0)} s`);
  const perChange = (seconds = 0) => (seconds * 1e6) / changes;
  if (cpu !== undefined)
    console.log(
      `  CPU per change: edge ${perChange(cpu['edge'] ?? 0).toFixed(0)} µs (${edgeProcesses} processes), origin ${perChange(cpu['origin']).toFixed(0)} µs, NATS ${perChange(cpu['nats']).toFixed(0)} µs, PostgreSQL ${perChange(cpu['postgres']).toFixed(0)} µs`,
    );
  if (values.record) {
    if (cpu === undefined)
      throw new Error('--record needs --client native (it reads CPU per change)');
    const q = (s: { p50: number; p99: number }) => ({ p50: s.p50, p99: s.p99 });
    const path = record({
      command,
      streams,
      edges: topology.edges.length,
      edgeWorkers,
      changes,
      apiAnswerMs: q(r),
      firstStreamMs: q(f),
      lastStreamMs: q(l),
      edgeCpuPerChangeUs: perChange(cpu['edge']) / Math.max(1, edgeProcesses),
      originCpuPerChangeUs: perChange(cpu['origin']),
      natsCpuPerChangeUs: perChange(cpu['nats']),
      postgresCpuPerChangeUs: perChange(cpu['postgres']),
    });
    console.error(`figures for the fleet model written to ${path}`);
  }
  console.log(
    JSON.stringify({
      benchmark: 'propagation-distributed',
      date,
      machine: machine(),
      streams,
      client,
      clientProcesses: processes,
      edges: topology.edges.length,
      edgeWorkers,
      changes,
      firstStream: f,
      lastStream: l,
      apiAnswer: r,
      checks,
    }),
  );
} finally {
  pool?.kill();
  await topology.stop();
}
