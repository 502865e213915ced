import type { Socket } from 'node:net';
import type { StreamMember } from './stream-member.js';

const HEARTBEAT = Buffer.from(':\n');

export type CloseReason =
  'client' | 'slow-consumer' | 'drain' | 'lifetime' | 'revoked' | 'shutdown' | 'resync' | 'error';

/** The stream a socket carries: an error after the stream opened cannot be answered any more. */
const STREAM = Symbol('vexil.stream');
type StreamSocket = Socket & { [STREAM]?: StreamConnection };

export function isStreamSocket(socket: Socket): boolean {
  return (socket as StreamSocket)[STREAM] !== undefined;
}

// Socket listeners shared by every stream (no closures per connection: 100k streams).
function onSocketClose(this: StreamSocket, hadError: boolean): void {
  this[STREAM]?.finish(hadError ? 'error' : 'client');
}
/** The client's half-close ends its stream (servers accept half-open connections). */
function onSocketEnd(this: Socket): void {
  this.destroy();
}
/** Errors end in 'close' (with hadError), which ends the stream. */
function onSocketError(): void {}

/**
 * One long-lived SDK stream, written straight to its socket whichever way the request came in
 * (the lean path or node:http): a response head (response-head.ts) that leaves with the first
 * message in one write, then bytes with no framing (the body ends with the connection), so a
 * broadcast is one socket write of a pre-built buffer.
 *
 * A consumer whose unsent bytes exceed `maxBuffer` is cut: it reconnects and resyncs, instead of
 * growing the edge's memory or slowing the fan-out for everyone else.
 */
export class StreamConnection implements StreamMember {
  closed = false;
  /** Unix ms after which the stream is closed so the client reconnects (rebalancing). */
  deadline = Number.POSITIVE_INFINITY;
  /** What opened the stream: a key hash or a client-side ID, for revocation. */
  credentialId = '';
  /**
   * Extra bytes tolerated in the socket buffer while a full payload (initial, or after a
   * resync) is on its way out: only what piles up beyond it makes a slow consumer.
   */
  private allowance = 0;
  /** The response head, until it leaves with the first message. */
  private head: string | undefined;

  constructor(
    readonly socket: Socket,
    head: string,
    private readonly maxBuffer: number,
    private readonly onClose: (connection: StreamConnection, reason: CloseReason) => void,
  ) {
    (socket as StreamSocket)[STREAM] = this;
    this.head = head;
    socket.on('close', onSocketClose);
    socket.on('end', onSocketEnd);
    socket.on('error', onSocketError);
    // No TCP keep-alive: heartbeats keep every stream from idling, so its probes would never go.
    socket.setNoDelay(true);
    // Gone while the request waited for its environment: close at once, not never.
    if (socket.destroyed) queueMicrotask(() => this.finish('client'));
  }

  /** `flushed`, when given, is called once the chunk has been handed to the kernel. */
  write(chunk: Buffer | string, flushed?: () => void): boolean {
    if (this.closed) return false;
    const size = typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length;
    if (size > this.maxBuffer / 4) this.allow(size);
    this.socket.write(this.withHead(chunk), flushed);
    if (this.socket.writableLength > this.maxBuffer + this.allowance) {
      this.close('slow-consumer');
      return false;
    }
    return true;
  }

  /** The first write carries the response head: one segment and one client wake-up per connect. */
  private withHead(chunk: Buffer | string): Buffer | string {
    const head = this.head;
    if (head === undefined) return chunk;
    this.head = undefined;
    if (typeof chunk === 'string') return head + chunk;
    const out = Buffer.allocUnsafe(head.length + chunk.length);
    out.write(head, 0, 'latin1');
    chunk.copy(out, head.length);
    return out;
  }

  /** At most one payload's worth: a client that lets several pile up is still cut. */
  private allow(size: number): void {
    if (this.allowance === 0) this.socket.once('drain', () => (this.allowance = 0));
    this.allowance = Math.max(this.allowance, size);
  }

  /** An SSE comment line: SDKs ignore it, proxies see traffic. */
  heartbeat(): void {
    this.write(HEARTBEAT);
  }

  /** Ends the stream after `last` (e.g. a goodbye event) is flushed. */
  close(reason: CloseReason, last?: Buffer | string): void {
    if (this.closed) return;
    this.finish(reason);
    if (reason === 'slow-consumer' || reason === 'error') {
      this.socket.destroy();
      return;
    }
    this.socket.end(this.withHead(last ?? ''));
    // A peer that never reads would hold the socket half-open: bound the wait.
    this.socket.setTimeout(5_000, () => this.socket.destroy());
  }

  /** Marks the stream closed and tells the hub, once (from close() or the socket's close). */
  finish(reason: CloseReason): void {
    if (this.closed) return;
    this.closed = true;
    this.onClose(this, reason);
  }
}
