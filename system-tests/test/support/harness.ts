import {
  Fdv1Client,
  fetchTransport,
  httpTransport,
  natsServerSkip,
  serviceSkip,
  startTopology,
  until,
  type Topology,
} from '@vexil/testkit';
import { converge, type ConvergenceResult } from './convergence.js';
import { SdkClient } from './sdk-clients.js';
import { Writer, type WriterOptions } from './writer.js';

// One distributed deployment per test file (testkit's topology: PostgreSQL schema, 3-node NATS
// cluster, origin, 3 edges, a relay chained to edge 1) with hundreds of FDv1 clients spread over
// the edges and the relay, a few real LaunchDarkly SDKs, a writer, a probe and the convergence
// check. `stop` kills everything, even after a failure. `Harness.around` wraps a deployment laid
// out otherwise (two regions), whose test places the clients itself.

/** Skip message on a laptop without PostgreSQL or nats-server; under CI=true they throw. */
export async function systemSkip(): Promise<string | undefined> {
  return (await serviceSkip('postgres')) ?? natsServerSkip();
}

export interface HarnessOptions {
  readonly flags?: number;
  /** Lightweight FDv1 clients (default 200). */
  readonly clients?: number;
  /** LaunchDarkly Node SDKs, on edge 1, edge 3 and the relay (default 3). */
  readonly sdks?: number;
  /**
   * Processes per edge node (`--workers`, default 1, not the one-per-core of `vexil edge`): on
   * a small test machine, four edges of three processes each would mostly test the scheduler.
   */
  readonly edgeWorkers?: number;
}

/** The flag the probe writes; the writer leaves it alone. */
const PROBE = 0;

export class Harness {
  readonly clients: Fdv1Client[] = [];
  readonly sdks: SdkClient[] = [];
  private readonly writers: Writer[] = [];
  private readonly deleted = new Set<string>();

  private constructor(readonly topology: Topology) {}

  static async start(options: HarnessOptions = {}): Promise<Harness> {
    const { flags = 50, clients = 200, sdks = 3, edgeWorkers = 1 } = options;
    const harness = new Harness(await startTopology({ flags, edgeWorkers }));
    try {
      const endpoints = harness.endpoints();
      const made: Fdv1Client[] = [];
      for (let i = 0; i < clients; i++) {
        const home = i % endpoints.length;
        made.push(harness.client(`c${i}`, [...endpoints.slice(home), ...endpoints.slice(0, home)]));
      }
      await harness.streaming(made);
      const { edges, relay } = harness.topology;
      const sdkEndpoints = [
        edges[0]!.url,
        edges[2]?.url ?? edges[0]!.url,
        relay?.url ?? edges[0]!.url,
      ];
      for (let i = 0; i < sdks; i++) {
        const endpoint = sdkEndpoints[i % sdkEndpoints.length]!;
        harness.sdks.push(await SdkClient.start(`ld-sdk-${i}`, harness.topology.sdkKey, endpoint));
      }
      return harness;
    } catch (e) {
      await harness.stop();
      throw e;
    }
  }

  /**
   * A harness around a deployment started otherwise (e.g. in two regions), with no clients yet:
   * the test adds them where it wants them. `stop` stops the topology too.
   */
  static around(topology: Topology): Harness {
    return new Harness(topology);
  }

  /** Edge 1..n, then the relay: where clients connect (the origin's embedded edge is not used). */
  endpoints(): string[] {
    const { edges, relay } = this.topology;
    return [...edges.map((e) => e.url), ...(relay === undefined ? [] : [relay.url])];
  }

  private client(
    name: string,
    endpoints: readonly string[],
    healthy?: (endpoint: string) => boolean,
  ): Fdv1Client {
    // Every other client reads over node:http rather than fetch: both HTTP stacks are covered,
    // and this process, which parses every event of every client, is less likely to starve
    // its own streams past their 3 s silence limit when a backlog arrives at once.
    const transport = this.clients.length % 2 === 0 ? fetchTransport : httpTransport;
    const client = new Fdv1Client({
      name,
      sdkKey: this.topology.sdkKey,
      endpoints,
      transport,
      ...(healthy === undefined ? {} : { healthy }),
    });
    this.clients.push(client);
    client.start();
    return client;
  }

  /**
   * More clients, with their own endpoint list (and the health checks of the load balancer it
   * models, Fdv1Client's `healthy`); resolves once they stream.
   */
  async addClients(
    count: number,
    endpoints: readonly string[],
    healthy?: (endpoint: string) => boolean,
  ): Promise<Fdv1Client[]> {
    const base = this.clients.length;
    const made = Array.from({ length: count }, (_, i) =>
      this.client(`c${base + i}`, endpoints, healthy),
    );
    await this.streaming(made);
    return made;
  }

