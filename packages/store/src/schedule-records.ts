import type { JsonValue } from '@vexil/protocol';

// Scheduled flag changes: a JSON Patch of a flag (what PATCH .../flags/{key} takes), to be
// applied at a time by the origin's schedule runner, exactly once.

/**
 * `pending` until due; then `done` (applied) or `failed` (the patch no longer applied, with the
 * reason); `cancelled` by a writer before it ran. Only pending schedules can be edited or
 * cancelled, and only pending ones are claimed.
 */
export type ScheduleStatus = 'pending' | 'done' | 'failed' | 'cancelled';

export interface ScheduleRecord {
  /** Opaque id (24 lowercase hex digits). */
  id: string;
  projectKey: string;
  flagKey: string;
  /** Unix ms at which it is due. */
  runAt: number;
  /** JSON Patch operations on the flag's representation. */
  patch: JsonValue[];
  /** Why (the X-Vexil-Comment of the request that scheduled it); goes into the audit entry. */
  comment?: string;
  /** Who scheduled it: the token's name (what audit entries call the actor). */
  createdBy: string;
  createdAt: number;
  /** The flag's version when the change was scheduled (or last edited). */
  flagVersion: number;
  status: ScheduleStatus;
  /** Version of the schedule record itself: what If-Match compares on edits. */
  version: number;
  updatedAt: number;
  /** Who cancelled it, when cancelled. */
  cancelledBy?: string;
  /** When it ran (done or failed). */
  ranAt?: number;
  /** ranAt - runAt, in ms: how late it ran (an origin down at the time runs it on start). */
  lateness?: number;
  /** Why it failed. */
  error?: string;
  /** The flag's version after it was applied. */
  appliedVersion?: number;
  /** The audit entry it wrote when applied. */
  auditId?: number;
}

export interface ScheduleQuery {
  projectKey: string;
  /** Only this flag's schedules. */
  flagKey?: string;
  /** Only schedules in this status. */
  status?: ScheduleStatus;
}
