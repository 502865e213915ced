import { parseArgs } from 'node:util';
import { thisMachine, writeMeasurement } from '@vexil/capacity';
import { startTopology, type RoleProcess, type Topology } from '@vexil/testkit';
import { cpuSeconds, descendantsOf, rssBytes } from '../fanout/processes.js';
import { machine } from '../support/machine.js';
import { ms, summary } from '../support/stats.js';

// Many tenants in one deployment: origin on PostgreSQL, a 3-node NATS JetStream cluster and two
// edges, all on loopback. Creates `--environments` environments through the REST API (projects
// of `--per-project`, `--concurrency` requests at a time; the first `--flag-projects` projects
// get 5 flags each), then measures what an operator feels as the count grows: creation time,
// how soon a new key works on every edge, credential resolution (first and cached, known and
// unknown keys), how soon a key rotation reaches every edge, a new edge's cold start, memory per
// loaded environment and after eviction, and the CPU the origin and the edges burn while idle.

const { values } = parseArgs({
  options: {
    environments: { type: 'string', default: '5000' },
    'per-project': { type: 'string', default: '100' },
    'flag-projects': { type: 'string', default: '10' },
    concurrency: { type: 'string', default: '16' },
    'idle-seconds': { type: 'string', default: '30' },
    samples: { type: 'string', default: '200' },
    rotations: { type: 'string', default: '20' },
    'evict-seconds': { type: 'string', default: '20' },
    // Write the figures the fleet model reads (packages/capacity/measured/tenants.json).
    record: { type: 'boolean', default: false },
  },
});
const total = Number(values.environments);
const perProject = Number(values['per-project']);
const flagProjects = Number(values['flag-projects']);
const concurrency = Number(values.concurrency);
const idleSeconds = Number(values['idle-seconds']);
const samples = Number(values.samples);
const rotations = Number(values.rotations);
const evictSeconds = Number(values['evict-seconds']);

interface Created {
  readonly project: string;
  readonly key: string;
  readonly sdkKey: string;
  readonly id: string;
}

const log = (line: string) => process.stderr.write(`${line}\n`);
const sleep = (msToWait: number) => new Promise((resolve) => setTimeout(resolve, msToWait));

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
  await inParallel(
    Array.from({ length: projects }, (_, p) => async () => {
      await t.api.expect(201, 'POST', '/api/v1/projects', { key: `tenant-${p}`, name: `T${p}` });
      if (p < flagProjects)
        for (let f = 0; f < 5; f++)
          await t.api.expect(201, 'POST', `/api/v1/projects/tenant-${p}/flags`, {
            key: `flag-${f}`,
            variations: [{ value: true }, { value: false }],
          });
    }),
    concurrency,
  );
  let done = 0;
  // Round robin over the projects, as tenants sign up side by side: creating environments of
  // one project is serialized (it locks the project's environments).
  const jobs = Array.from({ length: total }, (_, i) => async () => {
    const project = `tenant-${i % projects}`;
    const key = `env-${Math.floor(i / projects)}`;
    const res = await t.api.expect(201, 'POST', `/api/v1/projects/${project}/environments`, {
      key,
      name: `Env ${i}`,
    });
    if (++done % 10_000 === 0) log(`  ${done} environments`);
    return { project, key, sdkKey: res.body.sdkKey as string, id: res.body.clientSideId as string };
  });
  return inParallel(jobs, concurrency);
}

async function status(url: string, key: string): Promise<number> {
  const res = await fetch(`${url}/sdk/latest-all`, { headers: { authorization: key } });
  await res.arrayBuffer();
  return res.status;
}

/** ms until `check` holds (polled every 2 ms), or undefined after `limitMs`. */
async function timeUntil(
  check: () => Promise<boolean>,
  limitMs = 30_000,
): Promise<number | undefined> {
  const started = performance.now();
  while (performance.now() - started < limitMs) {
    if (await check()) return performance.now() - started;
    await sleep(2);
  }
  return undefined;
}

/** The time of one `GET /sdk/latest-all` with `key`, and its status. */
async function timedGet(url: string, key: string): Promise<{ ms: number; status: number }> {
  const started = performance.now();
  const code = await status(url, key);
  return { ms: performance.now() - started, status: code };
}

/** One gauge or counter of an edge's /metrics, summed over its label sets. */
async function metric(url: string, name: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  let sum = 0;
  for (const line of text.split('\n'))
    if (line.startsWith(`${name} `) || line.startsWith(`${name}{`))
      sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  return sum;
}

