import type { Change, Directory, EnvironmentSnapshot } from '@vexil/protocol';
import type { ApplyResult } from '../state/environment-state.js';

/** Where the edge's data comes from: a bus plus a snapshot source, or another Vexil node. */
export interface Upstream {
  start(sink: UpstreamSink): Promise<void>;
  /** Start (or keep) syncing an environment: snapshot, then every change after it. */
  want(environmentId: string): void;
  /** Stop syncing an environment (it left the directory). */
  drop(environmentId: string): void;
  /** The newest seq the upstream has for an environment, when it can tell (bus lag metrics). */
  head?(environmentId: string): Promise<number>;
  close(): Promise<void>;
}

export interface UpstreamSink {
  directory(directory: Directory): void;
  snapshot(snapshot: EnvironmentSnapshot): void;
  /** Applies a change; on `gap` the upstream resyncs the environment from a snapshot. */
  change(change: Change): ApplyResult;
  /** The upstream became reachable or unreachable (the edge then serves its last state, stale). */
  connected(up: boolean, error?: unknown): void;
}

/** Snapshots for bootstrapping and resyncing environments (the origin's store or its HTTP API). */
export interface SnapshotSource {
  snapshot(environmentId: string): Promise<EnvironmentSnapshot | undefined>;
}
