import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect as tcpConnect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

// Real nats-server processes on loopback ports for the failover tests: started and stopped by
// PID, each with its own store dir, all killed by `stopAll` in an `after` hook.

export const NATS_SERVER_BINARY = '/usr/sbin/nats-server';

/** Like `serviceSkip`: a skip message on a laptop without nats-server, a failure under CI=true. */
export function natsServerSkip(): string | undefined {
  if (existsSync(NATS_SERVER_BINARY)) return undefined;
  const message = `${NATS_SERVER_BINARY} is not installed (apt-get install nats-server)`;
  if (process.env['CI'] === 'true') throw new Error(`${message}; under CI=true this is a failure`);
  return `skipped: ${message}`;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Polls `condition` every `everyMs` until it holds; fails after `timeoutMs`. */
export async function until(
  what: string,
  condition: () => boolean | Promise<boolean>,
  timeoutMs = 10_000,
  everyMs = 20,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = tcpConnect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
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

  /** Starts the server and waits until it accepts client connections. */
  async start(): Promise<void> {
    if (this.child !== undefined) throw new Error(`${this.options.name} is already running`);
    const { name, port, storeDir, cluster } = this.options;
    const args = ['-a', '127.0.0.1', '-p', String(port), '-n', name, '-js', '-sd', storeDir];
    args.push('-l', join(storeDir, '..', `${name}.log`));
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
      if (this.child !== child) throw new Error(`${name} exited at start (see its log)`);
      return accepts(port);
    });
  }

  /** Stops the server by PID and waits until it has exited. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const child = this.child;
    if (child === undefined) return;
    child.kill(signal);
    await this.exited;
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
  private readonly onExit = () => {
    for (const server of this.servers) server.killNow();
  };

  constructor() {
    process.once('exit', this.onExit);
  }

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
    process.off('exit', this.onExit);
    await Promise.all(this.servers.map((s) => s.stop('SIGKILL')));
    if (this.root !== undefined) await rm(this.root, { recursive: true, force: true });
  }
}
