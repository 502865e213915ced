import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '@vexil/origin';
import { pathOf, sendJson } from './send-json.js';

// One port serves every role of `vexil start`. Requests go through a table of handlers in
// order; the first that claims a request (returns true) answers it, and a request nobody claims
// gets a 404. A role joins the port by mounting its handler: health, then the REST API, and
// the SDK-facing edge (apps/edge) and the dashboard as they arrive.

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
  /** From now on every response closes its connection (shutdown: no new keep-alive requests). */
  drain(): void;
}

export function createDispatch(logger: Logger, handlers: readonly MountedHandler[] = []): Dispatch {
  const table: MountedHandler[] = [...handlers];
  let draining = false;

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
    drain() {
      draining = true;
    },
  };
}
