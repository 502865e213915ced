import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { accepts, freePort } from '../ports.js';
import { until } from '../until.js';
import { reapOnExit } from './reaper.js';
import { skipOrFail } from '../services.js';

// Real nats-server processes on loopback ports, for failover tests and the distributed
// benchmark: started and stopped by PID, each with its own store dir, all killed by `stopAll`
// in an `after` hook (and synchronously if the test process exits without running it). A single
// server, a cluster, or a supercluster of regional clusters joined by gateways.

export const NATS_SERVER_BINARY = process.env['VEXIL_TEST_NATS_SERVER'] ?? '/usr/sbin/nats-server';

/** Like `serviceSkip`: a skip message on a laptop without nats-server, a failure under CI=true. */
export function natsServerSkip(): string | undefined {
  if (existsSync(NATS_SERVER_BINARY)) return undefined;
  return skipOrFail(
    `${NATS_SERVER_BINARY} is not installed (apt-get install nats-server, or set VEXIL_TEST_NATS_SERVER)`,
  );
}

export interface ClusterPeer {
  readonly clusterPort: number;
  readonly routes: readonly number[];
  readonly clusterName: string;
}

export interface NatsServerOptions {
  readonly name: string;
  readonly port: number;
  readonly storeDir: string;
  readonly cluster?: ClusterPeer;
  /**
   * More settings, in nats-server's configuration format: those without a command-line flag
   * (gateways, accounts, server tags, a JetStream domain). Written to `<name>.conf` beside the
   * log and passed with `-c`; the flags (address, port, name, store dir, cluster) win over it.
   */
  readonly config?: string;
  /** The HTTP monitoring port (`-m`: /varz, /jsz, /gatewayz...), if any. */
  readonly monitorPort?: number;
}

export class NatsServerProcess {
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();

  constructor(readonly options: NatsServerOptions) {}

  get url(): string {
    return `nats://127.0.0.1:${this.options.port}`;
  }

  get running(): boolean {
    return this.child !== undefined;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** The server's log file (next to its store dir). */
  get logFile(): string {
    return join(this.options.storeDir, '..', `${this.options.name}.log`);
  }

  /** Its configuration file, when it has `config` (next to its store dir). */
  get configFile(): string {
    return join(this.options.storeDir, '..', `${this.options.name}.conf`);
  }

  /** Starts the server and waits until it accepts client connections. */
  async start(): Promise<void> {
    if (this.child !== undefined) throw new Error(`${this.options.name} is already running`);
    const { name, port, storeDir, cluster, config, monitorPort } = this.options;
    const args = ['-a', '127.0.0.1', '-p', String(port), '-n', name, '-js', '-sd', storeDir];
    args.push('-l', this.logFile);
    if (monitorPort !== undefined) args.push('-m', String(monitorPort));
    if (config !== undefined) {
      await writeFile(this.configFile, config);
      args.push('-c', this.configFile);
    }
    if (cluster !== undefined) {
      args.push('--cluster', `nats://127.0.0.1:${cluster.clusterPort}`);
      args.push('--cluster_name', cluster.clusterName);
      args.push('--routes', cluster.routes.map((p) => `nats://127.0.0.1:${p}`).join(','));
    }
    const child = spawn(NATS_SERVER_BINARY, args, { stdio: 'ignore' });
    this.child = child;
    this.exited = new Promise((resolve) => {
      child.once('exit', () => {
        if (this.child === child) this.child = undefined;
        resolve();
      });
    });
    await until(`${name} to accept connections on ${port}`, async () => {
      if (this.child !== child) throw new Error(`${name} exited at start (see ${this.logFile})`);
      return accepts(port);
    });
  }

  /** A monitoring endpoint's JSON (`/jsz`), or undefined without an answer (or a port). */
  async monitor(path: string): Promise<Record<string, unknown> | undefined> {
    const { monitorPort } = this.options;
    if (monitorPort === undefined || this.child === undefined) return undefined;
    try {
      const res = await fetch(`http://127.0.0.1:${monitorPort}${path}`, {
        signal: AbortSignal.timeout(1_000),
      });
      return res.ok ? ((await res.json()) as Record<string, unknown>) : undefined;
    } catch {
      return undefined;
    }
  }

  /** Stops the server by PID and waits until it has exited. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const child = this.child;
    if (child === undefined) return;
    if (signal !== 'SIGKILL') child.kill('SIGCONT');
    child.kill(signal);
    await this.exited;
  }

  /** Sends a signal that does not end the process (SIGSTOP, SIGCONT). */
  signal(signal: NodeJS.Signals): void {
    this.child?.kill(signal);
  }

  /** Synchronous last resort for a test process that exits without its `after` hooks. */
  killNow(): void {
    this.child?.kill('SIGKILL');
  }

  async restart(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    await this.stop(signal);
    await this.start();
  }
}

/** A temporary directory holding each server's store dir and log, removed by `stopAll`. */
export class NatsServers {
  readonly servers: NatsServerProcess[] = [];
  private root: string | undefined;
  private readonly unreap = reapOnExit(() => {
    for (const server of this.servers) server.killNow();
  });

