import type { SegmentTarget } from '../api/types.js';
import { ValuesInput } from '../components/values-input.js';
import { RemoveButton } from '../components/remove-button.js';

interface Props {
  label: string;
  targets: readonly SegmentTarget[];
  onChange(targets: SegmentTarget[]): void;
}

/** Included or excluded contexts of kinds other than user: keys per context kind. */
export function SegmentTargetsEditor({ label, targets, onChange }: Props) {
  const change = (i: number, part: Partial<SegmentTarget>) =>
    onChange(targets.map((t, j) => (j === i ? { ...t, ...part } : t)));
  return (
    <fieldset className="segment-targets">
      <legend>{label}</legend>
      {targets.map((t, i) => (
        <div key={i} className="row" role="group" aria-label={`${label} ${i + 1}`}>
          <label className="field-inline">
            <span>Context kind</span>
            <input
              value={t.contextKind}
              list="context-kinds"
              onChange={(e) => change(i, { contextKind: e.target.value })}
            />
          </label>
          <ValuesInput
            label="Keys"
            kind="string"
            values={t.values}
            onChange={(v) => change(i, { values: v.map(String) })}
          />
          <RemoveButton
            label={`Remove ${label.toLowerCase()} ${i + 1}`}
            onClick={() => onChange(targets.filter((_, j) => j !== i))}
          >
            Remove
          </RemoveButton>
        </div>
      ))}
      <button
        type="button"
        className="button button-small"
        onClick={() => onChange([...targets, { contextKind: 'organization', values: [] }])}
      >
        Add context kind
      </button>
    </fieldset>
  );
}
