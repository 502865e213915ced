import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { WithHeaders } from './routes.js';

// Small response helpers for the SDK-facing endpoints. Error bodies are JSON
// {"code", "message"}: SDKs only look at the status (docs/protocol.md section 1), people read
// the message.

export type EdgeErrorCode =
  | 'UNAUTHORIZED'
  | 'NOT_FOUND'
  | 'BAD_REQUEST'
  /** A secure-mode environment's client-side request without a valid `h` (section 4.4). */
  | 'SECURE_MODE_HASH'
  | 'METHOD_NOT_ALLOWED'
  | 'PAYLOAD_TOO_LARGE'
  | 'TIMEOUT'
  | 'HEADERS_TOO_LARGE'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'NOT_READY'
  | 'OVERLOADED'
  | 'RATE_LIMITED'
  | 'INTERNAL';

const STATUS: Record<EdgeErrorCode, number> = {
  UNAUTHORIZED: 401,
  NOT_FOUND: 404,
  BAD_REQUEST: 400,
  SECURE_MODE_HASH: 400,
  METHOD_NOT_ALLOWED: 405,
  PAYLOAD_TOO_LARGE: 413,
  TIMEOUT: 408,
  HEADERS_TOO_LARGE: 431,
  UNSUPPORTED_MEDIA_TYPE: 415,
  NOT_READY: 503,
  OVERLOADED: 503,
  RATE_LIMITED: 429,
  INTERNAL: 500,
};

/** Why an edge is OVERLOADED: its stream cap, a drain, or too many initial payloads at once. */
export type Overload = 'cap' | 'draining' | 'overloaded';

export class EdgeError extends Error {
  constructor(
    readonly code: EdgeErrorCode,
    message: string,
    readonly headers: OutgoingHttpHeaders = {},
    /** For OVERLOADED: which limit refused the request (metrics tell them apart). */
    readonly overload?: Overload,
  ) {
    super(message);
  }

  get status(): number {
    return STATUS[this.code];
  }
}

/**
 * A request refused for its credential (missing, malformed, unknown or revoked): a failed
 * authentication, which the rate limits count against the client's address (rate-limiter.ts).
 */
export class CredentialError extends EdgeError {}

/** Whether `e` refused a credential: a CredentialError, or any 401. */
export function isCredentialRefusal(e: unknown): boolean {
  return e instanceof CredentialError || (e instanceof EdgeError && e.code === 'UNAUTHORIZED');
}

/** 503 with a Retry-After hint, jittered so that rejected clients do not return in lockstep. */
export function unavailable(
  code: 'NOT_READY' | 'OVERLOADED',
  message: string,
  retryAfterSeconds = 2,
  overload?: Overload,
): EdgeError {
  const jittered = retryAfterSeconds + Math.floor(Math.random() * retryAfterSeconds);
  // Closing the connection makes the client's retry a new connection, which the load balancer
  // (or the multi-process edge's round robin) can send to a process that has room; a kept-alive
  // connection would bring it back to this one.
  return new EdgeError(
    code,
    message,
    { 'retry-after': String(jittered), connection: 'close' },
    overload,
  );
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: OutgoingHttpHeaders = {},
): void {
  const payload = typeof body === 'string' ? body : JSON.stringify(body);
  sendBody(res, status, payload, { 'content-type': 'application/json; charset=utf-8', ...headers });
}

export function sendBody(
  res: ServerResponse,
  status: number,
  payload: string | Buffer,
  headers: OutgoingHttpHeaders,
): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(status, { ...headers, 'content-length': Buffer.byteLength(payload) });
  res.end(payload);
}

export function sendError(
  res: ServerResponse,
  error: EdgeError,
  extraHeaders: OutgoingHttpHeaders = {},
): void {
  sendJson(
    res,
    error.status,
    { code: error.code, message: error.message },
    { ...error.headers, ...extraHeaders, 'cache-control': 'no-store' },
  );
}

export function header(req: WithHeaders, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** Reads a request body up to `limit` bytes (413 beyond it). */
export async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(header(req, 'content-length'));
  if (Number.isFinite(declared) && declared > limit) {
    throw new EdgeError(
      'PAYLOAD_TOO_LARGE',
      `the request body is larger than the ${limit}-byte limit`,
    );
  }
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > limit)
        throw new EdgeError(
          'PAYLOAD_TOO_LARGE',
          `the request body is larger than the ${limit}-byte limit`,
        );
      chunks.push(chunk);
    }
  } catch (e) {
    if (e instanceof EdgeError) throw e;
    // The client went away mid-body: its answer, not a server error.
    throw new EdgeError('BAD_REQUEST', 'the request body ended before it was complete');
  }
  return Buffer.concat(chunks, size);
}

/** Parses a JSON request body; REPORT and POST endpoints require a JSON content type. */
export async function readJson(req: IncomingMessage, limit: number): Promise<unknown> {
  const type = (header(req, 'content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json' && !type.endsWith('+json')) {
    throw new EdgeError(
      'UNSUPPORTED_MEDIA_TYPE',
      `send the body as application/json (Content-Type was ${type === '' ? 'missing' : `"${type}"`})`,
    );
  }
  const body = await readBody(req, limit);
  try {
    return JSON.parse(body.toString('utf8'));
  } catch (e) {
    throw new EdgeError(
      'BAD_REQUEST',
      `the request body is not valid JSON: ${e instanceof Error ? e.message : String(e)}`,
    );
  }
}
