import type { OutgoingHttpHeaders, Server } from 'node:http';
import type { Socket } from 'node:net';
import { EdgeError, unavailable } from './respond.js';
import { RequestReader, type RequestHead, type RequestLimits } from './request-reader.js';
import { responseHead } from './response-head.js';

// The front door of a port: every connection is accepted here, its request head read with the
// strict, bounded RequestReader, and then either claimed by the lean stream path (the edge's
// SSE streams, written straight to the socket) or handed to node:http with the bytes read so far,
// which serves it exactly as if it had accepted the connection itself (the REST API, polling,
// OFREP, WebSocket upgrades, and any request outside the reader's strict subset). A stream
// connect so pays for one head parse and one write, not for node:http's per-connection parser,
// IncomingMessage and ServerResponse (BENCHMARKS.md, "Fan-out ...": "What changed").
//
// It also holds the port's file budget: past `maxConnections` a new connection is answered
// 503 + Retry-After and closed, never reset unanswered; and a head that is not complete within
// `headTimeoutMs` gets 408 (slow-loris connections cannot pile up). On the connections it hands
// over, node:http enforces the rest of the request's time limits (ConnectionTimeouts).

/** Claims a request for the lean path (true: the socket is the claimer's now). */
export type StreamClaim = (head: RequestHead, socket: Socket) => boolean;

export type FrontDoorRefusal = 'budget' | 'head_timeout' | 'head_too_large';

/** Time limits node:http enforces on the connections handed to it. */
export interface ConnectionTimeouts {
  /**
   * From a request's start to its last body byte: a body that trickles in is answered 408 and
   * its connection closed. node:http checks it every `connectionsCheckingInterval` (a server
   * option), so a request may be cut that much later. Longer than the head's time limit, or
   * node:http goes by that one alone.
   */
  readonly requestMs: number;
  /** An idle kept-alive connection between two requests is closed after this. */
  readonly keepAliveMs: number;
}

export const defaultConnectionTimeouts: ConnectionTimeouts = {
  requestMs: 30_000,
  keepAliveMs: 5_000,
};

/** node:http server options for a port with a front door: overdue requests found within 1 s. */
export const frontDoorServerOptions = { connectionsCheckingInterval: 1_000 } as const;

export interface FrontDoorOptions {
  readonly limits: RequestLimits;
  readonly timeouts?: ConnectionTimeouts;
  /** Connections held at once, of every kind; past it new ones get 503 and are closed. */
  readonly maxConnections: number;
  readonly now: () => number;
  /** Counts connections answered and closed before any request was served (metrics). */
  readonly onRefused?: (reason: FrontDoorRefusal) => void;
}

export interface FrontDoor {
  /** Where stream requests go from now on (the edge, once it is up); undefined: all to node:http. */
  setClaim(claim: StreamClaim | undefined): void;
  /** Connections open now, of every kind. */
  readonly connections: number;
  /** Answers 408 to connections whose head is overdue (run every second by a timer). */
  expireHeads(): void;
  /** Answers 408 to connections still sending their head, and stops the head timer (shutdown). */
  close(): void;
}

/** How long an answered connection waits for the client to close before it is destroyed. */
const LINGER_MS = 2_000;
const SWEEP_MS = 1_000;

interface Pending {
  readonly reader: RequestReader;
  readonly deadline: number;
}

/**
 * Takes over `server`'s connections: node:http's own connection listener is detached and called
 * for the connections the front door hands over.
 */
