import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Redis } from 'ioredis';
import { REDIS_SERVER_BINARY } from '@vexil/testkit';
import { createInProcessBus, type ChangeBus } from '@vexil/bus';
import {
  busUpstream,
  createEdge,
  redisPersistence,
  redisPrefix,
  silentLogger,
  type Edge,
  type EnvironmentState,
  type RedisPersistence,
  type RedisPersistenceOptions,
} from '@vexil/edge';
import { until } from './support/edge-server.js';
import { FakeOrigin, type TestEnvironment } from './support/fake-origin.js';

// Shared by the Redis persistence tests: an edge on a real socket whose observers are a
// redisPersistence (under a prefix unique to the test) and a probe that keeps each environment's
// live state, so a test can compare Redis with exactly what the edge serves.

export interface PersistedEdge {
  readonly url: string;
  readonly edge: Edge;
  readonly origin: FakeOrigin;
  readonly persistence: RedisPersistence;
  /** `vexil-test-<uuid>`: every key this edge writes starts with it. */
  readonly base: string;
  /** The edge's live state of `env`. */
  state(env: TestEnvironment): EnvironmentState;
  /** The Redis prefix of `env`. */
  prefix(env: TestEnvironment): string;
  /** Resolves once the edge applied everything the origin committed for `env`. */
  synced(env: TestEnvironment): Promise<void>;
  close(): Promise<void>;
}

export interface PersistedEdgeOptions {
  /** Runs before the edge starts: what it commits reaches the edge as a snapshot. */
  readonly seed?: (origin: FakeOrigin) => Promise<void>;
  readonly base?: string;
  /** Environment keys left out of Redis (their prefix is undefined). */
  readonly unpersisted?: readonly string[];
  readonly persistence?: Partial<Omit<RedisPersistenceOptions, 'url' | 'prefix'>>;
}

export async function startPersistedEdge(
  redisUrl: string,
  options: PersistedEdgeOptions = {},
): Promise<PersistedEdge> {
  const base = options.base ?? testBase();
  const bus: ChangeBus = createInProcessBus();
  const origin = new FakeOrigin(bus);
  await options.seed?.(origin);
  const describe = (id: string) => {
    const env = origin.environments.get(id);
    if (env === undefined || options.unpersisted?.includes(env.key)) return undefined;
    return { projectKey: 'p', key: env.key };
  };
  const prefix = redisPrefix(`${base}:{project}:{environment}`, describe);
  const persistence = redisPersistence({ url: redisUrl, prefix, ...options.persistence });
  const states = new Map<string, EnvironmentState>();
  const edge = createEdge({
    upstream: busUpstream({ bus, snapshots: origin, logger: silentLogger }),
    observers: [persistence.observer, (state) => void states.set(state.id, state)],
  });
  await edge.start();
  const server: Server = createServer((req, res) => {
    if (!edge.handle(req, res)) res.writeHead(404).end();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    edge,
    origin,
    persistence,
    base,
    state(env) {
      const state = states.get(env.id);
      if (state === undefined) throw new Error(`the edge has no state for ${env.key} yet`);
      return state;
    },
    prefix: (env) => prefix(env.id)!,
    synced(env) {
      edge.want(env.id);
      return until(() => states.get(env.id)?.seq === env.seq, 10_000, `edge at seq ${env.seq}`);
    },
    async close() {
      await edge.close();
      server.closeAllConnections();
      server.close();
      await persistence.close();
      await bus.close();
    },
  };
}

/** A key namespace of its own for one test. */
export function testBase(): string {
  return `vexil-test-${randomUUID()}`;
}

export interface StoredEnvironment {
  readonly features: Record<string, string>;
  readonly segments: Record<string, string>;
  readonly inited: string | null;
}

export async function readStored(redis: Redis, prefix: string): Promise<StoredEnvironment> {
  return {
    features: await redis.hgetall(`${prefix}:features`),
    segments: await redis.hgetall(`${prefix}:segments`),
    inited: await redis.get(`${prefix}:$inited`),
  };
}

/** What Redis must hold for `state`: every item, tombstones included, as published. */
export function expectedStored(state: EnvironmentState): StoredEnvironment {
  const texts = (items: Map<string, { text: string }>) =>
    Object.fromEntries([...items].map(([key, item]) => [key, item.text]));
  return { features: texts(state.flags), segments: texts(state.segments), inited: '' };
}

export async function deleteKeys(redis: Redis, base: string): Promise<void> {
  const keys = await redis.keys(`${base}:*`);
  if (keys.length > 0) await redis.del(...keys);
}

export { freePort, redisServerSkip } from '@vexil/testkit';

/** A throwaway redis-server that keeps nothing on disk; stop it with `stopRedis`. */
export async function startRedis(port: number): Promise<ChildProcess> {
  const child = spawn(
    REDIS_SERVER_BINARY,
    ['--port', String(port), '--save', '', '--appendonly', 'no'],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  let output = '';
  const collect = (chunk: Buffer) => void (output += chunk.toString());
  child.stdout!.on('data', collect);
  await new Promise<void>((resolve, reject) => {
    const exited = (code: number | null) =>
      reject(new Error(`redis-server on port ${port} exited with ${code}: ${output}`));
    child.once('error', reject).once('exit', exited);
    child.stdout!.on('data', function ready() {
      if (!output.includes('Ready to accept connections')) return;
      child.stdout!.off('data', ready).off('data', collect);
      child.off('exit', exited).off('error', reject);
      resolve();
    });
  });
  child.stdout!.resume();
  return child;
}

export async function stopRedis(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  process.kill(child.pid!, 'SIGKILL');
  await exited;
}