  private async dir(): Promise<string> {
    this.root ??= await mkdtemp(join(tmpdir(), 'vexil-nats-'));
    return this.root;
  }

  /** A single server, started unless `start` is false. */
  async single(name: string, start = true): Promise<NatsServerProcess> {
    const server = new NatsServerProcess({
      name,
      port: await freePort(),
      storeDir: join(await this.dir(), name),
    });
    this.servers.push(server);
    if (start) await server.start();
    return server;
  }

  /** `size` servers routed into one cluster, JetStream on each (replicas need them all up). */
  async cluster(size = 3, clusterName = 'vexil-test'): Promise<NatsServerProcess[]> {
    const root = await this.dir();
    const clusterPorts = await Promise.all(Array.from({ length: size }, () => freePort()));
    const nodes: NatsServerProcess[] = [];
    for (let i = 0; i < size; i++) {
      const name = `c${i + 1}`;
      nodes.push(
        new NatsServerProcess({
          name,
          port: await freePort(),
          storeDir: join(root, name),
          cluster: {
            clusterPort: clusterPorts[i]!,
            routes: clusterPorts.filter((_, j) => j !== i),
            clusterName,
          },
        }),
      );
    }
    this.servers.push(...nodes);
    await Promise.all(nodes.map((n) => n.start()));
    return nodes;
  }

  /**
   * Regions joined by gateways, laid out as deploy/nats/supercluster lays them out: each region
   * a cluster of its own nodes (`<region>-1`...) whose cluster name is also its gateway name,
   * JetStream on every node in one domain, a system account, and a `region:<name>` server tag.
   * A stream goes to the cluster of the client that creates it, unless placed by tag.
   */
  async supercluster(regions: readonly NatsRegionOptions[]): Promise<NatsRegion[]> {
    const root = await this.dir();
    const size = regions.reduce((n, r) => n + r.nodes, 0);
    const ports = await freePorts(4 * size);
    const take = (n: number) => ports.splice(0, n);
    const laid = regions.map((r) => ({
      name: r.name,
      client: take(r.nodes),
      cluster: take(r.nodes),
      gateway: take(r.nodes),
      monitor: take(r.nodes),
    }));
    const gateways = laid.map((r) => ({ name: r.name, ports: r.gateway }));
    const out = laid.map((r) => ({
      name: r.name,
      nodes: r.client.map((port, i) => {
        const name = `${r.name}-${i + 1}`;
        return new NatsServerProcess({
          name,
          port,
          storeDir: join(root, name),
          cluster: {
            clusterPort: r.cluster[i]!,
            // Itself included, as deploy/nats lists them: with its own route left out (as in
            // `cluster`), a 3 + 3 supercluster's nodes never agreed on one JetStream meta leader.
            routes: r.cluster,
            clusterName: r.name,
          },
          config: superclusterConfig(r.name, r.gateway[i]!, gateways),
          monitorPort: r.monitor[i]!,
        });
      }),
    }));
    const nodes = out.flatMap((r) => r.nodes);
    this.servers.push(...nodes);
    await Promise.all(nodes.map((n) => n.start()));
    await superclusterFormed(out);
    return out;
  }

