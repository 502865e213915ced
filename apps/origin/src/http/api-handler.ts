import { randomUUID } from 'node:crypto';
import {
  context,
  propagation,
  SpanKind,
  SpanStatusCode,
  trace,
  type Span,
} from '@opentelemetry/api';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TokenRole } from '@vexil/store';
import { ApiError } from './api-error.js';
import { requestComment, withComment } from './audit-comment.js';
import { assertStorableText, parseJsonBody, readBody } from './body.js';
import type { Logger } from '@vexil/protocol';
import type { Actor, Route, Router } from './router.js';
import type { SchemaRegistry } from './validation.js';

const DEFAULT_BODY_LIMIT = 1024 * 1024;
// reader < writer < admin for the control plane. The edge role is apart: edge tokens reach the
// delivery routes only, and those routes take edge tokens and admins, not readers or writers.
const ROLE_RANK: Record<TokenRole, number> = { edge: 0, reader: 1, writer: 2, admin: 3 };

function allowed(actor: TokenRole, route: TokenRole): boolean {
  if (route === 'edge') return actor === 'edge' || actor === 'admin';
  return actor !== 'edge' && ROLE_RANK[actor] >= ROLE_RANK[route];
}

export interface ApiHandlerOptions {
  readonly router: Router;
  readonly schemas: SchemaRegistry;
  readonly authenticate: (authorization: string | undefined) => Promise<Actor | undefined>;
  readonly logger: Logger;
  /** Sees every request once answered: its route template (or `unmatched`), status and time. */
  readonly observe?: (route: string, method: string, status: number, seconds: number) => void;
}

/** Serves the routes of `router`: auth, body parsing and validation, JSON replies, errors. */
const tracer = trace.getTracer('vexil-origin');

export function createApiHandler(options: ApiHandlerOptions) {
  const { router, schemas, authenticate, logger, observe } = options;

  return function handleApi(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // A server span per request, continuing the caller's trace if it sent a traceparent; the
    // commit and the changes it publishes continue this one (docs/design.md section 12).
    const parent = propagation.extract(context.active(), req.headers);
    return tracer.startActiveSpan(
      'api request',
      { kind: SpanKind.SERVER },
      parent,
      async (span) => {
        try {
          await handle(req, res, span);
        } finally {
          span.end();
        }
      },
    );
  };

  async function handle(req: IncomingMessage, res: ServerResponse, span: Span): Promise<void> {
    const started = process.hrtime.bigint();
    const requestId = headerValue(req, 'x-request-id') ?? randomUUID();
    res.setHeader('x-request-id', requestId);
    let status = 500;
    let routePath = 'unmatched';
    try {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const match = router.match(req.method ?? 'GET', url.pathname);
      if (match === undefined)
        throw new ApiError('NOT_FOUND', `no API route ${url.pathname}; see /api/v1/openapi.json`);
      if (!('route' in match)) {
        res.setHeader('allow', match.methods.join(', '));
        throw new ApiError(
          'METHOD_NOT_ALLOWED',
          `${req.method ?? ''} is not allowed here; use ${match.methods.join(' or ')}`,
        );
      }
      const { route, params } = match;
      routePath = route.path;
      span.updateName(`${route.method} ${route.path}`);
      span.setAttribute('http.route', route.path);
      const actor = await authorize(route, req);
      for (const [name, value] of Object.entries(params))
        assertStorableText(value, `the path parameter ${name}`);
      const query = readQuery(route, url.searchParams, schemas);
      const comment = requestComment(req);
      const body = await readRequestBody(route, req, schemas);
      const reply = await withComment(comment, () =>
        route.handle({ req, params, query, body, actor, requestId }),
      );
      status = reply.status ?? 200;
      if (reply.stream !== undefined) await reply.stream(res);
      else sendJson(res, status, reply.body, reply.headers);
    } catch (e) {
      const error = e instanceof ApiError ? e : internalError(e, logger, requestId);
      status = error.status;
      if (error.code === 'PAYLOAD_TOO_LARGE') res.setHeader('connection', 'close');
      if (error.code === 'UNAUTHORIZED') res.setHeader('www-authenticate', 'Bearer realm="vexil"');
      sendJson(res, status, error.toJSON());
    } finally {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      logger.debug({ requestId, method: req.method, route: routePath, status, ms }, 'api request');
      observe?.(routePath, req.method ?? 'GET', status, ms / 1000);
      span.setAttributes({
        'http.request.method': req.method ?? 'GET',
        'http.response.status_code': status,
      });
      if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
    }
  }

  async function authorize(route: Route, req: IncomingMessage): Promise<Actor> {
    const authorization = headerValue(req, 'authorization');
    if (authorization === undefined) {
      throw new ApiError('UNAUTHORIZED', 'send an API token as "Authorization: Bearer <token>"');
    }
    const actor = await authenticate(authorization);
    if (actor === undefined)
      throw new ApiError('UNAUTHORIZED', 'the API token is unknown or revoked');
    assertRole(route, actor);
    return actor;
  }
}

/** Refuses `actor` when its role ranks below the route's. */
export function assertRole(route: Route, actor: Actor): void {
  if (!allowed(actor.role, route.role)) {
    throw new ApiError(
      'FORBIDDEN',
      `this needs a token with the ${route.role} role; yours has ${actor.role}`,
    );
  }
}

function readQuery(
  route: Route,
  search: URLSearchParams,
  schemas: SchemaRegistry,
): Record<string, string> {
  const query: Record<string, string> = {};
  const known = route.query ?? {};
  for (const [name, value] of search) {
    if (!(name in known)) {
      const allowed = Object.keys(known);
      throw new ApiError(
        'VALIDATION_FAILED',
        `unknown query parameter "${name}"${allowed.length > 0 ? `; this route takes ${allowed.join(', ')}` : '; this route takes none'}`,
      );
    }
    assertStorableText(value, `query.${name}`);
    query[name] = value;
  }
  for (const [name, schema] of Object.entries(known)) {
    if (query[name] !== undefined) schemas.check(schema, query[name], `query.${name}`);
  }
  return query;
}

async function readRequestBody(
  route: Route,
  req: IncomingMessage,
  schemas: SchemaRegistry,
): Promise<unknown> {
  if (route.body === undefined) return undefined;
  const raw = await readBody(req, route.body.limit ?? DEFAULT_BODY_LIMIT);
  if (raw.length === 0 && route.body.optional === true) return undefined;
  const body = parseJsonBody(req, raw, route.body.mediaTypes ?? ['application/json']);
  schemas.check(route.body.schema, body, '');
  return body;
}

function internalError(e: unknown, logger: Logger, requestId: string): ApiError {
  logger.error({ err: e, requestId }, 'unhandled error in API request');
  return new ApiError(
    'INTERNAL',
    `internal error; quote request id ${requestId} when reporting it`,
  );
}

export function headerValue(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers?: Readonly<Record<string, string>>,
): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const payload = body === undefined ? '' : JSON.stringify(body);
  res.statusCode = status;
  if (headers !== undefined) for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
  if (payload !== '') res.setHeader('content-type', 'application/json; charset=utf-8');
  res.setHeader('content-length', Buffer.byteLength(payload));
  res.setHeader('cache-control', 'no-store');
  res.end(payload);
}
