import { useEffect, useId, useRef, type ReactNode } from 'react';

interface DialogProps {
  open: boolean;
  title: string;
  onClose(): void;
  children: ReactNode;
  /** Buttons at the bottom. */
  actions?: ReactNode;
  wide?: boolean;
}

/**
 * A modal on the native <dialog>: the browser traps focus inside it, closes it on Escape and
 * returns focus to where it was.
 */
export function Dialog({ open, title, onClose, children, actions, wide = false }: DialogProps) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  useEffect(() => {
    const dialog = ref.current;
    if (dialog === null) return;
    if (open && !dialog.open) {
      dialog.showModal();
      // showModal focuses the first focusable element, the close button: start at the first
      // field instead, where there is one.
      dialog.querySelector<HTMLElement>('.dialog-body :is(input, select, textarea)')?.focus();
    }
    if (!open && dialog.open) dialog.close();
  }, [open]);
  return (
    <dialog
      ref={ref}
      className={wide ? 'dialog dialog-wide' : 'dialog'}
      aria-labelledby={titleId}
      onClose={onClose}
      onCancel={(e) => {
        e.preventDefault();
        onClose();
      }}
    >
      {open && (
        <>
          <header className="dialog-header">
            <h2 id={titleId}>{title}</h2>
            <button type="button" className="button-icon" aria-label="Close" onClick={onClose}>
              ×
            </button>
          </header>
          <div className="dialog-body">{children}</div>
          {actions !== undefined && <footer className="dialog-actions">{actions}</footer>}
        </>
      )}
    </dialog>
  );
}

interface ConfirmDialogProps {
  title: string;
  onClose(): void;
  children: ReactNode;
  /** The text of the button that does it. */
  confirm: ReactNode;
  /** Called by the confirm button; without it, the button submits `form`. */
  onConfirm?(): void;
  /** The id of the form in the dialog that the confirm button submits. */
  form?: string;
  tone?: 'primary' | 'danger';
  disabled?: boolean;
  /** The text of the button that closes the dialog without doing it. */
  cancel?: string;
  open?: boolean;
  wide?: boolean;
}

/** A dialog with two buttons at the bottom: one that closes it ("Cancel"), one that does it. */
export function ConfirmDialog({
  confirm,
  onConfirm,
  form,
  tone = 'primary',
  disabled = false,
  cancel = 'Cancel',
  open = true,
  ...props
}: ConfirmDialogProps) {
  return (
    <Dialog
      {...props}
      open={open}
      actions={
        <>
          <button type="button" className="button" onClick={props.onClose}>
            {cancel}
          </button>
          <button
            type={onConfirm === undefined ? 'submit' : 'button'}
            form={form}
            className={`button button-${tone}`}
            disabled={disabled}
            onClick={onConfirm}
          >
            {confirm}
          </button>
        </>
      }
    />
  );
}
