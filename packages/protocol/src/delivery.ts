import type { JsonValue } from './json.js';

// What flows from the control plane to the edges (docs/protocol.md section 5): committed changes
// with their environment sequence number, snapshots to bootstrap from, and the directory of
// environments and their credentials.

/** Kinds of item carried in an environment's change log. */
export type ChangeKind = 'flag' | 'segment' | 'filter';

export function isChangeKind(value: unknown): value is ChangeKind {
  return value === 'flag' || value === 'segment' || value === 'filter';
}

/**
 * One committed change to an environment as SDKs see it: the full item JSON (LaunchDarkly's
 * flag or segment, with `version`), or a tombstone `{key, version, deleted: true}`. `seq` is the
 * environment's gap-free sequence number.
 */
export interface Change {
  environmentId: string;
  seq: number;
  kind: ChangeKind;
  key: string;
  version: number;
  item: JsonValue;
  /** Unix ms at commit, carried to the edges to measure propagation. */
  committedAt: number;
  /** W3C traceparent of the write that made the change, when tracing is on. */
  trace?: string;
}

export interface SnapshotItem {
  kind: ChangeKind;
  key: string;
  version: number;
  item: JsonValue;
}

/** An environment's complete SDK data at one sequence number. */
export interface EnvironmentSnapshot {
  environmentId: string;
  seq: number;
  /** Latest item per (kind, key), tombstones included. */
  items: SnapshotItem[];
}

/**
 * A credential that opens an environment. Edges receive SHA-256 hashes, never the keys: an edge
 * hashes the key an SDK presents and looks the hash up.
 */
export interface CredentialHash {
  kind: 'sdk' | 'mobile';
  /** Lowercase hex SHA-256 of the key. */
  hash: string;
  /** Unix ms after which a rotated-out key stops working. */
  expiresAt?: number;
}

export interface EnvironmentDescriptor {
  /** The environment id, which is also its public client-side ID. */
  id: string;
  projectKey: string;
  key: string;
  name: string;
  credentials: CredentialHash[];
}

/** Every environment the edges may serve, with the hashes of their credentials. */
export interface Directory {
  /** Unix ms when the origin built it; edges keep the newest. */
  generatedAt: number;
  environments: EnvironmentDescriptor[];
  /** SHA-256 hashes of the API tokens with the `edge` role (relay edges authenticate with them). */
  edgeTokens: string[];
}

/** An edge's report of itself, sent every few seconds: the delivery network view. */
export interface EdgeReport {
  /** Stable name of the edge node (`--id`). */
  id: string;
  region: string;
  version: string;
  /** Unix ms when the node started. */
  startedAt: number;
  /** Unix ms when this report was made. */
  reportedAt: number;
  /** How the node gets its data: `bus`, `relay` or `embedded`. */
  upstream: string;
  upstreamConnected: boolean;
  /** Serving its last known state because the upstream is unreachable. */
  stale: boolean;
  streams: number;
  environments: EdgeEnvironmentReport[];
  /** Commit -> apply on this edge over the last interval, in ms (absent without changes). */
  propagation?: { samples: number; p50: number; p99: number; max: number };
}

export interface EdgeEnvironmentReport {
  id: string;
  seq: number;
  ready: boolean;
  /** Streams by protocol. */
  streams: Record<string, number>;
}
