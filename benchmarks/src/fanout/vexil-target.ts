import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NO_RATE_LIMITS } from '@vexil/testkit';
import { benchFlag, FLAG_KEY, markerValue } from './bench-flag.js';
import { startNats } from './nats-server.js';
import {
  descendantsOf,
  nowMicros,
  passThrough,
  removeAtExit,
  sleep,
  start,
  stop,
  waitForOutput,
} from './processes.js';
import type { ChangeSender, Target } from './target.js';

// Vexil as deployed: `vexil origin` (SQLite store) publishing to NATS JetStream, and `vexil edge`
// fed from NATS, serving the SDK streams.

const MAIN = fileURLToPath(new URL('../../../../apps/cli/dist/src/main.js', import.meta.url));

export interface VexilDeployment {
  readonly natsUrl: string;
  readonly originUrl: string;
  readonly environments: readonly { key: string; sdkKey: string }[];
  change: ChangeSender;
  /** A `patch` event's data for the benchmark flag, with `MARKER` where the marker goes. */
  patchPayload(): Promise<string>;
  /** The `put` event's data a new stream of environment 0 gets, with `MARKER` likewise. */
  putPayload(): Promise<string>;
  startEdge(options: EdgeStart): Promise<Target & { readonly edge: ChildProcess }>;
  close(): Promise<void>;
}

export interface EdgeStart {
  /** Port to bind (0 = any free port); a restarted edge takes its predecessor's port. */
  readonly port: number;
  readonly maxStreams: number;
  /** Passed as --workers when set; else the edge chooses. */
  readonly workers?: number;
  /** Directory for `node --cpu-prof` profiles of every edge process, when set. */
  readonly cpuProfDir?: string;
  /** Extra `vexil edge` arguments. */
  readonly extraArgs?: readonly string[];
}

