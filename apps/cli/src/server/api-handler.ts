import type { Origin } from '@vexil/origin';
import type { RequestHandler } from './http-dispatch.js';
import { pathOf, sendJson } from './send-json.js';

/** `/api/...`: the control plane's REST API, once the origin exists (503 before). */
export function apiHandler(origin: () => Origin | undefined): RequestHandler {
  return async (req, res) => {
    const path = pathOf(req.url);
    if (path !== '/api' && !path.startsWith('/api/')) return false;
    const current = origin();
    if (current === undefined) {
      res.setHeader('retry-after', '1');
      sendJson(res, 503, { code: 'UNAVAILABLE', message: 'Vexil is starting; retry shortly' });
    } else {
      await current.handle(req, res);
    }
    return true;
  };
}