  /** Kills every server still running and removes their directories. */
  async stopAll(): Promise<void> {
    this.unreap();
    await Promise.all(this.servers.map((s) => s.stop('SIGKILL')));
    if (this.root !== undefined) await rm(this.root, { recursive: true, force: true });
  }
}

export interface NatsRegionOptions {
  /** The region's name: its cluster's, its gateway's and its server tag's (`region:<name>`). */
  readonly name: string;
  readonly nodes: number;
}

/** One region of a supercluster and its nodes. */
export interface NatsRegion {
  readonly name: string;
  readonly nodes: readonly NatsServerProcess[];
}

/** The supercluster's one JetStream domain, as in deploy/nats/supercluster. */
export const SUPERCLUSTER_DOMAIN = 'vexil';

/**
 * A supercluster node's settings that have no command-line flag, as in
 * deploy/nats/supercluster/<region>.conf: the placement tag, the system account that gateways
 * need (clients stay in the default account, without credentials), the JetStream domain, and
 * the gateway listing every region, its own included.
 */
export function superclusterConfig(
  region: string,
  gatewayPort: number,
  gateways: readonly { readonly name: string; readonly ports: readonly number[] }[],
): string {
  const list = gateways.map((g) => ({
    name: g.name,
    urls: g.ports.map((p) => `nats://127.0.0.1:${p}`),
  }));
  return [
    `server_tags: ${JSON.stringify([`region:${region}`])}`,
    'accounts { SYS: {} }',
    'system_account: SYS',
    `jetstream { domain: ${SUPERCLUSTER_DOMAIN} }`,
    'gateway {',
    `  name: ${JSON.stringify(region)}`,
    `  listen: "127.0.0.1:${gatewayPort}"`,
    `  gateways: ${JSON.stringify(list)}`,
    '}',
    '',
  ].join('\n');
}

/** `count` distinct free ports (freePort alone may hand out one twice in a row). */
async function freePorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) ports.add(await freePort());
  return [...ports];
}

/**
 * Waits until every node has a gateway to every other region and names the same JetStream meta
 * leader, in a meta group of all the nodes: until then a region may follow a leader of its own,
 * and streams created meanwhile can vanish when the groups meet (the origin's came and went for
 * half a minute while the routes were wrong).
 */
async function superclusterFormed(regions: readonly NatsRegion[], timeoutMs = 60_000) {
  const nodes = regions.flatMap((r) => r.nodes);
  let last = '';
  await until(
    'the supercluster to form (gateways, one JetStream meta leader)',
    async () => {
      const states = await Promise.all(
        nodes.map(async (n) => {
          const [gatewayz, jsz] = await Promise.all([n.monitor('/gatewayz'), n.monitor('/jsz')]);
          const meta = jsz?.['meta_cluster'] as
            { leader?: string; cluster_size?: number } | undefined;
          const outbound = Object.keys((gatewayz?.['outbound_gateways'] ?? {}) as object);
          return { leader: meta?.leader, size: meta?.cluster_size, gateways: outbound.length };
        }),
      );
      last = JSON.stringify(states);
      return states.every(
        (s) =>
          s.leader !== undefined &&
          s.leader === states[0]!.leader &&
          s.size === nodes.length &&
          s.gateways === regions.length - 1,
      );
    },
    timeoutMs,
    100,
  ).catch((e: Error) => {
    throw new Error(`${e.message}; last seen: ${last}`, { cause: e });
  });
}
