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

/** An environment as edges name it. */
export interface EnvironmentDescriptor {
  /** The environment id, which is also its public client-side ID. */
  id: string;
  projectKey: string;
  key: string;
  name: string;
}

/**
 * A credential, stored under `credentialEntryKey(sha256(key))`. Edges receive SHA-256 hashes,
 * never the keys: an edge hashes the key a client presents and looks the hash up.
 */
export interface CredentialEntry {
  type: 'credential';
  /** An SDK key, a mobile key, or an API token of the `edge` role (relay edges). */
  kind: 'sdk' | 'mobile' | 'edge';
  /** The environment an SDK or mobile key opens (absent for edge tokens). */
  environment?: EnvironmentDescriptor;
  /** Unix ms after which a rotated-out key stops working. */
  expiresAt?: number;
}

/**
 * A key that verifies secure-mode hashes (docs/protocol.md section 4.4): the environment's SDK
 * key, or a rotated-out one until it expires, since server SDKs still holding it sign with it.
 */
export interface SecureModeKey {
  key: string;
  /** Unix ms after which hashes made with this key are refused. */
  expiresAt?: number;
}

/** An environment, stored under `environmentEntryKey(id)`: resolves its client-side ID. */
export interface EnvironmentEntry {
  type: 'environment';
  environment: EnvironmentDescriptor;
  /** Hashes of the environment's credentials in the directory, for the origin to remove them. */
  credentials: string[];
  /**
   * Present only while the environment is in secure mode: the keys whose HMAC of a context's
   * canonical key is the `h` that client-side requests must carry. The one place where SDK keys
   * travel in clear to the edges (docs/protocol.md section 5.2 says why).
   */
  secureModeKeys?: SecureModeKey[];
}

/** Written by the origin once the directory holds every environment of its store. */
export interface SyncedEntry {
  type: 'synced';
  at: number;
}

/**
 * The directory (docs/protocol.md section 5.2): one entry per credential and per environment,
 * each under its own key, so nothing an edge receives or keeps grows with the deployment. An
 * edge looks up the keys its clients present and hears of every later put and delete.
 */
export type DirectoryEntry = CredentialEntry | EnvironmentEntry | SyncedEntry;

/** A directory key's entry as of `revision` (increasing with every write; 0: never written). */
export interface DirectoryRecord {
  key: string;
  /** Absent when the key was deleted or never written. */
  entry?: DirectoryEntry;
  revision: number;
}

/** The key of a credential's entry: `c.<hash>`. */
export const credentialEntryKey = (hash: string): string => `c.${hash}`;
/** The key of an environment's entry: `e.<id>`. */
export const environmentEntryKey = (id: string): string => `e.${id}`;
export const SYNCED_ENTRY_KEY = 'synced';

const DIRECTORY_KEY = /^(c\.[0-9a-f]{64}|e\.[A-Za-z0-9_-]{1,128}|synced)$/;

/** Whether `key` can be a directory key (what edges accept from clients before looking it up). */
export function isDirectoryKey(key: string): boolean {
  return DIRECTORY_KEY.test(key);
}

/** A non-empty list of keys: an edge that read anything else could verify nothing. */
function isSecureModeKeys(value: unknown): boolean {
  return (
    Array.isArray(value) &&
    value.length > 0 &&
    value.every((k: unknown) => {
      if (typeof k !== 'object' || k === null) return false;
      const { key, expiresAt } = k as Record<string, unknown>;
      return typeof key === 'string' && (expiresAt === undefined || typeof expiresAt === 'number');
    })
  );
}

export function isDirectoryEntry(value: unknown): value is DirectoryEntry {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  switch (v['type']) {
    case 'credential':
      return v['kind'] === 'sdk' || v['kind'] === 'mobile' || v['kind'] === 'edge';
    case 'environment':
      return (
        typeof v['environment'] === 'object' &&
        Array.isArray(v['credentials']) &&
        (v['secureModeKeys'] === undefined || isSecureModeKeys(v['secureModeKeys']))
      );
    case 'synced':
      return typeof v['at'] === 'number';
    default:
      return false;
  }
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

/**
 * The most evaluations one insight count may carry (docs/protocol.md section 4.5): more than any
 * SDK summarises in one flush, so an event above it is not counted, an edge's summed count stops
 * there, and the origin's delivery API refuses more (one refused count loses the whole batch).
 */
export const MAX_INSIGHT_COUNT = 1_000_000_000;
