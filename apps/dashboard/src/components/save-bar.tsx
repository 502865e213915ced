interface Props {
  changes: number;
  /** What must be fixed first; saving is disabled while there is any. */
  problems: readonly string[];
  onDiscard(): void;
  onReview(): void;
}

/** The bottom bar of an editor: unsaved changes, problems, Discard and Review and save. */
export function SaveBar({ changes, problems, onDiscard, onReview }: Props) {
  const dirty = changes > 0;
  return (
    <div className={dirty ? 'save-bar save-bar-dirty' : 'save-bar'} role="region" aria-label="Save">
      {problems.length > 0 && (
        <ul className="problems" aria-label="Problems to fix before saving">
          {problems.map((p) => (
            <li key={p}>{p}</li>
          ))}
        </ul>
      )}
      <span className="muted" aria-live="polite">
        {dirty ? `${changes} unsaved change${changes === 1 ? '' : 's'}` : 'No unsaved changes'}
      </span>
      <button type="button" className="button" disabled={!dirty} onClick={onDiscard}>
        Discard
      </button>
      <button
        type="button"
        className="button button-primary"
        disabled={!dirty || problems.length > 0}
        onClick={onReview}
      >
        Review and save
      </button>
    </div>
  );
}
