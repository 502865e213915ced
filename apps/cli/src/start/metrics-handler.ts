import { collectDefaultMetrics, Registry } from 'prom-client';
import type { RequestHandler } from './http-dispatch.js';
import { pathOf, sendJson } from './send-json.js';

/**
 * A role's metrics registry: Node process and event-loop metrics from the start, and whatever
 * the role's parts (edge, origin, publisher) register as they are created.
 */
export function processMetrics(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return registry;
}

/**
 * `GET /metrics`: the Prometheus text format from `scrape` (a registry's metrics, or a whole
 * multi-process node's). Answers from the moment the port is bound, like /healthz.
 */
export function metricsHandler(
  scrape: () => Promise<string>,
  contentType: string = Registry.PROMETHEUS_CONTENT_TYPE,
): RequestHandler {
  return async (req, res) => {
    if (pathOf(req.url) !== '/metrics') return false;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD');
      sendJson(res, 405, { code: 'METHOD_NOT_ALLOWED', message: 'use GET /metrics' });
      return true;
    }
    let body: string;
    try {
      body = await scrape();
    } catch (e) {
      sendJson(res, 503, {
        code: 'METRICS_UNAVAILABLE',
        message: `metrics could not be collected: ${e instanceof Error ? e.message : String(e)}; retry`,
      });
      return true;
    }
    res.statusCode = 200;
    res.setHeader('content-type', contentType);
    res.setHeader('content-length', Buffer.byteLength(body));
    res.setHeader('cache-control', 'no-store');
    res.end(req.method === 'HEAD' ? undefined : body);
    return true;
  };
}
