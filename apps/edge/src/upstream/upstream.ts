import type { Change, DirectoryRecord, EnvironmentSnapshot } from '@vexil/protocol';
import type { ApplyResult } from '../state/environment-state.js';

/** Where the edge's data comes from: a bus plus a snapshot source, or another Vexil node. */
export interface Upstream {
  start(sink: UpstreamSink): Promise<void>;
  /**
   * Looks a directory key up (a credential or client-side ID not in the edge's cache, or older
   * than `minRevision`, which an upstream that caches passes on: docs/cdn.md section 4).
   */
  lookup(key: string, minRevision: number): Promise<DirectoryRecord>;
  /** Start (or keep) syncing an environment: snapshot, then every change after it. */
  want(environmentId: string): void;
  /** Stop syncing an environment (evicted, or deleted). */
  drop(environmentId: string): void;
  /** The newest seq the upstream has for an environment, when it can tell (bus lag metrics). */
  head?(environmentId: string): Promise<number>;
  close(): Promise<void>;
}

export interface UpstreamSink {
  /**
   * The upstream's directory watch is live (again): every put and delete from now on reaches
   * `directory`, so lookups can be cached; anything cached before is checked again.
   */
  directoryLive(): void;
  /** A directory key changed. */
  directory(record: DirectoryRecord): void;
  snapshot(snapshot: EnvironmentSnapshot): void;
  /** The upstream stopped holding an environment (a multi-process edge's primary evicted it). */
  evicted(environmentId: string): void;
  /** Applies a change; on `gap` the upstream resyncs the environment from a snapshot. */
  change(change: Change): ApplyResult;
  /** The upstream became reachable or unreachable (the edge then serves its last state, stale). */
  connected(up: boolean, error?: unknown): void;
}

/** Snapshots for bootstrapping and resyncing environments (the origin's store or its HTTP API). */
export interface SnapshotSource {
  snapshot(environmentId: string): Promise<EnvironmentSnapshot | undefined>;
}