export async function deployVexil(options: {
  environments: number;
  nats?: string;
  quiet: boolean;
}): Promise<VexilDeployment> {
  const dir = await mkdtemp(join(tmpdir(), 'vexil-fanout-'));
  removeAtExit(dir);
  const nats = await startNats(join(dir, 'nats'), options.nats);
  const adminToken = `vexil_bench_${randomBytes(16).toString('hex')}`;
  const origin = start(
    process.execPath,
    [
      MAIN,
      'origin',
      '--store',
      `sqlite:${join(dir, 'vexil.db')}`,
      '--bus',
      nats.url,
      '--port',
      '0',
      '--log-level',
      'warn',
      // The load generators all connect from 127.0.0.1: no per-address limits (nor per token:
      // the sustained run writes up to 500 changes a second with one).
      ...NO_RATE_LIMITS,
    ],
    { env: { ...process.env, VEXIL_ADMIN_TOKEN: adminToken } },
  );
  const banner = await waitForOutput(origin, /URL\s+http\S+/, 30_000, 'vexil origin');
  passThrough(origin, !options.quiet);
  const originUrl = /URL\s+(http\S+)/.exec(banner)![1]!;
  const api = apiClient(originUrl, adminToken);

  const project = `fanout-${randomBytes(3).toString('hex')}`;
  await api('POST', '/api/v1/projects', { key: project, name: 'Fan-out benchmark' });
  const environments: { key: string; sdkKey: string }[] = [];
  for (let i = 0; i < options.environments; i++) {
    const env = (await api('POST', `/api/v1/projects/${project}/environments`, {
      key: `e${i}`,
      name: `Environment ${i}`,
    })) as { sdkKey: string };
    environments.push({ key: `e${i}`, sdkKey: env.sdkKey });
  }
  await api('POST', `/api/v1/projects/${project}/flags`, benchFlag(environments.map((e) => e.key)));
  const { token: edgeToken } = (await api('POST', '/api/v1/tokens', {
    name: 'fanout-bench-edge',
    role: 'edge',
  })) as { token: string };

  const change: ChangeSender = async (marker, envIndex = 0) => {
    const env = environments[envIndex]!.key;
    const sentUs = nowMicros();
    await api('PATCH', `/api/v1/projects/${project}/flags/${FLAG_KEY}`, [
      {
        op: 'replace',
        path: `/environments/${env}/rules/0/clauses/0/values/0`,
        value: markerValue(marker),
      },
    ]);
    return sentUs;
  };

  /** A polling answer of environment 0 from the origin's own edge, once it has caught up with NATS. */
  const latest = async (path: string): Promise<string> => {
    const deadline = Date.now() + 15_000;
    for (;;) {
      const res = await fetch(`${originUrl}${path}`, {
        headers: { authorization: environments[0]!.sdkKey },
      });
      const body = await res.text();
      if (res.status === 200) return body;
      if (Date.now() > deadline) throw new Error(`${path} answered ${res.status}: ${body}`);
      await sleep(100);
    }
  };

  return {
    natsUrl: nats.url,
    originUrl,
    environments,
    change,
    async patchPayload() {
      const flag = await latest(`/sdk/latest-flags/${FLAG_KEY}`);
      return `{"path":"/flags/${FLAG_KEY}","data":${flag}}`.replace(/vexilmark-\d+/, 'MARKER');
    },
    async putPayload() {
      // FDv1's put is {"path":"/","data":<what /sdk/latest-all answers>}.
      const all = await latest('/sdk/latest-all');
      return `{"path":"/","data":${all}}`.replace(/vexilmark-\d+/, 'MARKER');
    },
    async startEdge(edgeOptions) {
      const nodeArgs =
        edgeOptions.cpuProfDir === undefined
          ? []
          : ['--cpu-prof', `--cpu-prof-dir=${edgeOptions.cpuProfDir}`];
      const edge = start(process.execPath, [
        ...nodeArgs,
        MAIN,
        'edge',
        '--bus',
        nats.url,
        '--origin',
        originUrl,
        '--token',
        edgeToken,
        '--port',
        String(edgeOptions.port),
        '--max-streams',
        String(edgeOptions.maxStreams),
        '--log-level',
        'warn',
        ...NO_RATE_LIMITS,
        ...(edgeOptions.workers === undefined ? [] : ['--workers', String(edgeOptions.workers)]),
        ...(edgeOptions.extraArgs ?? []),
      ]);
      const edgeBanner = await waitForOutput(edge, /URL\s+http\S+/, 30_000, 'vexil edge');
      passThrough(edge, !options.quiet);
      const url = /URL\s+(http\S+)/.exec(edgeBanner)![1]!;
      await waitReady(url, 30_000);
      const port = Number(new URL(url).port);
      // The banner names the workers; /proc also finds them (and any helper process).
      const pids = () => [edge.pid!, ...descendantsOf(edge.pid!)];
      return {
        name: 'vexil',
        edge,
        port,
        banner: edgeBanner.trim(),
        streamRequest: (envIndex = 0) => ({
          port,
          path: '/all',
          headers: [`Authorization: ${environments[envIndex]!.sdkKey}`],
        }),
        memoryPids: pids,
        cpuPids: pids,
        change,
        async stop(signal: NodeJS.Signals = 'SIGTERM') {
          await stop(edge, signal, 30_000);
        },
      };
    },
    async close() {
      await stop(origin);
      if (nats.child !== undefined) await stop(nats.child);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function waitReady(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const status = await fetch(`${url}/readyz`).then(
      (r) => r.status,
      () => 0,
    );
    if (status === 200) return;
    await sleep(100);
  }
  throw new Error(`${url}/readyz did not answer 200 within ${timeoutMs} ms`);
}

function apiClient(base: string, adminToken: string) {
  return async (method: string, path: string, body: unknown): Promise<unknown> => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const text = await res.text();
    if (res.status >= 300) throw new Error(`${method} ${path} answered ${res.status}: ${text}`);
    return text === '' ? undefined : JSON.parse(text);
  };
}
