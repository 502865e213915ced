import type { Flag, JsonValue, PatchOp } from '../api/types.js';
import { applyPatch } from '../editor/apply-patch.js';
import { pointerTokens, unescapePointer } from '../editor/json-patch.js';
import { describeFlagChanges, type DescribeOptions } from './change-description.js';

// Scheduled flag changes (apps/origin/src/api/schedules.ts): the API's shape, the local time a
// person picks in a datetime-local input as the ISO 8601 time with offset the API takes, the
// patch in English, and "in 5 min" for a time ahead.

export type ScheduleStatus = 'pending' | 'done' | 'failed' | 'cancelled';

export interface Schedule {
  id: string;
  projectKey: string;
  flagKey: string;
  /** Unix ms at which it is due. */
  runAt: number;
  patch: PatchOp[];
  comment?: string;
  /** Who scheduled it (the token name). */
  createdBy: string;
  createdAt: number;
  flagVersion: number;
  status: ScheduleStatus;
  /** The schedule's version: what If-Match compares. */
  version: number;
  updatedAt: number;
  cancelledBy?: string;
  ranAt?: number;
  /** ms between runAt and ranAt. */
  lateness?: number;
  error?: string;
  appliedVersion?: number;
  auditId?: number;
}

/** How an audit entry of a scheduled change says so (the runner's entries). */
export interface ScheduledMark {
  scheduleId: string;
  scheduledBy: string;
  scheduledAt: number;
  runAt: number;
  lateness: number;
}

const LOCAL = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?$/;

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/**
 * A datetime-local value ("2030-01-31T09:00" or with seconds), read in the browser's time zone,
 * as ISO 8601 with that offset ("2030-01-31T09:00:00+01:00"); undefined when it is not one.
 */
export function localInputToIso(value: string): string | undefined {
  const m = LOCAL.exec(value.trim());
  if (m === null) return undefined;
  const [, y, mo, d, h, mi, s = '0', ms = '0'] = m;
  const date = new Date(+y!, +mo! - 1, +d!, +h!, +mi!, +s, +ms.padEnd(3, '0'));
  if (Number.isNaN(date.getTime())) return undefined;
  return isoWithOffset(date);
}

/** The local time of `date` with its UTC offset, to the second. */
export function isoWithOffset(date: Date): string {
  const offset = -date.getTimezoneOffset();
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset);
  return (
    `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}` +
    `T${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}` +
    `${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`
  );
}

/** Unix ms as a datetime-local value in the browser's time zone, to the second. */
export function toLocalInput(at: number): string {
  const d = new Date(at);
  return (
    `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}` +
    `T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`
  );
}

/** "in 5 s", "in 3 min", "in 2 h", "in 4 days"; "now" within a second; "5 s ago" past. */
export function untilText(ms: number): string {
  if (ms < 0) {
    const s = Math.round(-ms / 1000);
    if (s < 1) return 'now';
    return `${durationText(-ms)} ago`;
  }
  if (ms < 1000) return 'now';
  return `in ${durationText(ms)}`;
}

/** "5 s", "3 min", "2 h", "4 days" (rounded). */
export function durationText(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.round(s / 60);
  if (m < 60) return `${m} min`;
  const h = Math.round(m / 60);
  if (h < 48) return `${h} h`;
  return `${Math.round(h / 24)} days`;
}

/** How late a schedule ran: "on time" under a second and a half (the runner ticks each second). */
export function latenessText(lateness: number | undefined): string | undefined {
  if (lateness === undefined) return undefined;
  return lateness < 1500 ? 'on time' : `${durationText(lateness)} late`;
}

/** Pending first, soonest first; then the rest, the latest first. */
export function sortSchedules(items: readonly Schedule[]): {
  pending: Schedule[];
  history: Schedule[];
} {
  const pending = items.filter((s) => s.status === 'pending').sort((a, b) => a.runAt - b.runAt);
  const history = items
    .filter((s) => s.status !== 'pending')
    .sort((a, b) => (b.ranAt ?? b.updatedAt) - (a.ranAt ?? a.updatedAt));
  return { pending, history };
}

/** What a schedule would change, in plain English against the flag as it is now. */
export function describeSchedulePatch(
  flag: Flag,
  patch: readonly PatchOp[],
  envName: (key: string) => string = (key) => key,
  options: DescribeOptions = {},
): string[] {
  try {
    const after = applyPatch(flag as unknown as JsonValue, patch) as unknown as Flag;
    const lines = describeFlagChanges(flag, after, envName, options);
    if (lines.length > 0) return lines;
  } catch {
    // Does not apply to the flag as it is now (or a shape this does not describe): the fallback.
  }
  return patch.map((op) => opText(op, envName));
}

/** One operation in words: "set Production › on to true", "remove Production › rules › 0". */
export function opText(op: PatchOp, envName: (key: string) => string = (key) => key): string {
  const where = pathText(op.path, envName);
  const on = /^\/environments\/([^/]+)\/on$/.exec(op.path);
  if (on !== null && (op.op === 'replace' || op.op === 'add') && typeof op.value === 'boolean')
    return `${envName(unescapePointer(on[1]!))}: targeting turned ${op.value ? 'on' : 'off'}`;
  switch (op.op) {
    case 'add':
      return `add ${JSON.stringify(op.value)} at ${where}`;
    case 'replace':
      return `set ${where} to ${JSON.stringify(op.value)}`;
    case 'remove':
      return `remove ${where}`;
    case 'test':
      return `only if ${where} is ${JSON.stringify(op.value)}`;
    case 'move':
      return `move ${pathText(op.from, envName)} to ${where}`;
    case 'copy':
      return `copy ${pathText(op.from, envName)} to ${where}`;
  }
}

function pathText(path: string, envName: (key: string) => string): string {
  const tokens = pointerTokens(path);
  if (tokens[0] === 'environments' && tokens[1] !== undefined)
    tokens.splice(0, 2, envName(tokens[1]));
  return tokens.length === 0 ? 'the flag' : tokens.join(' › ');
}
