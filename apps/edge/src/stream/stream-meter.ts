import type { CloseReason } from './stream-connection.js';

/**
 * What the hub tells a metrics module (apps/edge/src/metrics) about its streams. Optional: an
 * edge without metrics has none, and the hot path then does nothing extra.
 */
export interface StreamMeter {
  opened(format: string): void;
  closed(reason: CloseReason): void;
  /** The meter of the groups of one wire format. */
  group(format: string): GroupMeter;
}

/** Called by a group, never per connection: once per broadcast and once per flush. */
export interface GroupMeter {
  /** A message was queued for the next flush. */
  queued(): void;
  /** A flush wrote `messages` messages of `bytes` bytes in all to its members. */
  flushed(messages: number, bytes: number): void;
}
