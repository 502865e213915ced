import { useEffect, useId, useRef, useState } from 'react';
import { enc } from '../api/client.js';
import type { Flag } from '../api/types.js';
import { useApi, useSession } from '../app/api-context.js';
import { useLiveReload } from '../app/live.js';
import { useResource } from '../app/use-resource.js';
import { ConfirmDialog } from '../components/dialog.js';
import { ErrorNotice, Loading } from '../components/notice.js';
import { formatTime } from '../components/relative-time.js';
import {
  describeSchedulePatch,
  latenessText,
  localInputToIso,
  opText,
  sortSchedules,
  toLocalInput,
  untilText,
  type Schedule,
} from '../model/schedules.js';

interface Props {
  project: string;
  flag: Flag;
  /** The project's flags, to name prerequisites' variations. */
  flags?: readonly Flag[];
}

/** Pending schedules show "in 5 s" to the second. */
const TICK_MS = 1000;
/** A pending schedule this far past its time is reloaded (the runner may have run it). */
const OVERDUE_MS = 2500;

/**
 * A flag's scheduled changes: the pending ones, soonest first, with their time, what they
 * change in English, who and why, each with "Edit time" and "Cancel"; then the ones that ran,
 * failed or were cancelled, collapsed. Reloads whenever the flag changes (live), which is also
 * when a schedule runs.
 */
