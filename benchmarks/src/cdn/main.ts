import { Agent, request } from 'node:http';
import { parseArgs } from 'node:util';
import { freePort, metric, scrape, startVarnish, type VarnishProcess } from '@vexil/testkit';
import { cpuSeconds, descendantsOf } from '../fanout/processes.js';
import { machine } from '../support/machine.js';
import { ms, summary } from '../support/stats.js';
import { startVexil, type VexilProcess } from '../support/vexil-process.js';

// The CDN tier (docs/cdn.md): server-side polling (`/sdk/latest-all`) of many environments,
// first against the edge directly, then through Varnish (deploy/varnish/vexil.vcl), with the
// same generator, connections and duration, while a writer changes flags; then purge-to-fresh:
// how long after a change's write a poll through Varnish first returns the new data. The edge
// is `vexil start` (the purger runs in it), everything on loopback.

const { values } = parseArgs({
  options: {
    environments: { type: 'string', default: '20' },
    flags: { type: 'string', default: '50' },
    connections: { type: 'string', default: '32' },
    seconds: { type: 'string', default: '10' },
    'changes-per-second': { type: 'string', default: '2' },
    purges: { type: 'string', default: '200' },
  },
});
const environments = Number(values.environments);
const flags = Number(values.flags);
const connections = Number(values.connections);
const seconds = Number(values.seconds);
const changesPerSecond = Number(values['changes-per-second']);
const purges = Number(values.purges);

const log = (line: string) => process.stderr.write(`${line}\n`);
const sleep = (msToWait: number) => new Promise((resolve) => setTimeout(resolve, msToWait));

interface Answer {
  readonly status: number;
  readonly cache: string | undefined;
  readonly body: string;
}

const agent = new Agent({ keepAlive: true, maxSockets: connections * 2 });

