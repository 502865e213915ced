import type { Flag, JsonValue, PatchOp } from '../api/types.js';
import { pointerTokens } from '../editor/json-patch.js';
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

type Doc = JsonValue;

function applyOp(doc: Doc, op: PatchOp): Doc {
  if (op.op === 'test') return doc;
  const tokens = pointerTokens(op.path);
  const root = structuredClone(doc);
  if (tokens.length === 0) {
    if (op.op === 'add' || op.op === 'replace') return structuredClone(op.value);
    throw new Error(`cannot apply ${op.op} to the whole flag`);
  }
  let parent: Doc = root;
  for (const t of tokens.slice(0, -1)) {
    const next: Doc | undefined = Array.isArray(parent)
      ? parent[Number(t)]
      : typeof parent === 'object' && parent !== null
        ? parent[t]
        : undefined;
    if (next === undefined) throw new Error(`${op.path} does not exist`);
    parent = next;
  }
  const last = tokens.at(-1)!;
  const value = op.op === 'add' || op.op === 'replace' ? structuredClone(op.value) : undefined;
  if (Array.isArray(parent)) {
    const i = last === '-' ? parent.length : Number(last);
    if (op.op === 'remove') parent.splice(i, 1);
    else if (op.op === 'add') parent.splice(i, 0, value!);
    else if (op.op === 'replace') parent[i] = value!;
    else throw new Error(`${op.op} is not described`);
  } else if (typeof parent === 'object' && parent !== null) {
    if (op.op === 'remove') delete parent[last];
    else if (op.op === 'add' || op.op === 'replace') parent[last] = value!;
    else throw new Error(`${op.op} is not described`);
  } else {
    throw new Error(`${op.path} does not exist`);
  }
  return root;
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
    let doc = flag as unknown as Doc;
    for (const op of request.patch) doc = applyOp(doc, op);
    const lines = describeFlagChanges(flag, doc as unknown as Flag, envName, {});
    return lines.length === 0 ? ['no change to the flag as it is now'] : lines;
  } catch {
    return rawText(request.patch);
  }
}
