import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createInProcessBus, type ChangeBus } from '@vexil/bus';
import {
  busUpstream,
  createEdge,
  silentLogger,
  type Edge,
  type EdgeOptions,
  type InsightsSink,
} from '@vexil/edge';
import { until as waitUntil } from '@vexil/testkit';
import type { Registry } from 'prom-client';
import { FakeOrigin } from './fake-origin.js';

export interface EdgeServer {
  readonly url: string;
  readonly edge: Edge;
  readonly bus: ChangeBus;
  readonly origin: FakeOrigin;
  readonly server: Server;
  close(): Promise<void>;
}

/** An edge on a real socket (127.0.0.1, port 0), fed by an in-process bus and a FakeOrigin. */
export async function startEdgeServer(
  options: Partial<EdgeOptions> = {},
  port = 0,
  extra: { insights?: InsightsSink; metrics?: Registry } = {},
): Promise<EdgeServer> {
  const bus = createInProcessBus();
  const origin = new FakeOrigin(bus);
  const upstream = busUpstream({ bus, snapshots: origin, logger: silentLogger });
  const edge = createEdge({ upstream, options, ...extra });
  await edge.start();
  const server = createServer((req, res) => {
    if (!edge.handle(req, res)) {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end('{"code":"NOT_FOUND","message":"no such path"}');
    }
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
    async close() {
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