export function FlagSchedules({ project, flag, flags = [] }: Props) {
  const api = useApi();
  const { environments } = useSession();
  const path = `/projects/${enc(project)}/flags/${enc(flag.key)}/schedules`;
  const schedules = useResource(`schedules:${project}:${flag.key}`, (signal) =>
    api.get<{ items: Schedule[] }>(path, signal).then((r) => r.items),
  );
  // A schedule's creation, edit, cancellation and run are all changes of its flag.
  useLiveReload(`flag:${project}:${flag.key}`, schedules.reload);
  // The flag's version moves when one runs, even if the stream missed it.
  const seenVersion = useRef(flag.version);
  useEffect(() => {
    if (seenVersion.current !== flag.version) schedules.reload();
    seenVersion.current = flag.version;
  }, [flag.version]);
  const now = useNow(TICK_MS);
  const overdueReload = useRef(0);
  const items = schedules.data ?? [];
  const { pending, history } = sortSchedules(items);
  useEffect(() => {
    const overdue = pending.some((s) => s.runAt < now - OVERDUE_MS);
    if (overdue && now - overdueReload.current > 5_000 && !schedules.loading) {
      overdueReload.current = now;
      schedules.reload();
    }
  }, [now]);
  const [editing, setEditing] = useState<Schedule>();
  const [cancelling, setCancelling] = useState<Schedule>();
  const envName = (key: string) => environments.find((e) => e.key === key)?.name ?? key;
  const describe = (s: Schedule) =>
    s.status === 'pending'
      ? describeSchedulePatch(flag, s.patch, envName, { flags })
      : s.patch.map((op) => opText(op, envName));

  return (
    <section className="card schedules" aria-labelledby="schedules-title">
      <h2 id="schedules-title">Scheduled changes</h2>
      {schedules.error !== undefined && <ErrorNotice error={schedules.error} />}
      {schedules.data === undefined && schedules.error === undefined && (
        <Loading what="the scheduled changes" />
      )}
      {schedules.data !== undefined && pending.length === 0 && (
        <p className="muted">
          Nothing scheduled. To schedule a change, edit the targeting below and choose
          &quot;Schedule for later&quot; when you review it.
        </p>
      )}
      {pending.length > 0 && (
        <div className="table-scroll">
          <table className="table" aria-label="Pending scheduled changes">
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Change</th>
                <th scope="col">By</th>
                <th scope="col">Comment</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {pending.map((s) => (
                <tr key={s.id}>
                  <td>
                    <time dateTime={new Date(s.runAt).toISOString()}>{formatTime(s.runAt)}</time>
                    <br />
                    <span className="muted">
                      {s.runAt <= now ? 'due now' : untilText(s.runAt - now)}
                    </span>
                  </td>
                  <td>
                    <ChangeLines lines={describe(s)} />
                  </td>
                  <td>{s.createdBy}</td>
                  <td>{s.comment ?? <span className="muted">—</span>}</td>
                  <td>
                    <button
                      type="button"
                      className="button button-small"
                      onClick={() => setEditing(s)}
                    >
                      Edit time
                    </button>{' '}
                    <button
                      type="button"
                      className="button button-small button-danger"
                      onClick={() => setCancelling(s)}
                    >
                      Cancel
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {history.length > 0 && (
        <details className="schedule-history">
          <summary>Past scheduled changes ({history.length}: done, failed or cancelled)</summary>
          <div className="table-scroll">
            <table className="table" aria-label="Past scheduled changes">
              <thead>
                <tr>
                  <th scope="col">Status</th>
                  <th scope="col">Time</th>
                  <th scope="col">Change</th>
                  <th scope="col">By</th>
                  <th scope="col">Comment</th>
                </tr>
              </thead>
              <tbody>
                {history.map((s) => (
                  <tr key={s.id}>
                    <td>
                      <StatusText schedule={s} />
                    </td>
                    <td>
                      <time dateTime={new Date(s.runAt).toISOString()}>{formatTime(s.runAt)}</time>
                      {s.ranAt !== undefined && (
                        <>
                          <br />
                          <span className="muted">
                            ran {formatTime(s.ranAt)}, {latenessText(s.lateness)}
                          </span>
                        </>
                      )}
                    </td>
                    <td>
                      <ChangeLines lines={describe(s)} />
                      {s.error !== undefined && <p className="field-error">{s.error}</p>}
                    </td>
                    <td>
                      {s.createdBy}
                      {s.cancelledBy !== undefined && (
                        <span className="muted"> (cancelled by {s.cancelledBy})</span>
                      )}
                    </td>
                    <td>{s.comment ?? <span className="muted">—</span>}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </details>
      )}
      {editing !== undefined && (
        <EditTimeDialog
          project={project}
          schedule={editing}
          onClose={() => setEditing(undefined)}
          onDone={() => {
            setEditing(undefined);
            schedules.reload();
          }}
        />
      )}
      {cancelling !== undefined && (
        <CancelDialog
          project={project}
          schedule={cancelling}
          lines={describe(cancelling)}
          onClose={() => setCancelling(undefined)}
          onDone={() => {
            setCancelling(undefined);
            schedules.reload();
          }}
        />
      )}
    </section>
  );
}

function ChangeLines({ lines }: { lines: readonly string[] }) {
  if (lines.length === 1) return <>{lines[0]}</>;
  return (
    <ul className="change-list">
      {lines.map((line, i) => (
        <li key={i}>{line}</li>
      ))}
    </ul>
  );
}

const STATUS: Record<Schedule['status'], { text: string; badge: string }> = {
  pending: { text: 'Pending', badge: 'badge-stale' },
  done: { text: 'Done', badge: 'badge-ok' },
  failed: { text: 'Failed', badge: 'badge-lost' },
  cancelled: { text: 'Cancelled', badge: 'badge-off' },
};

function StatusText({ schedule }: { schedule: Schedule }) {
  const { text, badge } = STATUS[schedule.status];
  return <span className={`badge ${badge}`}>{text}</span>;
}

/** The time now, re-rendered every `ms`. */
function useNow(ms: number): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(timer);
  }, [ms]);
  return now;
}

interface ActionProps {
  project: string;
  schedule: Schedule;
  onClose(): void;
  onDone(): void;
}

const schedulePath = (project: string, s: Schedule) =>
  `/projects/${enc(project)}/schedules/${enc(s.id)}`;

/** A new time for a pending schedule: PATCH {at} with If-Match on the schedule's version. */
function EditTimeDialog({ project, schedule, onClose, onDone }: ActionProps) {
  const api = useApi();
  const id = useId();
  const [when, setWhen] = useState(() => toLocalInput(schedule.runAt));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const save = () => {
    const at = localInputToIso(when);
    if (at === undefined) {
      setError(new Error('Pick a date and a time.'));
      return;
    }
    setBusy(true);
    setError(undefined);
    api
      .patchJson<Schedule>(schedulePath(project, schedule), { at }, schedule.version)
      .then(onDone, (e: unknown) => {
        setBusy(false);
        setError(e);
      });
  };
  return (
    <ConfirmDialog
      title="Edit the scheduled time"
      onClose={onClose}
      cancel="Keep the time"
      confirm={busy ? 'Saving…' : 'Save time'}
      disabled={busy}
      onConfirm={save}
    >
      <p>
        Now due {formatTime(schedule.runAt)}, scheduled by {schedule.createdBy}.
      </p>
      <label className="field-inline">
        <span>New time</span>
        <input
          id={id}
          type="datetime-local"
          step={1}
          value={when}
          aria-describedby={`${id}-hint`}
          onChange={(e) => setWhen(e.target.value)}
        />
      </label>
      <p id={`${id}-hint`} className="hint">
        Your local time ({Intl.DateTimeFormat().resolvedOptions().timeZone}).
      </p>
      {error !== undefined && <ErrorNotice error={error} />}
    </ConfirmDialog>
  );
}

/** Confirms, then cancels a pending schedule (DELETE with If-Match); it stays listed. */
function CancelDialog({
  project,
  schedule,
  lines,
  onClose,
  onDone,
}: ActionProps & { lines: readonly string[] }) {
  const api = useApi();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const cancel = () => {
    setBusy(true);
    setError(undefined);
    api.delete(schedulePath(project, schedule), schedule.version).then(onDone, (e: unknown) => {
      setBusy(false);
      setError(e);
    });
  };
  return (
    <ConfirmDialog
      title="Cancel this scheduled change?"
      onClose={onClose}
      cancel="Keep it"
      confirm={busy ? 'Cancelling…' : 'Cancel the change'}
      tone="danger"
      disabled={busy}
      onConfirm={cancel}
    >
      <p>
        Due {formatTime(schedule.runAt)}, scheduled by {schedule.createdBy}. It will not run; it
        stays in the history as cancelled.
      </p>
      <ChangeLines lines={lines} />
      {error !== undefined && <ErrorNotice error={error} />}
    </ConfirmDialog>
  );
}
