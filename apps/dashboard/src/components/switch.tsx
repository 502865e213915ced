interface SwitchProps {
  checked: boolean;
  onChange(checked: boolean): void;
  /** The accessible name: what is switched. */
  label: string;
  disabled?: boolean;
  id?: string;
}

/** An on/off switch: a button with role="switch", operable with Space and Enter. */
export function Switch({ checked, onChange, label, disabled = false, id }: SwitchProps) {
  return (
    <button
      type="button"
      role="switch"
      id={id}
      aria-checked={checked}
      aria-label={label}
      className="switch"
      disabled={disabled}
      onClick={() => onChange(!checked)}
    >
      <span className="switch-track" aria-hidden="true">
        <span className="switch-thumb" />
      </span>
      <span className="switch-text">{checked ? 'On' : 'Off'}</span>
    </button>
  );
}
