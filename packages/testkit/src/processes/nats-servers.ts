import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { accepts, freePort } from '../ports.js';
import { until } from '../until.js';
import { reapOnExit } from './reaper.js';

// Real nats-server processes on loopback ports, for failover tests and the distributed
// benchmark: started and stopped by PID, each with its own store dir, all killed by `stopAll`
// in an `after` hook (and synchronously if the test process exits without running it).

export const NATS_SERVER_BINARY = process.env['VEXIL_TEST_NATS_SERVER'] ?? '/usr/sbin/nats-server';

/** Like `serviceSkip`: a skip message on a laptop without nats-server, a failure under CI=true. */
export function natsServerSkip(): string | undefined {
  if (existsSync(NATS_SERVER_BINARY)) return undefined;
  const message = `${NATS_SERVER_BINARY} is not installed (apt-get install nats-server, or set VEXIL_TEST_NATS_SERVER)`;
  if (process.env['CI'] === 'true') throw new Error(`${message}; under CI=true this is a failure`);
  return `skipped: ${message}`;
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

  /** Starts the server and waits until it accepts client connections. */
  async start(): Promise<void> {
    if (this.child !== undefined) throw new Error(`${this.options.name} is already running`);
    const { name, port, storeDir, cluster } = this.options;
    const args = ['-a', '127.0.0.1', '-p', String(port), '-n', name, '-js', '-sd', storeDir];
    args.push('-l', this.logFile);
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

  /** Kills every server still running and removes their directories. */
  async stopAll(): Promise<void> {
    this.unreap();
    await Promise.all(this.servers.map((s) => s.stop('SIGKILL')));
    if (this.root !== undefined) await rm(this.root, { recursive: true, force: true });
  }
}
