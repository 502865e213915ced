import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '@vexil/origin';
import { pathOf, sendJson } from './send-json.js';

// One port serves every role of `vexil start`. Requests go through a table of handlers in
// order; the first that claims a request (returns true) answers it, and a request nobody claims
// gets a 404. A role joins the port by mounting its handler: health, then the REST API, and
// the SDK-facing edge (apps/edge) and the dashboard as they arrive. A server that binds its
// port before its roles are up (so that health answers at once) creates the table `starting`:
// until `started()`, a request nobody claims gets 503 + Retry-After, because the handler that
// will serve it is not mounted yet, and a 404 would tell a client the URL does not exist.

/** Answers the request and returns true, or returns false (without touching `res`) to pass. */
export type RequestHandler = (
  req: IncomingMessage,
  res: ServerResponse,
) => boolean | Promise<boolean>;

export interface MountedHandler {
  readonly name: string;
  readonly handle: RequestHandler;
}

export interface Dispatch {
  /** Adds a handler after those already mounted. */
  mount(name: string, handler: RequestHandler): void;
  /** The mounted handlers' names, in order. */
  readonly names: readonly string[];
  /** The node:http request listener. */
  readonly listener: (req: IncomingMessage, res: ServerResponse) => void;
  /** Every handler is mounted: a request nobody claims is a 404 from now on. */
  started(): void;
  /** From now on every response closes its connection (shutdown: no new keep-alive requests). */
  drain(): void;
}

export interface DispatchOptions {
  /** Answer unclaimed requests 503 until `started()` (default false: 404 at once). */
  readonly starting?: boolean;
}

export function createDispatch(
  logger: Logger,
  handlers: readonly MountedHandler[] = [],
  options: DispatchOptions = {},
): Dispatch {
  const table: MountedHandler[] = [...handlers];
  let draining = false;
  let starting = options.starting ?? false;

  async function dispatch(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (draining) res.setHeader('connection', 'close');
    for (const { name, handle } of table) {
      try {
        if (await handle(req, res)) return;
      } catch (err) {
        logger.error({ err, handler: name, method: req.method, url: req.url }, 'request failed');
        if (res.headersSent) res.destroy();
        else
          sendJson(res, 500, { code: 'INTERNAL', message: 'internal error; see the server log' });
        return;
      }
    }
    if (starting) {
      res.setHeader('retry-after', '1');
      sendJson(res, 503, {
        code: 'UNAVAILABLE',
        message: 'the server is starting and cannot answer this yet; retry shortly',
      });
      return;
    }
    sendJson(res, 404, {
      code: 'NOT_FOUND',
      message: `nothing is served at ${pathOf(req.url)}; the REST API is under /api/v1 (see /api/v1/openapi.json)`,
    });
  }

  return {
    mount(name, handle) {
      table.push({ name, handle });
    },
    get names() {
      return table.map((h) => h.name);
    },
    listener(req, res) {
      void dispatch(req, res);
    },
    started() {
      starting = false;
    },
    drain() {
      draining = true;
    },
  };
}