/** One GET on a kept-alive connection. */
function get(base: string, path: string, key: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(`${base}${path}`, { agent, headers: { authorization: key } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const cache = res.headers['x-vexil-cache'];
        resolve({
          status: res.statusCode ?? 0,
          cache: typeof cache === 'string' ? cache : undefined,
          body: Buffer.concat(chunks).toString('utf8'),
        });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

class Api {
  constructor(
    private readonly vexil: VexilProcess,
    private readonly project: string,
  ) {}

  async call(method: string, path: string, body?: unknown): Promise<Record<string, string>> {
    const res = await fetch(`${this.vexil.url}/api/v1${path}`, {
      method,
      headers: {
        authorization: `Bearer ${this.vexil.adminToken}`,
        'content-type': 'application/json',
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${text}`);
    return text === '' ? {} : (JSON.parse(text) as Record<string, string>);
  }

  toggle(env: string, flag: string, on: boolean): Promise<unknown> {
    return this.call('PATCH', `/projects/${this.project}/flags/${flag}`, [
      { op: 'replace', path: `/environments/${env}/on`, value: on },
    ]);
  }
}

interface Env {
  readonly key: string;
  readonly sdkKey: string;
}

async function setUp(api: Api, project: string): Promise<Env[]> {
  await api.call('POST', '/projects', { key: project, name: 'CDN benchmark' });
  for (let f = 0; f < flags; f++)
    await api.call('POST', `/projects/${project}/flags`, {
      key: `flag-${f}`,
      variations: [{ value: `variation-a-${f}` }, { value: `variation-b-${f}` }],
    });
  const envs: Env[] = [];
  for (let e = 0; e < environments; e++) {
    const created = await api.call('POST', `/projects/${project}/environments`, {
      key: `env-${e}`,
      name: `Env ${e}`,
    });
    envs.push({ key: created['key']!, sdkKey: created['sdkKey']! });
  }
  return envs;
}

interface LoadResult {
  readonly requests: number;
  readonly errors: number;
  readonly latencies: number[];
  readonly caches: Map<string, number>;
  readonly changes: number;
}

/** `connections` loops polling for `seconds`, round robin over the keys, while a writer writes. */
async function load(base: string, envs: readonly Env[], api: Api): Promise<LoadResult> {
  const deadline = Date.now() + seconds * 1000;
  const latencies: number[] = [];
  const caches = new Map<string, number>();
  let errors = 0;
  let next = 0;
  const loop = async () => {
    // Bounded by time, and by count as a backstop.
    for (let n = 0; Date.now() < deadline && n < 10_000_000; n++) {
      const env = envs[next++ % envs.length]!;
      const started = process.hrtime.bigint();
      const answer = await get(base, '/sdk/latest-all', env.sdkKey).catch(() => undefined);
      latencies.push(Number(process.hrtime.bigint() - started) / 1e6);
      if (answer?.status !== 200) errors++;
      const cache = answer?.cache ?? 'none';
      caches.set(cache, (caches.get(cache) ?? 0) + 1);
    }
  };
  let changes = 0;
  const writer = async () => {
    for (let n = 0; Date.now() < deadline && changesPerSecond > 0; n++) {
      await api.toggle(envs[n % envs.length]!.key, `flag-${n % flags}`, n % 2 === 0);
      changes++;
      await sleep(1000 / changesPerSecond);
    }
  };
  await Promise.all([...Array.from({ length: connections }, loop), writer()]);
  return { requests: latencies.length, errors, latencies, caches, changes };
}

/** CPU seconds each process group used while `run` ran, as cores. */
async function cores<T>(
  groups: Record<string, () => number[]>,
  run: () => Promise<T>,
): Promise<{ result: T; cores: string }> {
  const used = () => Object.values(groups).map((pids) => cpuSeconds(pids()));
  const before = used();
  const started = Date.now();
  const result = await run();
  const wall = (Date.now() - started) / 1000;
  const after = used();
  const names = Object.keys(groups);
  const text = names.map((n, i) => `${n} ${((after[i]! - before[i]!) / wall).toFixed(2)}`);
  return { result, cores: text.join(', ') };
}

function report(name: string, { result: r, cores: cpu }: { result: LoadResult; cores: string }) {
  const s = summary(r.latencies);
  const share = [...r.caches].map(([k, v]) => `${k} ${((100 * v) / r.requests).toFixed(2)}%`);
  log(
    `${name}: ${(r.requests / seconds).toFixed(0)} req/s, p50 ${ms(s.p50)}, p99 ${ms(s.p99)}, ` +
      `max ${ms(s.max)}, ${r.errors} errors, ${r.changes} changes; answers: ${share.join(', ')}; ` +
      `cores: ${cpu}`,
  );
}

/** `flag` in a latest-all body. */
const flagIn = (body: string, flag: string) =>
  (JSON.parse(body) as { flags: Record<string, { version: number; on: boolean }> }).flags[flag]!;

/** Write a change, then poll through Varnish until it shows: ms from before the write. */
async function purgeToFresh(varnish: VarnishProcess, api: Api, envs: readonly Env[]) {
  const samples: number[] = [];
  let polls = 0;
  for (let i = 0; i < purges; i++) {
    const env = envs[i % envs.length]!;
    const flag = `flag-${i % flags}`;
    // Cached first: the change has to get past a cached answer.
    let warm = await get(varnish.url, '/sdk/latest-all', env.sdkKey);
    for (let n = 0; warm.cache !== 'HIT' && n < 100; n++) {
      warm = await get(varnish.url, '/sdk/latest-all', env.sdkKey);
    }
    const before = flagIn(warm.body, flag);
    const wrote = process.hrtime.bigint();
    await api.toggle(env.key, flag, !before.on);
    for (let n = 0; ; n++) {
      if (n > 100_000) throw new Error(`${env.key}/${flag} never showed through Varnish`);
      polls++;
      const now = await get(varnish.url, '/sdk/latest-all', env.sdkKey);
      if (now.status === 200 && flagIn(now.body, flag).version > before.version) break;
    }
    samples.push(Number(process.hrtime.bigint() - wrote) / 1e6);
  }
  return { samples, polls };
}

/** A Prometheus histogram's cumulative buckets (`le` in seconds) and count, scraped now. */
async function histogram(url: string, name: string) {
  const samples = await scrape(url);
  const buckets = samples
    .filter((s) => s.name === `${name}_bucket`)
    .map((s) => ({ le: Number(s.labels['le']), count: s.value }))
    .sort((x, y) => x.le - y.le);
  return { count: metric(samples, `${name}_count`), buckets };
}

/** The p-th percentile's bucket bound of what a histogram observed between two scrapes. */
function percentileBetween(
  before: Awaited<ReturnType<typeof histogram>>,
  after: Awaited<ReturnType<typeof histogram>>,
  p: number,
): string {
  const total = after.count - before.count;
  const earlier = (le: number) => before.buckets.find((b) => b.le === le)?.count ?? 0;
  const bound = after.buckets.find((b) => b.count - earlier(b.le) >= (p / 100) * total)?.le;
  return bound === undefined ? 'n/a' : `≤ ${bound * 1000} ms`;
}

async function main(): Promise<void> {
  log(`machine: ${machine()}`);
  log(`date: ${new Date().toISOString()}`);
  const varnishPort = await freePort();
  const vexil = await startVexil([
    '--cdn-purge',
    `http://127.0.0.1:${varnishPort}/`,
    '--trust-proxy',
    '127.0.0.1',
  ]);
  const varnish = await startVarnish({
    port: varnishPort,
    backends: [{ port: Number(new URL(vexil.url).port) }],
  });
  try {
    const project = 'cdn-bench';
    const api = new Api(vexil, project);
    const envs = await setUp(api, project);
    const size = (await get(vexil.url, '/sdk/latest-all', envs[0]!.sdkKey)).body.length;
    log(
      `${environments} environments x ${flags} flags (latest-all ${size} bytes), ${connections} connections, ` +
        `${seconds} s each, ${changesPerSecond} changes/s`,
    );
    const groups = {
      edge: () => [vexil.child.pid!],
      varnish: () => [varnish.pid, ...descendantsOf(varnish.pid)],
      generator: () => [process.pid],
    };
    report('edge directly ', await cores(groups, () => load(vexil.url, envs, api)));
    await sleep(1000);
    report('through Varnish', await cores(groups, () => load(varnish.url, envs, api)));
    const lag = 'vexil_cdn_purge_lag_seconds';
    const failed = async () =>
      metric(await scrape(vexil.url), 'vexil_cdn_purges_total', { result: 'failed' });
    const failedBefore = await failed();
    const lagBefore = await histogram(vexil.url, lag);
    const fresh = await purgeToFresh(varnish, api, envs);
    const lagAfter = await histogram(vexil.url, lag);
    const s = summary(fresh.samples);
    log(
      `purge-to-fresh (write sent -> first new answer through Varnish), ${s.n} changes: ` +
        `p50 ${ms(s.p50)}, p90 ${ms(s.p90)}, p99 ${ms(s.p99)}, max ${ms(s.max)} (${fresh.polls} polls)`,
    );
    log(
      `purge lag of those changes (commit -> Varnish acknowledged, the purger's histogram): ` +
        `p50 ${percentileBetween(lagBefore, lagAfter, 50)}, p99 ${percentileBetween(lagBefore, lagAfter, 99)}; ` +
        `${(await failed()) - failedBefore} purges failed`,
    );
  } finally {
    agent.destroy();
    await varnish.stop();
    await vexil.stop();
  }
}

await main();
