import type { EndpointClass, RateLimiter } from '@vexil/edge';
import type { RequestHandler } from './http-dispatch.js';
import { sendJson } from './send-json.js';

// The rate limits of the REST API and /metrics, first in a port's dispatch table after health
// (the edge admits its own SDK, event and stream requests with the same limiter). It answers
// 429 + Retry-After when a limit refuses a request, and otherwise passes it on, watching its
// answer: a 401 counts as a failed authentication of the client's address, any other answer
// charges the API token's bucket.

export function rateLimitGuard(limiter: RateLimiter): RequestHandler {
  return (req, res) => {
    const endpoint = endpointOf(req.url ?? '/');
    if (endpoint === undefined) return false;
    const address = limiter.address(req.socket, req.headers);
    const authorization = endpoint === 'api' ? req.headers.authorization : undefined;
    const refusal =
      limiter.admit(address, endpoint) ??
      (authorization === undefined ? undefined : limiter.admitToken(authorization));
    if (refusal !== undefined) {
      for (const [name, value] of Object.entries(refusal.headers))
        if (value !== undefined) res.setHeader(name, value);
      sendJson(res, refusal.status, { code: refusal.code, message: refusal.message });
      return true;
    }
    res.once('finish', () => {
      if (res.statusCode === 401) limiter.failed(address);
      else if (authorization !== undefined) limiter.charge(authorization);
    });
    return false;
  };
}

/**
 * What the guard limits: the REST API (the edges' delivery API apart), and /metrics. The path is
 * normalised as the API's router normalises it, so that `/api/v1/delivery/../projects` is the
 * API it reaches, not the delivery API.
 */
function endpointOf(target: string): EndpointClass | undefined {
  let path: string;
  try {
    path = new URL(target, 'http://vexil').pathname;
  } catch {
    return undefined;
  }
  if (path === '/metrics') return 'metrics';
  if (path.startsWith('/api/v1/delivery/')) return 'delivery';
  if (path === '/api' || path.startsWith('/api/')) return 'api';
  return undefined;
}
