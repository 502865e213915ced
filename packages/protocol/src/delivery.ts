import type { JsonValue } from './json.js';

// What flows from the control plane to the edges (docs/protocol.md section 5): committed changes
// with their environment sequence number, snapshots to bootstrap from, and the directory of
// environments and their credentials.

/** Kinds of item carried in an environment's change log. */
export type ChangeKind = 'flag' | 'segment';

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
