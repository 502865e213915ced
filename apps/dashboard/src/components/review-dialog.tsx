import type { PatchOp } from '../api/types.js';
import type { SaveState } from '../app/use-edit-session.js';
import { Dialog } from './dialog.js';
import { ErrorNotice, Notice } from './notice.js';
import { PatchPreview } from './patch-preview.js';

interface Props {
  state: SaveState;
  /** What is being saved, e.g. `flag "new-checkout" in Production`. */
  subject: string;
  ops: readonly PatchOp[];
  /** After a reapply: parts where this edit overwrites someone else's change. */
  overwrites: readonly string[];
  onSave(): void;
  onClose(): void;
  /** Loads the latest version and replays the edit onto it. */
  onReapply(): void;
  /** Drops the edit and loads the latest version. */
  onDiscard(): void;
}

/** The save step: the JSON Patch to send, then the outcome (a conflict offers a reapply). */
export function ReviewDialog(props: Props) {
  const { state, ops } = props;
  const open = state.step !== 'editing';
  const conflict = state.step === 'conflict';
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
              disabled={state.step === 'saving' || ops.length === 0}
              onClick={props.onSave}
            >
              {state.step === 'saving'
                ? 'Saving…'
                : `Save ${ops.length} change${ops.length === 1 ? '' : 's'}`}
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
            These JSON Patch operations will be applied to {props.subject}, only if nobody has
            changed it since you loaded it.
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
          <PatchPreview ops={ops} />
          {state.step === 'failed' && <ErrorNotice error={state.error} />}
        </>
      )}
    </Dialog>
  );
}