/** A role's warnings and errors, distinct messages with their counts and first error. */
function trouble(role: RoleProcess): string[] {
  const counts = new Map<string, { n: number; err: string }>();
  for (const line of role.logs()) {
    if (line.level < 40) continue;
    const seen = counts.get(line.msg);
    const err = (line as { err?: { message?: string } }).err?.message ?? '';
    counts.set(line.msg, { n: (seen?.n ?? 0) + 1, err: seen?.err ?? err });
  }
  return [...counts].map(([msg, { n, err }]) => `${n} x ${msg}${err === '' ? '' : ` (${err})`}`);
}

const tree = (role: RoleProcess) =>
  role.pid === undefined ? [] : [role.pid, ...descendantsOf(role.pid)];
const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;

/** Timings of `key`'s first and repeated request on `url`, for each of `keys`. */
async function resolution(url: string, keys: readonly string[], expect: number) {
  const first: number[] = [];
  const again: number[] = [];
  let wrong = 0;
  for (const into of [first, again])
    for (const key of keys) {
      const r = await timedGet(url, key);
      if (r.status === expect) into.push(r.ms);
      else wrong++;
    }
  return { first: summary(first), again: summary(again), wrong };
}

/** Rotates SDK keys (no grace); per rotation, ms until every edge refuses the old and serves the new. */
async function rotate(t: Topology, edges: readonly string[], envs: readonly Created[]) {
  const took: number[] = [];
  let missed = 0;
  for (const env of envs) {
    for (const url of edges) await status(url, env.sdkKey); // cached on every edge
    const res = await t.api.expect(
      200,
      'POST',
      `/api/v1/projects/${env.project}/environments/${env.key}/keys/sdk/rotate`,
      {},
    );
    const fresh = res.body.sdkKey as string;
    const started = performance.now();
    const each = await Promise.all(
      edges.map((url) =>
        timeUntil(
          async () => (await status(url, env.sdkKey)) === 401 && (await status(url, fresh)) === 200,
        ),
      ),
    );
    if (each.some((m) => m === undefined)) missed++;
    else took.push(performance.now() - started);
  }
  return { took: summary(took), missed };
}