  async streaming(clients: readonly Fdv1Client[], timeoutMs = 30_000): Promise<void> {
    await until(
      `${clients.length} clients to stream`,
      () => clients.every((c) => c.streaming),
      timeoutMs,
      50,
    ).catch((e: Error) => {
      const waiting = clients.filter((c) => !c.streaming);
      const why = waiting.slice(0, 5).map((c) => `${c.name} on ${c.endpoint}: ${c.lastReason}`);
      throw new Error(`${e.message}; ${waiting.length} not streaming:\n  ${why.join('\n  ')}`, {
        cause: e,
      });
    });
  }

  /** Resolves once every one of `clients` streams from another endpoint than `url`. */
  async streamingElsewhere(clients: readonly Fdv1Client[], url: string, timeoutMs = 30_000) {
    await until(
      `${clients.length} clients to stream from another endpoint than ${url}`,
      () => clients.every((c) => c.streaming && c.endpoint !== url),
      timeoutMs,
      20,
    );
  }

  /** Clients streaming from `url` now. */
  clientsOn(url: string): Fdv1Client[] {
    return this.clients.filter((c) => c.streaming && c.endpoint === url);
  }

  writer(options: Partial<WriterOptions> = {}): Writer {
    const { api, projectKey, environmentKey, flagKeys } = this.topology;
    const writer = new Writer({
      api,
      projectKey,
      environmentKey,
      flagKeys: flagKeys.filter((_, i) => i !== PROBE),
      deleted: this.deleted,
      ...options,
    });
    this.writers.push(writer);
    return writer.start();
  }

  /** Resolves once the writer has had `count` more writes accepted. */
  async writes(writer: Writer, count: number, timeoutMs = 60_000): Promise<void> {
    const target = writer.completed + count;
    await until(`${count} more accepted writes`, () => writer.completed >= target, timeoutMs, 20);
  }

  /**
   * Writes the probe flag through the API (retrying while the origin is away) and resolves
   * with the ms from sending it until every one of `clients` (default all) holds it.
   */
  async probe(timeoutMs = 90_000, clients: readonly Fdv1Client[] = this.clients): Promise<number> {
    const { api, projectKey, environmentKey, flagKeys } = this.topology;
    const key = flagKeys[PROBE]!;
    const sent = Date.now();
    let version: number | undefined;
    await until(
      'the probe write to be accepted',
      async () => {
        const res = await api
          .call('PATCH', `/api/v1/projects/${projectKey}/flags/${key}`, [
            { op: 'replace', path: `/environments/${environmentKey}/salt`, value: `p${sent}` },
          ])
          .catch(() => undefined);
        if (res?.status !== 200) return false;
        version = (
          await api.expect(
            200,
            'GET',
            `/api/v1/projects/${projectKey}/environments/${environmentKey}/data`,
          )
        ).body.flags[key].version as number;
        return true;
      },
      timeoutMs,
      100,
    );
    await until(
      `${clients.length} clients to hold ${key} version ${String(version)}`,
      () => clients.every((c) => (c.flags.get(key)?.version ?? 0) >= version!),
      timeoutMs,
      5,
    );
    return Date.now() - sent;
  }

  converge(timeoutMs = 60_000): Promise<ConvergenceResult> {
    return converge(this.topology, this.clients, this.sdks, timeoutMs);
  }

  /** How many streams each client has lost so far: a mark for `outagesSince`. */
  static mark(clients: readonly Fdv1Client[]): Map<Fdv1Client, number> {
    return new Map(clients.map((c) => [c, c.stats.outages.length]));
  }

  /**
   * Outages (ms) of the clients of `mark` since it was taken, and why those streams ended,
   * e.g. `silent for 3000 ms on edge-2 x50`.
   */
  outagesSince(mark: ReadonlyMap<Fdv1Client, number>): { ms: number[]; why: string } {
    const names = new Map(this.topology.roles().map((r) => [r.url, r.name]));
    const ms: number[] = [];
    const why = new Map<string, number>();
    for (const [client, from] of mark) {
      ms.push(...client.stats.outages.slice(from));
      for (const { endpoint, reason } of client.stats.losses.slice(from)) {
        const key = `${reason} on ${names.get(endpoint) ?? endpoint}`;
        why.set(key, (why.get(key) ?? 0) + 1);
      }
    }
    return { ms, why: [...why].map(([r, n]) => `${r} x${n}`).join(', ') || 'none' };
  }

  async stop(): Promise<void> {
    // A test that failed half-way leaves its writer running: stop it before its target goes.
    await Promise.all(this.writers.map((w) => w.stop({ abandon: true }).catch(() => undefined)));
    for (const sdk of this.sdks) sdk.close();
    await Promise.all(this.clients.map((c) => c.close()));
    await this.topology.stop();
  }
}
