import type { RequestHandler } from './http-dispatch.js';
import { pathOf, sendJson } from './send-json.js';

/**
 * `GET /healthz`: the process is alive. `GET /readyz`: it can serve (the store is open and
 * seeded), 503 until then, so a load balancer sends no traffic to a node that is starting.
 */
export function healthHandler(readiness: () => { ready: boolean; body: object }): RequestHandler {
  return (req, res) => {
    const path = pathOf(req.url);
    if (path !== '/healthz' && path !== '/readyz') return false;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD');
      sendJson(res, 405, { code: 'METHOD_NOT_ALLOWED', message: `use GET ${path}` });
    } else if (path === '/healthz') {
      sendJson(res, 200, { status: 'ok' });
    } else {
      const { ready, body } = readiness();
      sendJson(res, ready ? 200 : 503, body);
    }
    return true;
  };
}
