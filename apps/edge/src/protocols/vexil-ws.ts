import { STATUS_CODES, type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import type { EdgeContext } from '../edge-context.js';
import { EdgeError, header } from '../http/respond.js';
import { requestUrl } from '../http/routes.js';
import type { EnvironmentState, StateEvent } from '../state/environment-state.js';
import type { Credential } from '../state/registry.js';
import { WsStream } from '../stream/ws-stream.js';
import { changeMessage, putMessage, resumeFrom, sinceSeq } from './vexil-messages.js';

// The Vexil stream over WebSocket (docs/protocol.md section 6): `/vexil/v1/ws`, the same `put`
// and `change` messages as the SSE stream, as JSON text frames. Streams are registered with the
// hub (counted in the edge's `streams`, pinged every heartbeatMs by its shared timer, expired,
// drained and revoked with close code 1001 or 1008); fan-out sends one pre-serialized buffer
// per change to each socket of the environment.

export const VEXIL_WS_PATH = '/vexil/v1/ws';

/** Browsers cannot set headers on a WebSocket: they send the SDK key as `?key=`. */
function authenticate(ctx: EdgeContext, req: IncomingMessage, url: URL): Promise<Credential> {
  const key = url.searchParams.get('key');
  if (key === null || header(req, 'authorization') !== undefined)
    return ctx.authenticate(req, 'sdk');
  return ctx.authenticateKey(key, 'sdk');
}

/** Answers a refused upgrade with the status and JSON body any other edge request would get. */
function refuse(
  socket: Duplex,
  status: number,
  error: { code: string; message: string },
  extra: OutgoingHttpHeaders = {},
): void {
  const body = JSON.stringify({ code: error.code, message: error.message });
  const headers = {
    ...extra,
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
    connection: 'close',
  };
  const lines = Object.entries(headers).map(([name, value]) => `${name}: ${String(value)}`);
  const statusLine = `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}`;
  socket.end(`${statusLine}\r\n${lines.join('\r\n')}\r\n\r\n${body}`);
}

/** A subprotocol list as ws parses it: tokens separated by commas. */
const PROTOCOLS = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+(?:[ \t]*,[ \t]*[!#$%&'*+\-.^_`|~0-9A-Za-z]+)*$/;

/**
 * What ws would refuse in a handshake (RFC 6455 section 4.2.1), checked first: ws answers those
 * with a plain-text body, and every refusal here is JSON that says what to fix.
 */
function handshakeProblem(req: IncomingMessage): string | undefined {
  const key = header(req, 'sec-websocket-key');
  if (key === undefined || !/^[+/0-9A-Za-z]{22}==$/.test(key))
    return 'Sec-WebSocket-Key must be 16 random bytes in base64 (RFC 6455 section 4.1)';
  const version = header(req, 'sec-websocket-version');
  if (version !== '13' && version !== '8') return 'send Sec-WebSocket-Version: 13';
  const protocols = header(req, 'sec-websocket-protocol');
  if (protocols !== undefined && !PROTOCOLS.test(protocols.trim()))
    return 'Sec-WebSocket-Protocol must be a comma-separated list of tokens';
  return undefined;
}

export function vexilWebSockets(
  ctx: EdgeContext,
): (req: IncomingMessage, socket: Duplex, head: Buffer) => boolean {
  // Clients only answer pings: a small frame limit. No compression: it would be per socket,
  // where fan-out sends each message's one serialized buffer to every socket.
  const server = new WebSocketServer({
    noServer: true,
    clientTracking: false,
    perMessageDeflate: false,
    maxPayload: 4096,
  });
  const byEnvironment = new Map<string, Set<WsStream>>();

  ctx.onStateEvent((state: EnvironmentState, event: StateEvent) => {
    const streams = byEnvironment.get(state.id);
    if (streams === undefined) return;
    if (event.type === 'reset') {
      const put = [putMessage(state, 'ws')];
      for (const stream of streams) stream.sendFull(put);
      ctx.metrics?.wrote('vexil-ws', streams.size, streams.size * put[0]!.length);
      return;
    }
    const message = changeMessage(event.change, 'ws', event.item.text);
    for (const stream of streams) stream.send(message);
    ctx.metrics?.wrote('vexil-ws', streams.size, streams.size * message.length);
  });

  async function accept(req: IncomingMessage, socket: Duplex, head: Buffer, url: URL) {
    const problem = handshakeProblem(req);
    if (problem !== undefined) throw new EdgeError('BAD_REQUEST', problem);
    const credential = await authenticate(ctx, req, url);
    ctx.admitStream();
    const since = url.searchParams.get('since');
    const state = await ctx.readyState(credential.environment.id, sinceSeq(since));
    const missed = resumeFrom(state, since);
    const release = missed === undefined ? ctx.acquirePayloadSlot() : () => {};
    socket.once('close', release);
    server.handleUpgrade(req, socket, head, (ws) => {
      let streams = byEnvironment.get(state.id);
      if (streams === undefined) byEnvironment.set(state.id, (streams = new Set()));
      const members = streams;
      const stream = ctx.hub.adopt(
        { credentialId: credential.id, environmentId: state.id, format: 'vexil-ws' },
        (onClose) => {
          return new WsStream(ws, ctx.options.maxBufferBytes, (closed, reason) => {
            members.delete(closed);
            if (members.size === 0 && byEnvironment.get(state.id) === members)
              byEnvironment.delete(state.id);
            onClose(closed, reason);
          });
        },
      );
      members.add(stream);
      stream.sendFull(
        missed === undefined
          ? [putMessage(state, 'ws')]
          : missed.map((c) => changeMessage(c, 'ws')),
        release,
      );
    });
  }

  return (req, socket, head) => {
    // requestUrl, not new URL: a target such as `//[` throws there, and a throw in node:http's
    // 'upgrade' listener is an uncaught exception that ends the process.
    const url = requestUrl(req.url ?? '/');
    if (url === undefined || url.pathname !== VEXIL_WS_PATH) return false;
    const admission = ctx.limiter?.admission(req.socket, req.headers, 'stream');
    if (admission?.refusal !== undefined) {
      const { refusal } = admission;
      refuse(socket, refusal.status, refusal, refusal.headers);
      return true;
    }
    // Until the upgrade completes nothing else listens: a reset peer must not crash the edge.
    const ignore = () => socket.destroy();
    socket.on('error', ignore);
    accept(req, socket, head, url).then(
      () => socket.off('error', ignore),
      (e: unknown) => {
        admission?.failed(e);
        ctx.metrics?.refused(e);
        if (e instanceof EdgeError) {
          refuse(socket, e.status, e, e.headers);
          return;
        }
        ctx.logger.error({ err: e, path: url.pathname }, 'unhandled error in a WebSocket upgrade');
        refuse(socket, 500, { code: 'INTERNAL', message: 'internal error' });
      },
    );
    return true;
  };
}
