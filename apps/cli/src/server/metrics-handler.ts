import { createHash, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import { collectDefaultMetrics, Registry } from 'prom-client';
import type { RequestHandler } from './http-dispatch.js';
import { pathOf, sendJson } from './send-json.js';

/**
 * Who may read /metrics. The metrics name every flag and environment, server-only ones
 * included, so they are not for the public port: with a token, a scrape must present it; without
 * one, only a server listening on loopback alone (a laptop, a sidecar-scraped pod) serves them.
 */
export interface MetricsAccess {
  /** VEXIL_METRICS_TOKEN: the bearer token a scrape must present. */
  readonly token: string | undefined;
  /** The address the port listens on. */
  readonly host: string;
}

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
  access: MetricsAccess,
  contentType: string = Registry.PROMETHEUS_CONTENT_TYPE,
): RequestHandler {
  const expected = access.token === undefined ? undefined : digest(access.token);
  const open = expected === undefined && isLoopbackHost(access.host);
  return async (req, res) => {
    if (pathOf(req.url) !== '/metrics') return false;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD');
      sendJson(res, 405, { code: 'METHOD_NOT_ALLOWED', message: 'use GET /metrics' });
      return true;
    }
    if (!open) {
      if (expected === undefined) {
        sendJson(res, 403, {
          code: 'METRICS_TOKEN_REQUIRED',
          message: `this server listens on ${access.host}, beyond loopback: set VEXIL_METRICS_TOKEN and scrape with Authorization: Bearer <token>`,
        });
        return true;
      }
      const presented = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '')?.[1];
      if (presented === undefined || !timingSafeEqual(digest(presented), expected)) {
        res.setHeader('www-authenticate', 'Bearer realm="vexil-metrics"');
        sendJson(res, 401, {
          code: 'UNAUTHORIZED',
          message:
            presented === undefined
              ? 'send the metrics token (VEXIL_METRICS_TOKEN) as Authorization: Bearer <token>'
              : "the bearer token is not this server's metrics token (VEXIL_METRICS_TOKEN)",
        });
        return true;
      }
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

/** Compared as SHA-256 digests: equal lengths for timingSafeEqual, whatever was presented. */
function digest(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}

/** 127.0.0.0/8, ::1 and localhost: addresses nothing outside the machine reaches. */
export function isLoopbackHost(host: string): boolean {
  if (host === 'localhost' || host === '::1') return true;
  return isIP(host) === 4 && host.startsWith('127.');
}
