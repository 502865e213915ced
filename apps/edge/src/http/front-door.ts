import type { IncomingMessage, OutgoingHttpHeaders, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { Server as TlsServer } from 'node:tls';
import { EdgeError, unavailable } from './respond.js';
import { VEXIL_WS_PATH } from '../protocols/vexil-ws.js';
import { RequestReader, type RequestHead, type RequestLimits } from './request-reader.js';
import { responseHead } from './response-head.js';
import { requestUrl } from './routes.js';

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
//
// On an HTTPS server (node:https) the same happens on the decrypted socket, once the handshake
// is done: node:https attaches node:http's listener to 'secureConnection', not 'connection'. The
// budget still counts raw connections from their accept (a handshake in progress holds a file
// descriptor too); one over the budget is answered 503 over TLS, since a plain-text answer would
// mean nothing to the client. The server's `handshakeTimeout` bounds handshakes that never end.

/** Claims a request for the lean path (true: the socket is the claimer's now). */
export type StreamClaim = (head: RequestHead, socket: Socket) => boolean;

export type FrontDoorRefusal = 'budget' | 'head_timeout' | 'head_too_large' | 'handshake_timeout';

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
  const secure = (server as unknown) instanceof TlsServer;
  const accepted = secure ? 'secureConnection' : 'connection';
  const listeners = server.listeners(accepted) as ((socket: Socket) => void)[];
  if (listeners.length !== 1)
    throw new Error(
      'attachFrontDoor needs a node:http or node:https server with only its own connection listener',
    );
  const httpConnection = listeners[0]!;
  server.removeAllListeners(accepted);
  const { limits, now } = options;
  const timeouts = options.timeouts ?? defaultConnectionTimeouts;
  // A later request on a kept-alive connection gets as long for its head as the first did.
  server.headersTimeout = limits.headTimeoutMs;
  server.requestTimeout = timeouts.requestMs;
  server.keepAliveTimeout = timeouts.keepAliveMs;
  // Only a WebSocket request for the Vexil stream is an upgrade here (docs/protocol.md section
  // 6). Any other, such as curl --http2's h2c offer or a WebSocket request for a plain route, is
  // served as the plain request it also is (RFC 9110 section 7.8): node:http would give it to the
  // 'upgrade' listener, which could only close the connection unanswered.
  (server as Server & UpgradeDecision).shouldUpgradeCallback = acceptsUpgrade;
  // Its connection then ends with its answer: on a connection that offered an upgrade, node:http
  // (Node 24) neither answers nor reports a malformed request that follows, which would hang.
  server.prependListener('request', (req: IncomingMessage, res: ServerResponse) => {
    if (req.headers.upgrade !== undefined) res.setHeader('connection', 'close');
  });
  // What node:http cannot parse (a head over its 16 KiB, a malformed request line or header, a
  // request over its time limit) it answers with a bare status line and no body; answered here
  // as every other refusal is, with a JSON body that says what was wrong.
  /** With TLS: the sockets whose handshake is done. */
  const established = new WeakSet<Duplex>();
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    // node:https reports failed TLS handshakes here too; there is no channel to answer on.
    if (secure && !established.has(socket)) socket.destroy();
    else answerClientError(err, socket as Socket, now());
  });
  /** Connections still sending their head, in arrival order (so by deadline). */
  const pending = new Map<Socket, Pending>();
  let claim: StreamClaim | undefined;
  let connections = 0;

  function onClose(this: Socket): void {
    connections--;
    pending.delete(this);
  }

  function onRawClose(): void {
    connections--;
  }

  function onSecureClose(this: Socket): void {
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
      answerAndClose(this, error, now(), {}, !isHead(entry.reader.buffered()));
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

  /** A connection ready for its request head (decrypted, with TLS). */
  function admit(socket: Socket): void {
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
  }

  if (secure) {
    // Counted before node:tls wraps the socket, so every accepted connection is in the budget.
    server.prependListener('connection', (raw: Socket) => {
      connections++;
      raw.on('close', onRawClose);
    });
    server.on('secureConnection', (socket: Socket) => {
      established.add(socket);
      socket.on('close', onSecureClose);
      socket.on('error', ignore);
      admit(socket);
    });
    server.on('tlsClientError', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ERR_TLS_HANDSHAKE_TIMEOUT') options.onRefused?.('handshake_timeout');
    });
  } else {
    server.on('connection', (socket: Socket) => {
      connections++;
      socket.on('close', onClose);
      socket.on('error', ignore);
      admit(socket);
    });
  }

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

/** node:http's `shouldUpgradeCallback` server option (Node 24), which it reads per request. */
interface UpgradeDecision {
  shouldUpgradeCallback: (req: IncomingMessage) => boolean;
}

/** A WebSocket handshake is a GET (RFC 6455 section 4.1) for the Vexil stream's path. */
function acceptsUpgrade(req: IncomingMessage): boolean {
  return (
    req.method === 'GET' &&
    (req.headers.upgrade ?? '').toLowerCase() === 'websocket' &&
    requestUrl(req.url ?? '/')?.pathname === VEXIL_WS_PATH
  );
}

/** node:http's parse and timeout errors (its 'clientError'), answered like the front door's own. */
function answerClientError(err: NodeJS.ErrnoException, socket: Socket, nowMs: number): void {
  // A response already under way on this connection (node:http's private field) cannot be
  // followed by another: close, as node:http does.
  const started = (socket as { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (err.code === 'ECONNRESET' || !socket.writable || started?.headersSent === true) {
    socket.destroy();
    return;
  }
  const error =
    err.code === 'HPE_HEADER_OVERFLOW'
      ? new EdgeError('HEADERS_TOO_LARGE', 'the request head is larger than the server accepts')
      : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? new EdgeError('TIMEOUT', 'the request did not arrive in time')
        : new EdgeError(
            'BAD_REQUEST',
            `the request is not valid HTTP/1.1 (${err.code ?? 'parse error'}); check the request line and headers`,
          );
  // The bytes node:http was parsing: enough to tell a HEAD, whose answer has no body.
  const packet = (err as { rawPacket?: unknown }).rawPacket;
  answerAndClose(socket, error, nowMs, {}, !(Buffer.isBuffer(packet) && isHead(packet)));
}

/** Whether request bytes are a HEAD request: its answer carries no body (RFC 9110 9.3.2). */
function isHead(bytes: Buffer): boolean {
  return bytes.subarray(0, 5).toString('latin1') === 'HEAD ';
}
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
  withBody = true,
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
  // A HEAD answer says how long the body would be, without it (RFC 9110 section 9.3.2).
  socket.end(withBody ? head + body : head);
  socket.once('end', () => socket.destroy());
  socket.setTimeout(LINGER_MS, () => socket.destroy());
}
