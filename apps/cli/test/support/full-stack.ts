import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { attachFrontDoor, defaultRequestLimits, type RateLimiter } from '@vexil/edge';
import { createOrigin, ensureAdminToken } from '@vexil/origin';
import type { Logger } from '@vexil/protocol';
import type { Store } from '@vexil/store';
import type { Registry } from 'prom-client';
import { apiHandler } from '../../src/server/api-handler.js';
import { startDelivery } from '../../src/start/delivery.js';
import { createDispatch, type RequestHandler } from '../../src/server/http-dispatch.js';

// `vexil start`'s roles on one port over a store the test chooses (SQLite or PostgreSQL): the
// REST API and the edge behind the front door, fed by the outbox publisher and an in-process
// bus. Built from the same parts as start-server.ts, minus the CLI's config and signals.

export const FULL_STACK_ADMIN = 'vxl_full-stack-admin-token';

export interface FullStack {
  readonly url: string;
  readonly adminToken: string;
  /** What the server logged at error level: a request that failed inside it. */
  readonly errors: { readonly obj: object; readonly msg: string | undefined }[];
  close(): Promise<void>;
}

export interface FullStackOptions {
  /** The port's rate limits, shared by the edge and `handlers` (none: nothing is limited). */
  readonly limiter?: RateLimiter;
  readonly metrics?: Registry;
  /** Handlers tried before the API, as start-server.ts puts health, limits and metrics there. */
  readonly handlers?: readonly { name: string; handle: RequestHandler }[];
}

export async function startFullStack(
  store: Store,
  options: FullStackOptions = {},
): Promise<FullStack> {
  const errors: FullStack['errors'] = [];
  const logger: Logger = {
    debug: () => undefined,
    info: () => undefined,
    warn: () => undefined,
    error: (obj, msg) => void errors.push({ obj, msg }),
  };
  const server = createServer();
  const delivery = await startDelivery(store, server, logger, 'test', 10_000, {
    ...(options.metrics === undefined ? {} : { metrics: options.metrics }),
    ...(options.limiter === undefined ? {} : { limiter: options.limiter }),
  });
  const origin = createOrigin({
    store,
    logger,
    onCommit: (ids) => delivery.publisher.kick(ids),
    onDirectoryChange: () => delivery.publisher.directoryChanged(),
  });
  await ensureAdminToken(store, FULL_STACK_ADMIN, 'full-stack admin');
  const dispatch = createDispatch(logger, [
    ...(options.handlers ?? []),
    { name: 'api', handle: apiHandler(() => origin) },
  ]);
  dispatch.mount('edge', (req, res) => delivery.edge.handle(req, res));
  server.on('request', dispatch.listener);
  const door = attachFrontDoor(server, {
    limits: defaultRequestLimits,
    maxConnections: 10_000,
    now: Date.now,
  });
  door.setClaim(delivery.edge.claimStream);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    adminToken: FULL_STACK_ADMIN,
    errors,
    async close() {
      door.close();
      server.closeAllConnections();
      server.close();
      await delivery.stop(0);
      await store.close();
    },
  };
}
