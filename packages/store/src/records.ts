import type {
  Change,
  ChangeKind,
  ClientSideAvailability,
  EnvironmentSnapshot,
  FlagRule,
  JsonValue,
  Prerequisite,
  SegmentRule,
  SegmentTarget,
  Target,
  VariationOrRollout,
} from '@vexil/protocol';

// The control plane's records. Flags follow LaunchDarkly's organisation: a project-level
// definition (variations, name, tags...) and per-environment targeting with its own version.

export interface ProjectRecord {
  key: string;
  name: string;
  createdAt: number;
}

export interface ExpiringKey {
  key: string;
  /** Unix ms after which the old key stops working. */
  expiresAt: number;
}

export interface EnvironmentRecord {
  /** Opaque public id, also the LaunchDarkly client-side ID (24 lowercase hex digits). */
  id: string;
  projectKey: string;
  key: string;
  name: string;
  sdkKey: string;
  mobileKey: string;
  /** The previous key after a rotation with a grace period. */
  expiringSdkKey?: ExpiringKey;
  expiringMobileKey?: ExpiringKey;
  /**
   * Client-side (browser) requests must carry the secure-mode hash of their context
   * (docs/protocol.md section 4.4).
   */
  secureMode: boolean;
  /**
   * Changes to flag targeting in this environment need an approval: they are stored as change
   * requests instead of being applied (absent = false).
   */
  requireApproval?: boolean;
  /** Sequence number of the last committed change to this environment (0 = none yet). */
  seq: number;
  createdAt: number;
}

/** An environment's id and the seq of its last committed change. */
export interface EnvironmentSeq {
  id: string;
  seq: number;
}

export interface FlagVariation {
  value: JsonValue;
  name?: string;
  description?: string;
}

/** One environment's targeting of a flag, in LaunchDarkly's field names. */
export interface FlagTargeting {
  on: boolean;
  offVariation?: number;
  fallthrough: VariationOrRollout;
  prerequisites: Prerequisite[];
  targets: Target[];
  contextTargets: Target[];
  rules: FlagRule[];
  salt: string;
  clientSideAvailability: ClientSideAvailability;
  trackEvents: boolean;
  trackEventsFallthrough: boolean;
  debugEventsUntilDate?: number;
  /** Version of the flag as SDKs see it in this environment. */
  version: number;
}

export interface FlagRecord {
  projectKey: string;
  key: string;
  name: string;
  description: string;
  tags: string[];
  variations: FlagVariation[];
  temporary: boolean;
  archived: boolean;
  /** Keyed by environment key. */
  environments: Record<string, FlagTargeting>;
  /** Version of the record itself (any change, any environment): what If-Match compares. */
  version: number;
  createdAt: number;
  updatedAt: number;
}

export interface SegmentRecord {
  projectKey: string;
  environmentKey: string;
  key: string;
  name: string;
  description: string;
  tags: string[];
  included: string[];
  excluded: string[];
  includedContexts: SegmentTarget[];
  excludedContexts: SegmentTarget[];
  rules: SegmentRule[];
  salt: string;
  unbounded: boolean;
  unboundedContextKind?: string;
  generation?: number;
  version: number;
  createdAt: number;
  updatedAt: number;
}

/**
 * A payload filter (LaunchDarkly's `filter` parameter, the SDKs' `payloadFilterKey`): the flags
 * of a project that SDKs asking for it are served, named by key and by tag. Segments are always
 * served in full.
 */
export interface FilterRecord {
  projectKey: string;
  key: string;
  name: string;
  description: string;
  /** Flags included by key (whether they exist or not). */
  flagKeys: string[];
  /** Flags included when they carry any of these tags. */
  tags: string[];
  version: number;
  createdAt: number;
  updatedAt: number;
}

export type TokenRole = 'reader' | 'writer' | 'admin' | 'edge';

export interface TokenRecord {
  id: string;
  name: string;
  role: TokenRole;
  /** SHA-256 hex of the secret; the secret itself is never stored. */
  hash: string;
  createdAt: number;
  revokedAt?: number;
  lastUsedAt?: number;
}

