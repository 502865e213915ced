import { useId } from 'react';
import type { LiveChange } from '../api/event-stream.js';

interface Props {
  /** What is being edited, e.g. `the targeting in Production`. */
  what: string;
  /** The change as the live stream told it (who, when); undefined when it came by a reload. */
  change: LiveChange | undefined;
  /** The version the server has now. */
  version: number;
  /** What merging would overwrite: paths both edits changed (the user's edit wins there). */
  conflicts: readonly string[];
  onMerge(): void;
  onDiscard(): void;
}

/**
 * Shown over an editor as soon as someone else saves what it edits: who and when, and the merge
 * (the same three-way reapply a 409 offers) right there, before the user tries to save.
 */
export function ChangedBanner({ what, change, version, conflicts, onMerge, onDiscard }: Props) {
  const id = useId();
  const when = change === undefined ? undefined : new Date(change.at).toLocaleTimeString();
  return (
    <div className="notice notice-warning changed-banner" role="alert" aria-labelledby={id}>
      <p id={id}>
        <strong>
          {change === undefined ? 'Changed elsewhere' : `Changed by ${change.actor} at ${when}`}
        </strong>{' '}
        while you were editing {what} (now version {version}).
        {change?.comment !== undefined && <> Their comment: “{change.comment}”.</>}
      </p>
      <p>
        Your edit is kept.{' '}
        {conflicts.length === 0
          ? 'Merging keeps their change and yours: nothing overlaps.'
          : `Merging keeps their change except where you both changed the same thing (${conflicts.join(', ')}): there yours wins.`}{' '}
        You review the merged result before it is saved.
      </p>
      <div className="button-row">
        <button type="button" className="button button-primary" onClick={onMerge}>
          Merge their change into my edit
        </button>
        <button type="button" className="button" onClick={onDiscard}>
          Discard my edit and show theirs
        </button>
      </div>
    </div>
  );
}
