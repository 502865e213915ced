import type { ServerResponse } from 'node:http';
import type { EdgeMethod, EdgeRoute, HttpRoute, StreamRoute, WithHeaders } from '../http/routes.js';
import { header } from '../http/respond.js';

// CORS for the client-side-ID routes, which browsers call from any origin (docs/protocol.md
// section 4.4, as Relay answers): the request's Origin is echoed (or
// `*`), no credentials, the LaunchDarkly SDK headers allowed, `Date` exposed (SDKs read it for
// debug-event timing) and `Retry-After` (so that a page's client can wait as told after a 503 or
// 429), and an OPTIONS preflight that answers with the headers only.

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

/** What a path's CORS allows beyond the default: other request headers, more exposed ones. */
export interface CorsOptions {
  /** The request headers a browser may send (default: the LaunchDarkly SDKs'). */
  readonly allowHeaders?: readonly string[];
  /** Response headers a page may read besides the safelisted ones (default: `Date`, `Retry-After`). */
  readonly exposeHeaders?: readonly string[];
}

function corsHeaders(
  origin: string | undefined,
  methods: string,
  options: CorsOptions,
): Record<string, string> {
  return {
    'access-control-allow-origin': origin ?? '*',
    'access-control-allow-credentials': 'false',
    'access-control-max-age': '300',
    'access-control-allow-headers': options.allowHeaders?.join(',') ?? ALLOW_HEADERS,
    'access-control-expose-headers': (options.exposeHeaders ?? ['Date', 'Retry-After']).join(','),
    'access-control-allow-methods': methods,
    vary: 'Origin',
  };
}

function setHeaders(res: ServerResponse, headers: Record<string, string>): void {
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
}

/** A path's handler: a node:http one, or a stream's. */
type CorsHandler = HttpRoute['handle'] | { readonly stream: StreamRoute['stream'] };

/**
 * The routes of one path with CORS: every response (errors included, so that a browser can
 * read them) carries the headers, and OPTIONS answers the preflight.
 */
export function withCors(
  path: string,
  handlers: Partial<Record<Exclude<EdgeMethod, 'OPTIONS'>, CorsHandler>>,
  options: CorsOptions = {},
): EdgeRoute[] {
  const methods = [...Object.keys(handlers), 'OPTIONS'].join(',');
  const answerHeaders = (request: WithHeaders) =>
    corsHeaders(header(request, 'origin'), methods, options);
  const routes: EdgeRoute[] = Object.entries(handlers).map(([method, handler]): EdgeRoute =>
    typeof handler === 'function'
      ? {
          method: method as EdgeMethod,
          path,
          answerHeaders,
          handle: (request) => {
            setHeaders(request.res, answerHeaders(request.req));
            return handler(request);
          },
        }
      : {
          method: method as EdgeMethod,
          path,
          answerHeaders,
          stream: (request) => {
            Object.assign(request.answerHeaders, answerHeaders(request));
            return handler.stream(request);
          },
        },
  );
  routes.push({
    method: 'OPTIONS',
    path,
    handle: ({ req, res }) => {
      setHeaders(res, answerHeaders(req));
      res.writeHead(200, { 'content-length': 0 });
      res.end();
    },
  });
  return routes;
}
