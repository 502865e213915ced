// The REST API's shapes as the dashboard reads them (apps/origin/src/api/schemas.ts and
// GET /api/v1/openapi.json). Flags and segments follow LaunchDarkly's JSON; values are JSON.

export type JsonValue = null | boolean | number | string | JsonValue[] | { [k: string]: JsonValue };

export interface Project {
  key: string;
  name: string;
  createdAt: number;
}

export interface ExpiringKey {
  key: string;
  expiresAt: number;
}

export interface Environment {
  key: string;
  name: string;
  projectKey: string;
  sdkKey: string;
  mobileKey: string;
  clientSideId: string;
  /** Browser SDKs must send the secure-mode hash of their context (`hash` option). */
  secureMode: boolean;
  /** Flag targeting changes here become change requests that another member approves. */
  requireApproval?: boolean;
  expiringSdkKey?: ExpiringKey;
  expiringMobileKey?: ExpiringKey;
  seq: number;
  createdAt: number;
}

export interface Clause {
  contextKind?: string;
  attribute: string;
  op: string;
  values: JsonValue[];
  negate?: boolean;
}

export interface WeightedVariation {
  variation: number;
  /** Thousandths of a percent: 100000 is 100%. */
  weight: number;
  untracked?: boolean;
}

export interface Rollout {
  kind?: string;
  contextKind?: string;
  bucketBy?: string;
  seed?: number;
  variations: WeightedVariation[];
}

/** What a rule or the fallthrough serves: one variation, or a percentage rollout. */
export interface VariationOrRollout {
  variation?: number;
  rollout?: Rollout;
}

export interface Rule extends VariationOrRollout {
  id?: string;
  description?: string;
  clauses: Clause[];
  trackEvents?: boolean;
}

export interface Target {
  contextKind?: string;
  values: string[];
  variation: number;
}

export interface Prerequisite {
  key: string;
  variation: number;
}

/** One environment's targeting of a flag (`flag.environments[envKey]`). */
export interface Targeting {
  on: boolean;
  offVariation?: number;
  fallthrough: VariationOrRollout;
  prerequisites: Prerequisite[];
  targets: Target[];
  contextTargets: Target[];
  rules: Rule[];
  salt: string;
  clientSideAvailability: { usingMobileKey: boolean; usingEnvironmentId: boolean };
  trackEvents?: boolean;
  trackEventsFallthrough?: boolean;
  debugEventsUntilDate?: number;
  version?: number;
}

export interface Variation {
  value: JsonValue;
  name?: string;
  description?: string;
}

export interface Flag {
  key: string;
  name: string;
  description: string;
  tags: string[];
  variations: Variation[];
  temporary: boolean;
  archived: boolean;
  version: number;
  createdAt: number;
  updatedAt: number;
  environments: Record<string, Targeting>;
}

export interface FlagInput {
  key: string;
  name?: string;
  description?: string;
  tags?: string[];
  variations: Variation[];
  temporary?: boolean;
  defaults?: { onVariation?: number; offVariation?: number };
  /** Which client-side SDKs get the new flag, in every environment (default: mobile only). */
  clientSideAvailability?: { usingMobileKey: boolean; usingEnvironmentId: boolean };
}

export interface SegmentTarget {
  contextKind: string;
  values: string[];
}

export interface SegmentRule {
  id?: string;
  clauses: Clause[];
  /** Thousandths of a percent; present makes the rule a percentage rule. */
  weight?: number;
  bucketBy?: string;
  rolloutContextKind?: string;
}

export interface Segment {
  key: string;
  name: string;
  description?: string;
  tags?: string[];
  included: string[];
  excluded: string[];
  includedContexts: SegmentTarget[];
  excludedContexts: SegmentTarget[];
  rules: SegmentRule[];
  salt?: string;
  unbounded?: boolean;
  unboundedContextKind?: string;
  generation?: number;
  version: number;
  createdAt?: number;
  updatedAt?: number;
}

export type PatchOp =
  | { op: 'add' | 'replace' | 'test'; path: string; value: JsonValue }
  | { op: 'remove'; path: string }
  | { op: 'move' | 'copy'; path: string; from: string };

export interface AuditEntry {
  id: number;
  at: number;
  actor: string;
  action: string;
  projectKey?: string;
  environmentKey?: string;
  resourceKind: string;
  resourceKey: string;
  before: JsonValue;
  after: JsonValue;
  diff: PatchOp[];
  comment?: string;
}

export interface AuditPage {
  items: AuditEntry[];
  nextBefore?: number;
}

export type InsightsInterval = 'minute' | 'hour' | 'day';

export interface Insights {
  flagKey: string;
  environment: string;
  interval: InsightsInterval;
  from: number;
  to: number;
  variations: { index: number; value: JsonValue; name?: string }[];
  /** Counts per bucket, keyed by variation index, or "default" when the SDK served its default. */
  series: { start: number; counts: Record<string, number> }[];
  totals: Record<string, number>;
}

export type EdgeStatus = 'ok' | 'lagging' | 'stale' | 'lost';

export interface EdgeEnvironment {
  id: string;
  projectKey: string;
  key: string;
  seq: number;
  lag: number;
  ready: boolean;
  /** Open streams by protocol. */
  streams: Record<string, number>;
}

export interface Propagation {
  samples?: number;
  p50?: number;
  p99?: number;
  max?: number;
}

export interface Edge {
  id: string;
  region: string;
  version: string;
  upstream: string;
  status: EdgeStatus;
  uptimeSeconds: number;
  lastReportAt: number;
  upstreamConnected: boolean;
  stale: boolean;
  streams: number;
  environments: EdgeEnvironment[];
  propagation?: Propagation;
}

export interface Network {
  generatedAt: number;
  environments: { id: string; projectKey: string; key: string; seq: number }[];
  edges: Edge[];
}

/** A project's payload filter: the flags SDKs with `payloadFilterKey` are served. */
export interface PayloadFilter {
  key: string;
  name: string;
  description: string;
  flagKeys: string[];
  tags: string[];
  /** The flags it serves now. */
  flags: string[];
  version: number;
  createdAt: number;
  updatedAt: number;
}

/** A variation in a settings edit: `from` is the index of the existing variation it is. */
export interface VariationEdit {
  value: JsonValue;
  name?: string;
  description?: string;
  from?: number;
}

/** PATCH /flags/{key}/settings: each field given replaces the flag's. */
export interface FlagSettingsInput {
  name?: string;
  description?: string;
  tags?: string[];
  temporary?: boolean;
  archived?: boolean;
  variations?: VariationEdit[];
}

export type TokenRole = 'reader' | 'writer' | 'admin' | 'edge';

/** An API token as listed (never its secret, except `token` in the creation response). */
export interface ApiToken {
  id: string;
  name: string;
  role: TokenRole;
  createdAt: number;
  revokedAt?: number;
  lastUsedAt?: number;
  token?: string;
}
