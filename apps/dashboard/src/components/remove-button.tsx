/** The small red button that removes one row of an editor (a target, a rule, a clause). */
export function RemoveButton(props: {
  /** Says which row, for screen readers: "Remove target 2". */
  readonly label: string;
  readonly onClick: () => void;
  readonly children: string;
}) {
  return (
    <button
      type="button"
      className="button button-small button-danger"
      aria-label={props.label}
      onClick={props.onClick}
    >
      {props.children}
    </button>
  );
}
