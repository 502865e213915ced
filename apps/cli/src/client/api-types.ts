// The shapes of the REST API's responses that the CLI reads (see /api/v1/openapi.json). The
// CLI talks to the control plane over HTTP only, so it declares what it relies on here rather
// than importing the origin's internals.

export interface ItemList<T> {
  readonly items: readonly T[];
}

export interface Project {
  readonly key: string;
  readonly name: string;
  readonly createdAt: number;
}

export interface ExpiringKey {
  readonly key: string;
  readonly expiresAt: number;
}

export interface Environment {
  readonly key: string;
  readonly name: string;
  readonly projectKey: string;
  readonly sdkKey: string;
  readonly mobileKey: string;
  readonly clientSideId: string;
  /** Browser requests must carry the secure-mode hash of their context. */
  readonly secureMode?: boolean;
  /** Flag targeting changes need an approval (change requests). */
  readonly requireApproval?: boolean;
  readonly expiringSdkKey?: ExpiringKey;
  readonly expiringMobileKey?: ExpiringKey;
  readonly seq: number;
  readonly createdAt: number;
}

export interface Variation {
  readonly value: unknown;
  readonly name?: string;
  readonly description?: string;
}

export interface WeightedVariation {
  readonly variation: number;
  /** Thousandths of a percent: 100000 is everyone. */
  readonly weight: number;
}

export interface VariationOrRollout {
  readonly variation?: number;
  readonly rollout?: { readonly variations: readonly WeightedVariation[] };
}

export interface FlagTargeting {
  readonly on: boolean;
  readonly offVariation?: number;
  readonly fallthrough: VariationOrRollout;
  readonly prerequisites: readonly unknown[];
  readonly targets: readonly unknown[];
  readonly contextTargets: readonly unknown[];
  readonly rules: readonly unknown[];
  readonly version?: number;
}

export interface Flag {
  readonly key: string;
  readonly name: string;
  readonly description: string;
  readonly tags: readonly string[];
  readonly variations: readonly Variation[];
  readonly temporary: boolean;
  readonly archived: boolean;
  readonly version: number;
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly environments: Readonly<Record<string, FlagTargeting>>;
}

export interface Segment {
  readonly key: string;
  readonly name: string;
  readonly description?: string;
  readonly tags?: readonly string[];
  readonly included?: readonly string[];
  readonly excluded?: readonly string[];
  readonly rules?: readonly unknown[];
  readonly version: number;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export interface PayloadFilter {
  readonly key: string;
  readonly name: string;
  readonly description: string;
  readonly flagKeys: readonly string[];
  readonly tags: readonly string[];
  /** The flags it serves now. */
  readonly flags: readonly string[];
  readonly version: number;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export interface Token {
  readonly id: string;
  readonly name: string;
  readonly role: string;
  readonly createdAt: number;
  readonly revokedAt?: number;
  /** When it last authenticated a request (recorded at most once a minute). */
  readonly lastUsedAt?: number;
  /** The secret: only in the response that created the token. */
  readonly token?: string;
}

export interface AuditEntry {
  readonly id: number;
  readonly at: number;
  readonly actor: string;
  readonly action: string;
  readonly projectKey?: string;
  readonly environmentKey?: string;
  readonly resourceKind: string;
  readonly resourceKey: string;
  readonly diff?: readonly { readonly op: string; readonly path: string }[];
  /** Why: the comment the write was sent with (--comment, X-Vexil-Comment). */
  readonly comment?: string;
}

export interface SdkData {
  readonly flags: Readonly<Record<string, unknown>>;
  readonly segments: Readonly<Record<string, unknown>>;
}

export interface ImportResult {
  readonly flags: number;
  readonly segments: number;
  readonly changes: number;
  readonly warnings: readonly { readonly path: string; readonly message: string }[];
}
