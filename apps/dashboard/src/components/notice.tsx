import type { ReactNode, Ref } from 'react';
import { errorMessage } from '../api/client.js';

export function ErrorNotice({ error, action }: { error: unknown; action?: ReactNode }) {
  return (
    <div className="notice notice-error" role="alert">
      <p className="pre-line">{errorMessage(error)}</p>
      {action}
    </div>
  );
}

export function Notice({
  children,
  tone = 'info',
}: {
  children: ReactNode;
  tone?: 'info' | 'warning' | 'success';
}) {
  return (
    <div className={`notice notice-${tone}`} role="status">
      {children}
    </div>
  );
}

export function Loading({ what }: { what: string }) {
  return (
    <p className="loading" role="status" aria-live="polite">
      Loading {what}…
    </p>
  );
}

/** An error under a form or in a dialog, announced when it appears; nothing without one. */
export function FieldError({
  error,
  preLine = false,
  ref,
}: {
  error: string | undefined;
  /** Keeps the line breaks of a message of several lines. */
  preLine?: boolean;
  ref?: Ref<HTMLParagraphElement>;
}) {
  if (error === undefined) return null;
  return (
    <p ref={ref} className={preLine ? 'field-error pre-line' : 'field-error'} role="alert">
      {error}
    </p>
  );
}