const topology = await startTopology({
  flags: 5,
  edges: 2,
  edgeWorkers: 1,
  relay: false,
  logLevel: 'warn',
});
try {
  const edgeUrls = topology.edges.map((e) => e.url);
  const started = performance.now();
  const created = await createEnvironments(topology);
  const createSeconds = (performance.now() - started) / 1000;
  log(`created ${created.length} environments in ${createSeconds.toFixed(1)} s`);

  const late = await topology.api.expect(201, 'POST', '/api/v1/projects/tenant-0/environments', {
    key: 'late-arrival',
    name: 'Late arrival',
  });
  const lateKey = late.body.sdkKey as string;
  const newKeyMs = await Promise.all(
    edgeUrls.map((url) => timeUntil(async () => (await status(url, lateKey)) === 200)),
  );

  const flagged = created.filter(
    (env) => Number(env.project.slice('tenant-'.length)) < flagProjects,
  );
  const picks = Array.from({ length: samples }, (_, i) => flagged[(i * 7919) % flagged.length]!);
  const known = await resolution(edgeUrls[0]!, [...new Set(picks.map((p) => p.sdkKey))], 200);
  const unknownKeys = Array.from({ length: samples }, (_, i) => `sdk-unknown-${i}-${Date.now()}`);
  const unknown = await resolution(edgeUrls[0]!, unknownKeys, 401);
  log('resolution measured');

  const rotated = await rotate(topology, edgeUrls, flagged.slice(-rotations));
  log('rotations measured');

  // A new edge: cold start, memory per loaded environment, eviction.
  const coldStarted = performance.now();
  const cold = await topology.startEdge('edge-cold', ['--environment-idle', String(evictSeconds)]);
  await cold.waitReady();
  const readyMs = performance.now() - coldStarted;
  const stream = await fetch(`${cold.url}/all`, { headers: { authorization: picks[0]!.sdkKey } });
  const reader = stream.body!.getReader();
  await reader.read();
  const firstStreamMs = performance.now() - coldStarted;
  await reader.cancel();
  await sleep(1_000);
  const coldTree = tree(cold);
  const heap = () => metric(cold.url, 'nodejs_heap_size_used_bytes');
  const rssBefore = rssBytes(coldTree);
  const heapBefore = await heap();
  const loaded = flagged.slice(0, Math.min(flagged.length, 1_000));
  await inParallel(
    loaded.map((env) => () => status(cold.url, env.sdkKey)),
    8,
  );
  const held = await metric(cold.url, 'vexil_edge_environments');
  await sleep(1_000);
  const rssLoaded = rssBytes(coldTree);
  const heapLoaded = await heap();
  log(`waiting ${evictSeconds} s for eviction`);
  const evictedMs = await timeUntil(
    async () => (await metric(cold.url, 'vexil_edge_environments')) === 0,
    (evictSeconds + 30) * 1000,
  );
  const rssEvicted = rssBytes(coldTree);
  const heapEvicted = await heap();

  const processes = {
    origin: tree(topology.origin),
    edges: topology.edges.flatMap((e) => tree(e)),
  };
  const before = { origin: cpuSeconds(processes.origin), edges: cpuSeconds(processes.edges) };
  await sleep(idleSeconds * 1000);
  const idle = {
    origin: (cpuSeconds(processes.origin) - before.origin) / idleSeconds,
    edgeEach: (cpuSeconds(processes.edges) - before.edges) / idleSeconds / edgeUrls.length,
  };
  const edgeRss = rssBytes(tree(topology.edges[0]!));

  const perEnvironment = (heapLoaded - heapBefore) / held;
  console.log('Many environments: origin (PostgreSQL) + 3-node NATS JetStream + 2 edges, loopback');
  console.log(`  ${new Date().toISOString()}  ${machine()}`);
  console.log(
    `  ${created.length} environments created through the API in ${createSeconds.toFixed(1)} s (${(created.length / createSeconds).toFixed(0)}/s, ${concurrency} at a time)`,
  );
  console.log(
    `  a new environment's SDK key served by every edge after ${newKeyMs.map((m) => (m === undefined ? 'NEVER' : ms(m))).join(', ')}`,
  );
  console.log(
    `  known key, GET /sdk/latest-all: first (lookup + load) p50 ${ms(known.first.p50)} p99 ${ms(known.first.p99)}; cached p50 ${ms(known.again.p50)} p99 ${ms(known.again.p99)}; wrong answers ${known.wrong}`,
  );
  console.log(
    `  unknown key (401): first p50 ${ms(unknown.first.p50)} p99 ${ms(unknown.first.p99)}; repeated p50 ${ms(unknown.again.p50)} p99 ${ms(unknown.again.p99)}; wrong answers ${unknown.wrong}`,
  );
  console.log(
    `  SDK key rotation until every edge refuses the old key and serves the new: p50 ${ms(rotated.took.p50)} p99 ${ms(rotated.took.p99)} max ${ms(rotated.took.max)} (${rotations} rotations, ${rotated.missed} missed)`,
  );
  console.log(
    `  new edge: ready after ${ms(readyMs)}, first stream event after ${ms(firstStreamMs)}`,
  );
  console.log(
    `  new edge, JS heap used (RSS): ${mib(heapBefore)} (${mib(rssBefore)}) ready, ${mib(heapLoaded)} (${mib(rssLoaded)}) with ${held} environments loaded, ${(perEnvironment / 1024).toFixed(1)} KiB of heap each (5 flags); ${mib(heapEvicted)} (${mib(rssEvicted)}) after ${evictedMs === undefined ? 'NOT all were evicted' : `all were evicted, ${ms(evictedMs)} into the wait`}`,
  );
  console.log(
    `  idle over ${idleSeconds} s: origin ${idle.origin.toFixed(3)} cores, each edge ${idle.edgeEach.toFixed(3)} cores; edge RSS ${mib(edgeRss)}`,
  );
  for (const line of trouble(topology.origin)) console.log(`  origin logged: ${line}`);
  console.log(
    JSON.stringify({
      benchmark: 'tenants',
      date: new Date().toISOString(),
      machine: machine(),
      environments: created.length,
      createSeconds,
      newKeyMs,
      knownKey: known,
      unknownKey: unknown,
      rotation: rotated,
      coldStart: { readyMs, firstStreamMs },
      memory: {
        held,
        perEnvironment,
        heap: { before: heapBefore, loaded: heapLoaded, evicted: heapEvicted },
        rss: { before: rssBefore, loaded: rssLoaded, evicted: rssEvicted },
        evictedMs,
      },
      idleCores: idle,
      edgeRssBytes: edgeRss,
      originTrouble: trouble(topology.origin),
    }),
  );
  if (values.record)
    log(
      `figures for the fleet model written to ${writeMeasurement('tenants', {
        date: new Date().toISOString(),
        machine: thisMachine(),
        command: `npm run bench:tenants -- ${process.argv.slice(2).join(' ')}`.trim(),
        environments: created.length,
        flagsPerEnvironment: 5,
        heapPerEnvironmentBytes: perEnvironment,
        coldEdgeReadySeconds: readyMs / 1000,
        keyChangeMs: { p50: rotated.took.p50, p99: rotated.took.p99 },
      })}`,
    );
} finally {
  await topology.stop();
}
