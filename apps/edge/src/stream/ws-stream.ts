import type { WebSocket } from 'ws';
import type { CloseReason } from './stream-connection.js';
import type { StreamMember } from './stream-member.js';

/** RFC 6455 section 7.4.1 close codes. */
const GOING_AWAY = 1001;
const POLICY_VIOLATION = 1008;

/**
 * One WebSocket stream, registered with the hub like an SSE stream (counted, pinged by the hub's
 * shared timer, expired, drained, revoked). Messages are pre-serialized buffers sent as text
 * frames; a consumer whose unsent bytes exceed `maxBuffer` is terminated (slow consumer).
 */
export class WsStream implements StreamMember {
  credentialId = '';
  deadline = Number.POSITIVE_INFINITY;
  closed = false;
  /** Extra bytes tolerated while full payloads are on their way out. */
  private allowance = 0;
  /** A pong arrived since the last ping; a peer that misses one whole interval is dead. */
  private alive = true;

  constructor(
    readonly ws: WebSocket,
    private readonly maxBuffer: number,
    private readonly onClose: (stream: WsStream, reason: CloseReason) => void,
  ) {
    ws.on('pong', () => {
      this.alive = true;
    });
    ws.on('close', () => this.finish('client'));
    ws.on('error', () => this.finish('error'));
  }

  /** A live message; false when the stream is closed or was just cut as a slow consumer. */
  send(message: Buffer): boolean {
    if (this.closed) return false;
    this.ws.send(message, { binary: false });
    return this.checkBuffer();
  }

  /**
   * A full payload (the initial messages, or a `put` after a resync), which may be large: it is
   * tolerated in the buffer while it is on its way out; `done` runs once it has left.
   */
  sendFull(messages: readonly Buffer[], done: () => void = () => {}): void {
    if (this.closed || messages.length === 0) {
      done();
      return;
    }
    const size = messages.reduce((sum, m) => sum + m.length, 0);
    this.allowance += size;
    messages.forEach((message, i) => {
      const last = i === messages.length - 1;
      // The callback runs once the frame is written, or with an error once the socket closed.
      this.ws.send(message, { binary: false }, () => {
        if (!last) return;
        this.allowance -= size;
        done();
      });
    });
    this.checkBuffer();
  }

  private checkBuffer(): boolean {
    if (this.ws.bufferedAmount <= this.maxBuffer + this.allowance) return true;
    this.close('slow-consumer');
    return false;
  }

  heartbeat(): void {
    if (!this.alive) {
      this.close('error');
      return;
    }
    this.alive = false;
    this.ws.ping();
  }

  close(reason: CloseReason): void {
    if (this.closed) return;
    this.finish(reason);
    if (reason === 'slow-consumer' || reason === 'error') this.ws.terminate();
    else this.ws.close(reason === 'revoked' ? POLICY_VIOLATION : GOING_AWAY, reason);
  }

  private finish(reason: CloseReason): void {
    if (this.closed) return;
    this.closed = true;
    this.onClose(this, reason);
  }
}