/** What a directory mark names: an environment (by id) or an API token (by hash). */
export type DirectorySubject =
  { kind: 'environment'; id: string } | { kind: 'token'; hash: string };

/**
 * A note that the credential directory may have changed: every write to an environment or a
 * token leaves one in its own transaction, so the origin can bring the bus's copy of the
 * directory in step even after a crash between commit and publish. Ids increase and are never
 * reused, but concurrent transactions may commit them out of order.
 */
export interface DirectoryMark {
  id: number;
  subject: DirectorySubject;
}

export interface AuditEntry {
  id: number;
  at: number;
  /** Who: the token's name and id, or `system`. */
  actor: string;
  /** What happened, e.g. `flag.update`, `environment.rotate-key`. */
  action: string;
  projectKey?: string;
  environmentKey?: string;
  resourceKind: 'project' | 'environment' | 'flag' | 'segment' | 'filter' | 'token' | 'data';
  resourceKey: string;
  before: JsonValue;
  after: JsonValue;
  /** Free text from the writer (e.g. the API's comment field). */
  comment?: string;
  /** Set when a scheduled change made this entry (the origin's schedule runner). */
  scheduled?: ScheduledMark;
}

/** How a scheduled change's audit entry says so; `actor` is who scheduled it. */
export interface ScheduledMark {
  scheduleId: string;
  scheduledBy: string;
  /** When it was scheduled, and when it was due (Unix ms). */
  scheduledAt: number;
  runAt: number;
  /** How late it ran, in ms (an origin down when it was due runs it on start). */
  lateness: number;
}

export type NewAuditEntry = Omit<AuditEntry, 'id'>;

export interface AuditQuery {
  projectKey?: string;
  environmentKey?: string;
  resourceKind?: AuditEntry['resourceKind'];
  resourceKey?: string;
  /** Unix ms, inclusive. */
  from?: number;
  /** Unix ms, exclusive. */
  to?: number;
  /** Entries with an id below this (paging backwards from the newest). */
  before?: number;
  limit?: number;
}

/**
 * Flag evaluations counted from SDK analytics events, per environment, flag, variation and
 * one-minute bucket (the flag insights of docs/protocol.md section 4.5).
 */
export interface InsightCount {
  environmentId: string;
  flagKey: string;
  /** The variation served; null when the SDK served its default (flag missing or error). */
  variation: number | null;
  /** Unix ms of the bucket's start (a multiple of 60,000). */
  bucketStart: number;
  count: number;
}

/** Unix ms bounds of insight retention (StoreTransaction.compactInsights). */
export interface InsightRetentionBounds {
  readonly rollUpBefore: number;
  readonly deleteBefore: number;
}

export interface InsightQuery {
  environmentId: string;
  flagKey: string;
  /** Unix ms, inclusive. */
  from?: number;
  /** Unix ms, exclusive. */
  to?: number;
}

/** StoreReader.summarizeInsights: the insight buckets of some environments, summed. */
export interface InsightSummaryQuery {
  environmentIds: readonly string[];
  /** Unix ms, inclusive: buckets that start earlier are left out. */
  from: number;
  /** Unix ms, inclusive, at or after `from`: where `recentCount` starts summing. */
  recentFrom: number;
}

/** The buckets of one environment, flag and variation that start at or after `from`, summed. */
export interface InsightSummary {
  environmentId: string;
  flagKey: string;
  /** The variation served; null when the SDK served its default. */
  variation: number | null;
  /** The sum of their counts. */
  count: number;
  /** The sum of the counts of those that start at or after `recentFrom` (0 if none). */
  recentCount: number;
  /** The start of the latest. */
  lastBucketStart: number;
}

/** StoreReader.listLatestAudit: the newest entry of each resource of one kind in a project. */
export interface LatestAuditQuery {
  projectKey: string;
  resourceKind: AuditEntry['resourceKind'];
}

/** A committed change as the store records it (the wire `Change` of docs/protocol.md section 5). */
export type ChangeRecord = Change;

export interface NewChange {
  kind: ChangeKind;
  key: string;
  version: number;
  item: JsonValue;
  /** W3C traceparent of the write, carried to the edges when tracing is on. */
  trace?: string;
}

export type { ChangeKind, EnvironmentSnapshot };
