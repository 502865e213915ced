import { useId, useState, type ReactNode } from 'react';
import { localInputToIso, toLocalInput } from '../model/schedules.js';
import { ErrorNotice } from './notice.js';

// The review step's "Schedule for later": instead of saving now, the same JSON Patch is sent as
// a scheduled change (POST .../flags/{flag}/schedules) for a local date and time, with the
// comment. The review dialog keeps its save flow; this keeps the option's own state.

/** Sends the change as a schedule at `at` (ISO 8601 with offset); rejects with the API's error. */
export type ScheduleHandler = (at: string, comment?: string) => Promise<void>;

export interface ScheduleLater {
  /** "Schedule for later" is ticked: the primary button schedules instead of saving. */
  readonly on: boolean;
  readonly busy: boolean;
  /** The checkbox, the date-time input and the error, for the dialog body. */
  readonly fields: ReactNode;
  /** The primary button's text. */
  label(count: number): string;
  submit(comment: string): void;
}

/** An hour from now, on the minute: a sensible start for the picker. */
const defaultTime = () => toLocalInput(Math.ceil((Date.now() + 3_600_000) / 60_000) * 60_000);

export function useScheduleLater(
  handler: ScheduleHandler | undefined,
  onScheduled: () => void,
): ScheduleLater {
  const id = useId();
  const [on, setOn] = useState(false);
  const [when, setWhen] = useState(defaultTime);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const [invalid, setInvalid] = useState(false);
  if (handler === undefined)
    return { on: false, busy: false, fields: null, label: () => '', submit: () => undefined };
  const fields = (
    <fieldset className="schedule-later">
      <legend className="visually-hidden">When</legend>
      <label className="checkbox">
        <input
          type="checkbox"
          checked={on}
          onChange={(e) => {
            setOn(e.target.checked);
            setError(undefined);
          }}
        />
        Schedule for later
      </label>
      {on && (
        <>
          <label className="field-inline">
            <span>Apply at</span>
            <input
              id={id}
              type="datetime-local"
              step={1}
              value={when}
              aria-invalid={invalid}
              aria-describedby={`${id}-hint`}
              onChange={(e) => {
                setWhen(e.target.value);
                setInvalid(false);
                setError(undefined);
              }}
            />
          </label>
          <p id={`${id}-hint`} className="hint">
            Your local time ({Intl.DateTimeFormat().resolvedOptions().timeZone}). The change is
            applied to the flag as it is then; until then the flag stays as it is, and the editor
            goes back to it.
          </p>
          {invalid && <p className="field-error">Pick a date and a time.</p>}
          {error !== undefined && <ErrorNotice error={error} />}
        </>
      )}
    </fieldset>
  );
  return {
    on,
    busy,
    fields,
    label: (count) => (busy ? 'Scheduling…' : `Schedule ${count} change${count === 1 ? '' : 's'}`),
    submit(comment) {
      const at = localInputToIso(when);
      if (at === undefined) {
        setInvalid(true);
        return;
      }
      setBusy(true);
      setError(undefined);
      const text = comment.replace(/\s+/g, ' ').trim();
      handler(at, text === '' ? undefined : text).then(
        () => {
          setBusy(false);
          setOn(false);
          setWhen(defaultTime());
          onScheduled();
        },
        (e: unknown) => {
          setBusy(false);
          setError(e);
        },
      );
    },
  };
}