export function attachFrontDoor(server: Server, options: FrontDoorOptions): FrontDoor {
  const listeners = server.listeners('connection') as ((socket: Socket) => void)[];
  if (listeners.length !== 1)
    throw new Error(
      'attachFrontDoor needs a node:http server with only its own connection listener',
    );
  const httpConnection = listeners[0]!;
  server.removeAllListeners('connection');
  const { limits, now } = options;
  const timeouts = options.timeouts ?? defaultConnectionTimeouts;
  // A later request on a kept-alive connection gets as long for its head as the first did.
  server.headersTimeout = limits.headTimeoutMs;
  server.requestTimeout = timeouts.requestMs;
  server.keepAliveTimeout = timeouts.keepAliveMs;
  /** Connections still sending their head, in arrival order (so by deadline). */
  const pending = new Map<Socket, Pending>();
  let claim: StreamClaim | undefined;
  let connections = 0;

  function onClose(this: Socket): void {
    connections--;
    pending.delete(this);
  }

  /** A client that half-closes before its head is complete is gone. */
  function onEnd(this: Socket): void {
    if (pending.delete(this)) this.destroy();
  }

  function onData(this: Socket, chunk: Buffer): void {
    const entry = pending.get(this);
    if (entry === undefined) return;
    const result = entry.reader.push(chunk);
    if (result.kind === 'more') return;
    pending.delete(this);
    this.off('data', onData);
    if (result.kind === 'too-large') {
      options.onRefused?.('head_too_large');
      const error = new EdgeError(
        'HEADERS_TOO_LARGE',
        'the request head is larger than the server accepts',
      );
      answerAndClose(this, error, now());
    } else if (
      result.kind === 'head' &&
      claim !== undefined &&
      lean(result.head) &&
      claim(result.head, this)
    ) {
      return;
    } else {
      handOver(this, entry.reader.buffered());
    }
  }

  function handOver(socket: Socket, bytes: Buffer): void {
    // Paused so that node:http reads the bytes already read first, then the socket.
    socket.pause();
    if (bytes.length > 0) socket.unshift(bytes);
    httpConnection.call(server, socket);
    socket.resume();
  }

  server.on('connection', (socket: Socket) => {
    connections++;
    socket.on('close', onClose);
    socket.on('error', ignore);
    if (connections > options.maxConnections) {
      options.onRefused?.('budget');
      const error = unavailable(
        'OVERLOADED',
        'this server holds as many connections as it can; retry, or connect to another',
        3,
      );
      answerAndClose(socket, error, now());
      return;
    }
    pending.set(socket, {
      reader: new RequestReader(limits),
      deadline: now() + limits.headTimeoutMs,
    });
    socket.on('data', onData);
    socket.on('end', onEnd);
  });

  function expireHeads(): void {
    const t = now();
    for (const [socket, entry] of pending) {
      if (entry.deadline > t) break;
      pending.delete(socket);
      socket.off('data', onData);
      options.onRefused?.('head_timeout');
      answerAndClose(socket, HEAD_TIMEOUT, t);
    }
  }
  const sweep = setInterval(expireHeads, SWEEP_MS);
  sweep.unref();

  return {
    expireHeads,
    setClaim(next) {
      claim = next;
    },
    get connections() {
      return connections;
    },
    close() {
      clearInterval(sweep);
      const t = now();
      for (const socket of pending.keys()) {
        socket.off('data', onData);
        answerAndClose(socket, SHUTTING_DOWN, t);
      }
      pending.clear();
    },
  };
}

/** Requests the lean path may take: a GET with no body and no protocol switch. */
function lean(head: RequestHead): boolean {
  const { headers } = head;
  return (
    head.method === 'GET' &&
    headers['transfer-encoding'] === undefined &&
    (headers['content-length'] === undefined || headers['content-length'] === '0') &&
    headers['upgrade'] === undefined &&
    headers['expect'] === undefined
  );
}

function ignore(): void {}

const HEAD_TIMEOUT = new EdgeError('TIMEOUT', 'the request head did not arrive in time');
const SHUTTING_DOWN = new EdgeError('TIMEOUT', 'the server is shutting down');

/**
 * Writes an error's JSON answer, as `sendError` does through node:http, and closes: the socket
 * is half-closed and kept reading until the client closes it (or LINGER_MS passes), so that
 * request bytes still arriving do not make the kernel reset the connection before the client
 * has read the answer.
 */
export function answerAndClose(
  socket: Socket,
  error: EdgeError,
  nowMs: number,
  extraHeaders: OutgoingHttpHeaders = {},
): void {
  const body = JSON.stringify({ code: error.code, message: error.message });
  const head = responseHead(
    error.status,
    {
      'content-type': 'application/json; charset=utf-8',
      ...error.headers,
      ...extraHeaders,
      'cache-control': 'no-store',
      'content-length': Buffer.byteLength(body),
    },
    nowMs,
    'close',
  );
  socket.on('data', ignore);
  socket.resume();
  socket.end(head + body);
  socket.once('end', () => socket.destroy());
  socket.setTimeout(LINGER_MS, () => socket.destroy());
}
