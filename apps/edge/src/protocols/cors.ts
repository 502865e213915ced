import type { EdgeMethod, EdgeRequest, EdgeRoute } from '../http/routes.js';
import { header } from '../http/respond.js';

// CORS for the client-side-ID routes, which browsers call from any origin (reference:
// launchdarkly-protocol.md section 3.6, as Relay answers): the request's Origin is echoed (or
// `*`), no credentials, the LaunchDarkly SDK headers allowed, `Date` exposed (SDKs read it for
// debug-event timing), and an OPTIONS preflight that answers with the headers only.

const ALLOW_HEADERS = [
  'Cache-Control',
  'Content-Type',
  'Content-Length',
  'Accept-Encoding',
  'X-LaunchDarkly-User-Agent',
  'X-LaunchDarkly-Payload-ID',
  'X-LaunchDarkly-Wrapper',
  'X-LaunchDarkly-Event-Schema',
  'X-LaunchDarkly-Tags',
].join(',');

function setCorsHeaders({ req, res }: EdgeRequest, methods: string): void {
  res.setHeader('access-control-allow-origin', header(req, 'origin') ?? '*');
  res.setHeader('access-control-allow-credentials', 'false');
  res.setHeader('access-control-max-age', '300');
  res.setHeader('access-control-allow-headers', ALLOW_HEADERS);
  res.setHeader('access-control-expose-headers', 'Date');
  res.setHeader('access-control-allow-methods', methods);
  res.setHeader('vary', 'Origin');
}

/**
 * The routes of one path with CORS: every response (errors included, so that a browser can
 * read them) carries the headers, and OPTIONS answers the preflight.
 */
export function withCors(
  path: string,
  handlers: Partial<Record<Exclude<EdgeMethod, 'OPTIONS'>, EdgeRoute['handle']>>,
): EdgeRoute[] {
  const methods = [...Object.keys(handlers), 'OPTIONS'].join(',');
  const routes: EdgeRoute[] = Object.entries(handlers).map(([method, handle]) => ({
    method: method as EdgeMethod,
    path,
    handle: (request: EdgeRequest) => {
      setCorsHeaders(request, methods);
      return handle(request);
    },
  }));
  routes.push({
    method: 'OPTIONS',
    path,
    handle: (request) => {
      setCorsHeaders(request, methods);
      request.res.writeHead(200, { 'content-length': 0 });
      request.res.end();
    },
  });
  return routes;
}
