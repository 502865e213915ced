import { useEffect, useId, useRef, useState } from 'react';
import type { PatchOp } from '../api/types.js';
import type { SaveState } from '../app/use-edit-session.js';
import { Dialog } from './dialog.js';
import { ErrorNotice, Notice } from './notice.js';
import { PatchPreview } from './patch-preview.js';
import { useScheduleLater, type ScheduleHandler } from './schedule-later.js';

interface Props {
  state: SaveState;
  /** What is being saved, e.g. `flag "new-checkout" in Production`. */
  subject: string;
  ops: readonly PatchOp[];
  /**
   * The same changes in plain English (model/change-description.ts), one line each; without
   * them the JSON Patch is shown open.
   */
  changes?: readonly string[];
  /** After a reapply: parts where this edit overwrites someone else's change. */
  overwrites: readonly string[];
  /** Saves, with the comment the person wrote (why; kept in the audit log), if any. */
  onSave(comment?: string): void;
  onClose(): void;
  /** Loads the latest version and replays the edit onto it. */
  onReapply(): void;
  /** Drops the edit and loads the latest version. */
  onDiscard(): void;
  /** Offers "Schedule for later": sends the same patch as a scheduled change (schedule-later.tsx). */
  onSchedule?: ScheduleHandler;
}

/** The longest comment the API keeps (apps/origin/src/http/audit-comment.ts). */
const COMMENT_MAX = 500;

/**
 * The save step: the changes in plain English (the JSON Patch to send one click away), an
 * optional comment for the audit log, then the outcome (a conflict offers a reapply).
 */
export function ReviewDialog(props: Props) {
  const { state, ops, changes = [] } = props;
  const open = state.step !== 'editing';
  const conflict = state.step === 'conflict';
  const commentId = useId();
  const [comment, setComment] = useState('');
  // Kept while the person goes back to editing or resolves a conflict; cleared once saved or
  // the edit is discarded.
  const previous = useRef(state.step);
  useEffect(() => {
    if (
      state.step === 'editing' &&
      (previous.current === 'saving' || previous.current === 'conflict')
    )
      setComment('');
    previous.current = state.step;
  }, [state.step]);
  const count = changes.length > 0 ? changes.length : ops.length;
  const later = useScheduleLater(props.onSchedule, () => setComment(''));
  return (
    <Dialog
      open={open}
      wide
      title={conflict ? 'Someone else changed this meanwhile' : 'Review changes'}
      onClose={props.onClose}
      actions={
        conflict ? (
          <>
            <button type="button" className="button" onClick={props.onDiscard}>
              Discard my changes and reload
            </button>
            <button type="button" className="button button-primary" onClick={props.onReapply}>
              Reload and reapply my changes
            </button>
          </>
        ) : (
          <>
            <button type="button" className="button" onClick={props.onClose}>
              Keep editing
            </button>
            <button
              type="button"
              className="button button-primary"
              disabled={state.step === 'saving' || later.busy || ops.length === 0}
              onClick={() => (later.on ? later.submit(comment) : props.onSave(comment))}
            >
              {later.on
                ? later.label(count)
                : state.step === 'saving'
                  ? 'Saving…'
                  : `Save ${count} change${count === 1 ? '' : 's'}`}
            </button>
          </>
        )
      }
    >
      {conflict ? (
        <>
          <p>{state.error.message}</p>
          <p>
            Reloading fetches the latest version and replays your edit onto it; you will see the
            result here before anything is saved.
          </p>
        </>
      ) : (
        <>
          <p>
            These changes will be saved to {props.subject}, only if nobody has changed it since you
            loaded it.
          </p>
          {props.overwrites.length > 0 && (
            <Notice tone="warning">
              Your edit was reapplied onto the latest version. It overwrites someone else&apos;s
              change at:{' '}
              {props.overwrites.map((p) => (
                <code key={p}>{p || '/'} </code>
              ))}
            </Notice>
          )}
          {changes.length > 0 && (
            <ul className="change-list" aria-label="Changes">
              {changes.map((line, i) => (
                <li key={i}>{line}</li>
              ))}
            </ul>
          )}
          <label htmlFor={commentId} className="comment-label">
            Comment (optional)
          </label>
          <textarea
            id={commentId}
            className="comment-input"
            rows={2}
            maxLength={COMMENT_MAX}
            value={comment}
            placeholder="Why this change? For example: ramping up after a clean day at 5%"
            aria-describedby={`${commentId}-hint`}
            onChange={(e) => setComment(e.target.value)}
          />
          <p id={`${commentId}-hint`} className="hint">
            Kept with this change in the audit log.
          </p>
          <details className="patch-details" open={changes.length === 0}>
            <summary>
              Show JSON Patch ({ops.length} operation{ops.length === 1 ? '' : 's'})
            </summary>
            <PatchPreview ops={ops} />
          </details>
          {later.fields}
          {state.step === 'failed' && <ErrorNotice error={state.error} />}
        </>
      )}
    </Dialog>
  );
}
