import type { CloseReason } from './stream-connection.js';

/**
 * What the hub needs of a stream, whatever carries it (an SSE response, a WebSocket): it is
 * counted, heartbeated, expired, drained and revoked by the hub's one shared timer.
 */
export interface StreamMember {
  /** What opened the stream: a key hash or a client-side ID, for revocation. */
  credentialId: string;
  /** Unix ms after which the stream is closed so the client reconnects (rebalancing). */
  deadline: number;
  readonly closed: boolean;
  /** Keeps an idle stream alive through proxies and load balancers. */
  heartbeat(): void;
  /** Server-initiated close; `last` is the stream's farewell message, if it has one. */
  close(reason: CloseReason, last?: Buffer): void;
}
