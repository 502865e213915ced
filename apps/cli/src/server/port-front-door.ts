import { createServer as createHttpServer, type RequestListener, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import {
  attachFrontDoor,
  defaultRequestLimits,
  frontDoorMetrics,
  frontDoorServerOptions,
  type FrontDoor,
} from '@vexil/edge';
export { frontDoorServerOptions } from '@vexil/edge';
import type { Registry } from 'prom-client';
import { connectionBudget } from './file-budget.js';
import type { ServerTls } from './server-tls.js';

/**
 * A role's server: node:http, or node:https with `tls` (server-tls.ts). A TLS handshake gets as
 * long as a request head before its connection is destroyed, so that connections that never
 * finish one cannot hold the connection budget.
 */
export function createPortServer(tls: ServerTls | undefined, listener: RequestListener): Server {
  if (tls === undefined) return createHttpServer(frontDoorServerOptions, listener);
  return createHttpsServer(
    {
      ...frontDoorServerOptions,
      cert: tls.cert,
      key: tls.key,
      handshakeTimeout: defaultRequestLimits.headTimeoutMs,
    },
    listener,
  );
}

/** Every role's port: the front door with the process's connection budget, counted in metrics. */
export function attachPortFrontDoor(server: Server, metrics: Registry): FrontDoor {
  return attachFrontDoor(server, {
    limits: defaultRequestLimits,
    maxConnections: connectionBudget(),
    now: Date.now,
    onRefused: frontDoorMetrics(metrics),
  });
}
