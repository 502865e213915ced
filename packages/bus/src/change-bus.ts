import type { Change, DirectoryEntry, DirectoryRecord } from '@vexil/protocol';

// The bus between the origin and the edges (docs/protocol.md section 5).
// Changes are ordered per environment by their sequence number and can be replayed from one, so
// an edge bootstraps from a snapshot at S and subscribes after S. Publication is idempotent by
// (environment, seq): an origin that restarts, or two origins, may publish a change twice.

export interface Subscription {
  close(): void;
  /**
   * Resolves once the subscription has caught up with its subject and receives every change
   * published from then on (a bus whose subscriptions start in the background; absent where
   * they are live at once).
   */
  readonly ready?: Promise<void>;
}

export interface SubscribeOptions {
  readonly environmentId: string;
  /** Deliver retained changes with seq > afterSeq first (default: only new changes). */
  readonly afterSeq?: number;
}

export interface ChangeBus {
  /** `inprocess` or `nats`. */
  readonly kind: string;
  /**
   * Publishes a committed change. Callers publish each environment's changes in seq order; a
   * change whose seq was already published is dropped.
   */
  publish(change: Change): Promise<void>;
  /** The highest seq published for the environment (0 if none is retained), to resume from. */
  lastPublishedSeq(environmentId: string): Promise<number>;
  /** Writes one directory entry (docs/protocol.md section 5.2); the key's watchers hear of it. */
  putDirectoryEntry(key: string, entry: DirectoryEntry): Promise<void>;
  /** Deletes one directory entry; a no-op for a key that holds none. */
  deleteDirectoryEntry(key: string): Promise<void>;
  /** The key's entry now, with its revision (0 and no entry for a key never written). */
  getDirectoryEntry(key: string): Promise<DirectoryRecord>;
  /**
   * Calls `onChange` for each change of the environment, in seq order. Replay starts at
   * afterSeq + 1 if the bus still retains it; otherwise the first change delivered has a higher
   * seq, and the subscriber sees the gap (and resyncs from a snapshot).
   */
  subscribe(options: SubscribeOptions, onChange: (change: Change) => void): Subscription;
  /**
   * Calls `onChange` for every environment's changes published from the moment `ready`
   * resolves, each environment's in seq order (a CDN purger's view of the whole deployment). No
   * replay; a subscriber that also needs what came before reads it elsewhere.
   */
  watchChanges(onChange: (change: Change) => void): Subscription;
  /**
   * Calls `onRecord` for every directory put and delete from the moment `ready` resolves, in
   * revision order (not the entries already there: look those up when needed).
   */
  watchDirectory(onRecord: (record: DirectoryRecord) => void): Subscription;
  /** Whether the bus is reachable now. */
  readonly connected: boolean;
  close(): Promise<void>;
}
