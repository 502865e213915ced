import type { Flag, JsonValue, PatchOp } from '../api/types.js';
import { applyPatch } from '../editor/apply-patch.js';
import { describeFlagChanges } from './change-description.js';

// Change requests (approvals): a flag change in an environment that requires approval comes
// back from PATCH as a request (202) instead of the flag; the Change requests page lists them.

export interface ChangeRequestActor {
  id: string;
  name: string;
}

export interface ChangeRequest {
  id: string;
  projectKey: string;
  flagKey: string;
  environmentKeys: string[];
  patch: PatchOp[];
  baseVersion: number;
  requestedBy: ChangeRequestActor;
  comment?: string;
  status: 'pending' | 'approved' | 'rejected' | 'withdrawn' | 'stale';
  createdAt: number;
  updatedAt: number;
  decidedBy?: ChangeRequestActor;
  decidedAt?: number;
  reason?: string;
  appliedVersion?: number;
}

/** Whether a PATCH answer is a change request (202) rather than the changed resource. */
export function isChangeRequest(value: unknown): value is ChangeRequest {
  return (
    typeof value === 'object' &&
    value !== null &&
    'requestedBy' in value &&
    'status' in value &&
    'patch' in value
  );
}

/** What the dashboard says once a save became a request. */
export function submittedText(request: ChangeRequest, envName: string): string {
  return `Submitted for approval: ${envName} requires approval, so this change waits for another member to approve it on the Change requests page (request ${request.id.slice(0, 8)}).`;
}

const rawText = (patch: readonly PatchOp[]) =>
  patch.map((op) =>
    'value' in op ? `${op.op} ${op.path} = ${JSON.stringify(op.value)}` : `${op.op} ${op.path}`,
  );

/**
 * The request's change in English, against the flag as it is now (what approving it would do);
 * the raw operations when they no longer apply to it.
 */
export function describeRequest(
  flag: Flag | undefined,
  request: ChangeRequest,
  envName: (key: string) => string,
): string[] {
  if (flag === undefined) return rawText(request.patch);
  try {
    // `test` operations are checked when the request is approved, not described.
    const changes = request.patch.filter((op) => op.op !== 'test');
    const after = applyPatch(flag as unknown as JsonValue, changes) as unknown as Flag;
    const lines = describeFlagChanges(flag, after, envName, {});
    return lines.length === 0 ? ['no change to the flag as it is now'] : lines;
  } catch {
    return rawText(request.patch);
  }
}
