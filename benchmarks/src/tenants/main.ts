import { parseArgs } from 'node:util';
import { startTopology, type Topology } from '@vexil/testkit';
import { cpuSeconds, descendantsOf, rssBytes } from '../fanout/processes.js';
import { machine } from '../support/machine.js';
import { ms, summary } from '../support/stats.js';

// Many tenants in one deployment: origin on PostgreSQL, a 3-node NATS JetStream cluster and one
// edge, all on loopback. Creates `--environments` environments through the REST API (projects
// of `--per-project`, `--concurrency` requests at a time), then measures what an operator feels
// as the count grows: how long creation takes, how long a new environment's SDK key takes to
// work on the edge, the first and a repeated request of existing environments on the edge, the
// CPU the origin and the edge burn while nothing happens, and the edge's memory.

const { values } = parseArgs({
  options: {
    environments: { type: 'string', default: '5000' },
    'per-project': { type: 'string', default: '100' },
    concurrency: { type: 'string', default: '16' },
    'idle-seconds': { type: 'string', default: '30' },
    samples: { type: 'string', default: '200' },
  },
});
const total = Number(values.environments);
const perProject = Number(values['per-project']);
const concurrency = Number(values.concurrency);
const idleSeconds = Number(values['idle-seconds']);
const samples = Number(values.samples);

interface Created {
  readonly sdkKey: string;
}

/** Runs `jobs` with at most `limit` at a time. */
async function inParallel<T>(jobs: readonly (() => Promise<T>)[], limit: number): Promise<T[]> {
  const out: T[] = new Array<T>(jobs.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < jobs.length; i = next++) out[i] = await jobs[i]!();
  };
  await Promise.all(Array.from({ length: Math.min(limit, jobs.length) }, worker));
  return out;
}

async function createEnvironments(t: Topology): Promise<Created[]> {
  const projects = Math.ceil(total / perProject);
  for (let p = 0; p < projects; p++)
    await t.api.expect(201, 'POST', '/api/v1/projects', { key: `tenant-${p}`, name: `T${p}` });
  const jobs = Array.from({ length: total }, (_, i) => async () => {
    const project = `tenant-${Math.floor(i / perProject)}`;
    const res = await t.api.expect(201, 'POST', `/api/v1/projects/${project}/environments`, {
      key: `env-${i % perProject}`,
      name: `Env ${i}`,
    });
    return { sdkKey: res.body.sdkKey as string };
  });
  return inParallel(jobs, concurrency);
}

/** ms until `key` gets a 200 from the edge's polling endpoint, or undefined after 60 s. */
async function untilServed(edgeUrl: string, key: string): Promise<number | undefined> {
  const started = performance.now();
  while (performance.now() - started < 60_000) {
    const res = await fetch(`${edgeUrl}/sdk/latest-all`, { headers: { authorization: key } });
    await res.arrayBuffer();
    if (res.status === 200) return performance.now() - started;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return undefined;
}

/** The origin's warnings and errors, distinct messages with their counts. */
function originTrouble(t: Topology): string[] {
  const counts = new Map<string, number>();
  for (const line of t.origin.logs())
    if (line.level >= 40) counts.set(line.msg, (counts.get(line.msg) ?? 0) + 1);
  return [...counts].map(([msg, n]) => `${n} x ${msg}`);
}

/** The time of one `GET /sdk/latest-all` with `key`, or undefined unless it answered 200. */
async function timedGet(edgeUrl: string, key: string): Promise<number | undefined> {
  const started = performance.now();
  const res = await fetch(`${edgeUrl}/sdk/latest-all`, { headers: { authorization: key } });
  await res.arrayBuffer();
  return res.status === 200 ? performance.now() - started : undefined;
}

const topology = await startTopology({
  flags: 5,
  edges: 1,
  edgeWorkers: 1,
  relay: false,
  logLevel: 'warn',
});
try {
  const edgeUrl = topology.edges[0]!.url;
  const started = performance.now();
  const created = await createEnvironments(topology);
  const createSeconds = (performance.now() - started) / 1000;
  process.stderr.write(`created ${created.length} environments in ${createSeconds.toFixed(1)} s\n`);

  // A new environment, and how long until the edge serves its key.
  const extra = await topology.api.expect(201, 'POST', '/api/v1/projects/tenant-0/environments', {
    key: 'late-arrival',
    name: 'Late arrival',
  });
  const newKeyMs = await untilServed(edgeUrl, extra.body.sdkKey as string);

  const picks = Array.from({ length: samples }, (_, i) => created[(i * 7919) % created.length]!);
  const first: number[] = [];
  const repeated: number[] = [];
  let refused = 0;
  for (const [into, counted] of [
    [first, true],
    [repeated, false],
  ] as const) {
    for (const env of picks) {
      const took = await timedGet(edgeUrl, env.sdkKey);
      if (took !== undefined) into.push(took);
      else if (counted) refused++;
    }
  }

  const tree = (pid: number | undefined) => (pid === undefined ? [] : [pid, ...descendantsOf(pid)]);
  const origin = tree(topology.origin.pid);
  const edge = tree(topology.edges[0]!.pid);
  const before = { origin: cpuSeconds(origin), edge: cpuSeconds(edge) };
  await new Promise((resolve) => setTimeout(resolve, idleSeconds * 1000));
  const idle = {
    origin: (cpuSeconds(origin) - before.origin) / idleSeconds,
    edge: (cpuSeconds(edge) - before.edge) / idleSeconds,
  };
  const edgeRss = rssBytes(edge);

  const f = summary(first);
  const r = summary(repeated);
  console.log('Many environments: origin (PostgreSQL) + 3-node NATS JetStream + 1 edge, loopback');
  console.log(`  ${new Date().toISOString()}  ${machine()}`);
  console.log(
    `  ${created.length} environments created through the API in ${createSeconds.toFixed(1)} s (${(created.length / createSeconds).toFixed(0)}/s, ${concurrency} at a time)`,
  );
  console.log(
    newKeyMs === undefined
      ? "  a new environment's SDK key: NOT served by the edge within 60 s"
      : `  a new environment's SDK key served by the edge after ${ms(newKeyMs)}`,
  );
  for (const line of originTrouble(topology)) console.log(`  origin logged: ${line}`);
  console.log(
    `  GET /sdk/latest-all, ${samples} environments: first p50 ${ms(f.p50)} p99 ${ms(f.p99)}; again p50 ${ms(r.p50)} p99 ${ms(r.p99)}; keys the edge refused: ${refused}`,
  );
  console.log(
    `  idle over ${idleSeconds} s: origin ${idle.origin.toFixed(3)} cores, edge ${idle.edge.toFixed(3)} cores; edge RSS ${(edgeRss / 2 ** 20).toFixed(0)} MiB`,
  );
  console.log(
    JSON.stringify({
      benchmark: 'tenants',
      date: new Date().toISOString(),
      machine: machine(),
      environments: created.length,
      createSeconds,
      newKeyMs: newKeyMs ?? null,
      originTrouble: originTrouble(topology),
      firstRequest: f,
      repeatedRequest: r,
      refusedKeys: refused,
      idleCores: idle,
      edgeRssBytes: edgeRss,
    }),
  );
} finally {
  await topology.stop();
}
