import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { createInProcessBus, type ChangeBus } from '@vexil/bus';
import {
  attachFrontDoor,
  busUpstream,
  createEdge,
  defaultRequestLimits,
  type FrontDoor,
  silentLogger,
  type Edge,
  type EdgeOptions,
  type InsightsSink,
  type Logger,
  type RateLimiter,
  type Upstream,
} from '@vexil/edge';
import { until as waitUntil } from '@vexil/testkit';
import type { Registry } from 'prom-client';
import type { RandomSource, Scheduler } from '../../src/stream/scheduler.js';
import { FakeOrigin } from './fake-origin.js';

export interface EdgeServer {
  readonly url: string;
  readonly edge: Edge;
  readonly bus: ChangeBus;
  readonly origin: FakeOrigin;
  readonly server: Server;
  /** The front door (undefined with `frontDoor: false`): tests can wrap the edge's claim. */
  readonly frontDoor: FrontDoor | undefined;
  /** Destroys every client connection, streams included, as a network failure would. */
  cut(): void;
  close(): Promise<void>;
}

/**
 * An edge on a real socket (127.0.0.1, port 0), fed by an in-process bus and a FakeOrigin, behind
 * the front door as `vexil edge` serves it (SSE streams on the lean path), or, with
 * `frontDoor: false`, with every request through node:http.
 */
export async function startEdgeServer(
  options: Partial<EdgeOptions> = {},
  port = 0,
  extra: {
    insights?: InsightsSink;
    metrics?: Registry;
    /** The port's rate limits (none: nothing is limited). */
    limiter?: RateLimiter;
    frontDoor?: boolean;
    /** Instead of the in-process bus and the FakeOrigin (which the edge then does not use). */
    upstream?: Upstream;
    /** The edge's clock (expiries, lifetimes); Date.now by default. */
    now?: () => number;
    /** The edge's timers (heartbeats, lifetimes, drain pauses); Node's by default. */
    scheduler?: Scheduler;
    /** Lifetime jitter and drain order; Math.random by default. */
    random?: RandomSource;
    /** Where the edge logs (silent by default), e.g. to see its unhandled errors. */
    logger?: Logger;
  } = {},
): Promise<EdgeServer> {
  const bus = createInProcessBus();
  const origin = new FakeOrigin(bus);
  const {
    frontDoor = true,
    upstream = busUpstream({ bus, snapshots: origin, logger: silentLogger }),
    ...deps
  } = extra;
  const edge = createEdge({ upstream, options, ...deps });
  await edge.start();
  const server = createServer((req, res) => {
    if (!edge.handle(req, res)) {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end('{"code":"NOT_FOUND","message":"no such path"}');
    }
  });
  const door = frontDoor
    ? attachFrontDoor(server, {
        limits: defaultRequestLimits,
        maxConnections: 10_000,
        now: Date.now,
      })
    : undefined;
  door?.setClaim(edge.claimStream);
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  server.on('upgrade', (req, socket, head) => {
    if (!edge.handleUpgrade(req, socket, head)) socket.destroy();
  });
  server.listen(port, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    edge,
    bus,
    origin,
    server,
    frontDoor: door,
    cut() {
      for (const socket of sockets) socket.destroy();
    },
    async close() {
      door?.close();
      await edge.close();
      server.closeAllConnections();
      server.close();
      await bus.close();
    },
  };
}

/** The edge tests' argument order for testkit's `until`, polling every 5 ms. */
export function until(check: () => boolean, ms = 10_000, what = 'condition'): Promise<void> {
  return waitUntil(what, check, ms, 5);
}
