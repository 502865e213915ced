import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '@vexil/protocol';
import type { EndpointClass } from '../limits/rate-limit-options.js';
import type { RateLimiter } from '../limits/rate-limiter.js';
import { isStreamSocket } from '../stream/stream-connection.js';
import { answerAndClose, type StreamClaim } from './front-door.js';
import { EdgeError, readJson, sendError } from './respond.js';
import { requestUrl, type EdgeRouter, type StreamRequest } from './routes.js';

/**
 * The edge's request handler over its router: returns false (response untouched) for a path
 * that is not the edge's, answers 405 with `Allow` for a wrong method, 429 past a rate limit,
 * and turns errors into their status and JSON body (unexpected ones into a logged 500).
 */
export function createDispatch(router: EdgeRouter, logger: Logger, limiter?: RateLimiter) {
  return function handle(req: IncomingMessage, res: ServerResponse): boolean {
    const url = requestUrl(req.url ?? '/');
    if (url === undefined) {
      sendError(res, new EdgeError('BAD_REQUEST', 'the request target is not a valid URL path'));
      return true;
    }
    const match = router.match(req.method ?? 'GET', url.pathname);
    if (match === undefined) return false;
    if ('methods' in match) {
      const allowed = match.methods.join(', ');
      const error = new EdgeError(
        'METHOD_NOT_ALLOWED',
        `${req.method ?? ''} is not allowed here; use ${match.methods.join(' or ')}`,
      );
      sendError(res, error, { allow: allowed });
      return true;
    }
    const { route, params } = match;
    // A CORS preflight carries no credential and costs nothing: browsers send one per new URL.
    const admission =
      req.method === 'OPTIONS'
        ? undefined
        : limiter?.admission(
            req.socket,
            req.headers,
            endpointOf(url.pathname, !('handle' in route)),
          );
    if (admission?.refusal !== undefined) {
      sendError(res, admission.refusal, route.answerHeaders?.(req));
      return true;
    }
    if ('handle' in route) {
      void run(
        () => route.handle({ req, res, params, url }),
        url,
        logger,
        (e) => {
          admission?.failed(e);
          if (res.headersSent) res.destroy();
          else sendError(res, asEdgeError(e));
        },
      );
      return true;
    }
    const request: StreamRequest = {
      method: req.method ?? 'GET',
      url,
      params,
      headers: req.headers,
      socket: req.socket,
      answerHeaders: {},
      readJson: (limit) => readJson(req, limit),
    };
    void run(
      () => route.stream(request),
      url,
      logger,
      (e) => {
        admission?.failed(e);
        if (isStreamSocket(req.socket)) req.socket.destroy();
        else sendError(res, asEdgeError(e), request.answerHeaders);
      },
    );
    return true;
  };
}

/**
 * The lean path's entry (front-door.ts): claims a GET for a stream route and serves it on the
 * socket; false for anything else, which node:http then serves through `createDispatch`.
 */
export function createStreamClaim(
  router: EdgeRouter,
  logger: Logger,
  now: () => number,
  limiter?: RateLimiter,
): StreamClaim {
  const noBody = () =>
    Promise.reject(new EdgeError('BAD_REQUEST', 'send the evaluation context with REPORT'));
  return (head, socket) => {
    const url = requestUrl(head.target);
    const match = url === undefined ? undefined : router.match('GET', url.pathname);
    if (
      url === undefined ||
      match === undefined ||
      'methods' in match ||
      !('stream' in match.route)
    )
      return false;
    const { route, params } = match;
    const admission = limiter?.admission(socket, head.headers, endpointOf(url.pathname, true));
    if (admission?.refusal !== undefined) {
      answerAndClose(socket, admission.refusal, now(), route.answerHeaders?.(head));
      return true;
    }
    const request: StreamRequest = {
      method: 'GET',
      url,
      params,
      headers: head.headers,
      socket,
      answerHeaders: {},
      readJson: noBody,
    };
    void run(
      () => route.stream(request),
      url,
      logger,
      (e) => {
        admission?.failed(e);
        if (isStreamSocket(socket)) {
          socket.destroy();
          return;
        }
        answerAndClose(socket, asEdgeError(e), now(), request.answerHeaders);
      },
    );
    return true;
  };
}

/**
 * What a request is to the rate limits. The relay feed (relay-feed.ts) is edge-to-edge delivery,
 * limited as the origin's delivery API is: a relay edge that restarts asks for a snapshot of
 * every environment its clients use at once. Analytics events (events.ts) are apart in the
 * metric only.
 */
function endpointOf(pathname: string, stream: boolean): EndpointClass {
  if (pathname.startsWith('/vexil/v1/relay')) return 'delivery';
  if (stream) return 'stream';
  const events =
    pathname === '/bulk' ||
    pathname === '/diagnostic' ||
    pathname === '/mobile' ||
    pathname.startsWith('/mobile/') ||
    pathname.startsWith('/events/');
  return events ? 'events' : 'sdk';
}

const asEdgeError = (e: unknown) =>
  e instanceof EdgeError ? e : new EdgeError('INTERNAL', 'internal error');

/** Runs a handler; an EdgeError is the client's answer, anything else is logged first. */
async function run(
  handler: () => void | Promise<void>,
  url: URL,
  logger: Logger,
  fail: (e: unknown) => void,
): Promise<void> {
  try {
    await handler();
  } catch (e) {
    if (!(e instanceof EdgeError))
      logger.error({ err: e, path: url.pathname }, 'unhandled error in an SDK request');
    fail(e);
  }
}
