import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { StreamMember } from './stream-member.js';

const HEARTBEAT = Buffer.from(':\n');

export type CloseReason =
  'client' | 'slow-consumer' | 'drain' | 'lifetime' | 'revoked' | 'shutdown' | 'resync' | 'error';

/**
 * One long-lived SDK stream. After the response head, bytes go straight to the socket: the
 * response is delimited by the connection's end rather than chunked, so a broadcast is one
 * socket write of a pre-built buffer, with no per-connection framing work.
 *
 * A consumer whose unsent bytes exceed `maxBuffer` is cut: it reconnects and resyncs, instead of
 * growing the edge's memory or slowing the fan-out for everyone else.
 */
export class StreamConnection implements StreamMember {
  readonly socket: Socket;
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
  /** The response head waits for the first message. */
  private headPending = false;

  constructor(
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
    private readonly maxBuffer: number,
    private readonly onClose: (connection: StreamConnection, reason: CloseReason) => void,
  ) {
    this.socket = res.socket!;
    const closed = () => this.finish('client');
    this.socket.once('close', closed);
    this.socket.on('error', () => this.finish('error'));
  }

  /**
   * Prepares the response head (status 200 with `headers`), without chunked framing. It leaves
   * with the first message (the initial payload), in one write: one segment and one client
   * wake-up per connect rather than two.
   */
  open(headers: OutgoingHttpHeaders): void {
    this.res.removeHeader('transfer-encoding');
    this.res.writeHead(200, headers);
    this.headPending = true;
    this.socket.setNoDelay(true);
    this.socket.setKeepAlive(true, 60_000);
  }

  /** `flushed`, when given, is called once the chunk has been handed to the kernel. */
  write(chunk: Buffer | string, flushed?: () => void): boolean {
    if (this.closed) return false;
    const size = typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length;
    if (size > this.maxBuffer / 4) this.allow(size);
    if (this.headPending) {
      this.headPending = false;
      this.res.write(chunk, flushed);
    } else {
      this.socket.write(chunk, flushed);
    }
    if (this.socket.writableLength > this.maxBuffer + this.allowance) {
      this.close('slow-consumer');
      return false;
    }
    return true;
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
    if (this.headPending) this.res.flushHeaders();
    if (last !== undefined) this.socket.write(last);
    this.socket.end();
    // A peer that never reads would hold the socket half-open: bound the wait.
    this.socket.setTimeout(5_000, () => this.socket.destroy());
  }

  private finish(reason: CloseReason): void {
    if (this.closed) return;
    this.closed = true;
    this.onClose(this, reason);
  }
}
