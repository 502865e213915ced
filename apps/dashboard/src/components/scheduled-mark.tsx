import type { AuditEntry } from '../api/types.js';
import { latenessText, type ScheduledMark } from '../model/schedules.js';
import { formatTime } from './relative-time.js';

/** The scheduled change an audit entry applied (the runner's entries carry `scheduled`). */
export function scheduledMarkOf(entry: AuditEntry): ScheduledMark | undefined {
  return (entry as AuditEntry & { scheduled?: ScheduledMark }).scheduled;
}

/** "Scheduled change: scheduled by ann on …, due …, applied on time." */
export function ScheduledMarkNote({ entry }: { entry: AuditEntry }) {
  const mark = scheduledMarkOf(entry);
  if (mark === undefined) return null;
  return (
    <p className="muted scheduled-mark">
      Scheduled change: scheduled by <strong>{mark.scheduledBy}</strong> on{' '}
      {formatTime(mark.scheduledAt)} for {formatTime(mark.runAt)}, applied{' '}
      {latenessText(mark.lateness)}.
    </p>
  );
}
