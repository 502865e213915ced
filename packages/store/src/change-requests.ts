import type { JsonValue } from '@vexil/protocol';

// Change requests (approvals): a flag change to an environment that requires approval is stored
// here instead of being applied, until another member approves, rejects or its requester
// withdraws it.

/**
 * `pending` until decided; `approved` (applied), `rejected`, `withdrawn` (by its requester) and
 * `stale` (the flag changed since in a way that conflicts: it can no longer be applied) are final.
 */
export type ChangeRequestStatus = 'pending' | 'approved' | 'rejected' | 'withdrawn' | 'stale';

/** Who did something: an API token's id (the identity compared) and name. */
export interface ChangeRequestActor {
  id: string;
  name: string;
}

export interface ChangeRequestRecord {
  id: string;
  projectKey: string;
  flagKey: string;
  /** The environments whose targeting the patch changes. */
  environmentKeys: string[];
  /** The JSON Patch (RFC 6902) of the flag's API representation. */
  patch: JsonValue[];
  /** The flag's version the patch was made against. */
  baseVersion: number;
  /**
   * What the patch touches as it was at `baseVersion` (the flag's variations and the targeting of
   * `environmentKeys`): applying is refused once any of it changed.
   */
  base: JsonValue;
  requestedBy: ChangeRequestActor;
  /** The requester's X-Vexil-Comment. */
  comment?: string;
  status: ChangeRequestStatus;
  createdAt: number;
  updatedAt: number;
  /** Who approved, rejected or withdrew it, and when. */
  decidedBy?: ChangeRequestActor;
  decidedAt?: number;
  /** Why it was rejected, or why it went stale. */
  reason?: string;
  /** The flag's version after the approved patch was applied. */
  appliedVersion?: number;
}

export interface ChangeRequestQuery {
  projectKey: string;
  flagKey?: string;
  status?: ChangeRequestStatus;
  /** At most this many (default and maximum 1,000), newest first. */
  limit?: number;
}

export const CHANGE_REQUEST_LIMIT = 1000;

export function changeRequestLimit(limit: number | undefined): number {
  if (limit === undefined || !Number.isFinite(limit) || limit < 1) return CHANGE_REQUEST_LIMIT;
  return Math.min(Math.floor(limit), CHANGE_REQUEST_LIMIT);
}
