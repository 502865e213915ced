import type { Flag, Prerequisite } from '../api/types.js';
import { variationName } from '../model/flag-summary.js';
import { VariationSelect } from './serve-editor.js';
import { RemoveButton } from '../components/remove-button.js';

interface Props {
  prerequisites: readonly Prerequisite[];
  flagKey: string;
  /** The project's flags: a prerequisite names one of them and one of its variations. */
  flags: readonly Flag[];
  onChange(prerequisites: Prerequisite[]): void;
}

/** Prerequisites: other flags that must serve a given variation for this one to apply. */
export function PrerequisitesEditor({ prerequisites, flagKey, flags, onChange }: Props) {
  const candidates = flags.filter((f) => f.key !== flagKey && !f.archived);
  const change = (i: number, p: Prerequisite) =>
    onChange(prerequisites.map((x, j) => (j === i ? p : x)));
  return (
    <div className="prerequisites">
      {prerequisites.length === 0 && <p className="muted">No prerequisites.</p>}
      {prerequisites.map((p, i) => {
        const flag = flags.find((f) => f.key === p.key);
        return (
          <div key={i} className="row" role="group" aria-label={`Prerequisite ${i + 1}`}>
            <label className="field-inline">
              <span>Flag</span>
              <select
                value={p.key}
                onChange={(e) => change(i, { key: e.target.value, variation: 0 })}
              >
                {flag === undefined && <option value={p.key}>{p.key} (missing)</option>}
                {candidates.map((f) => (
                  <option key={f.key} value={f.key}>
                    {f.name} ({f.key})
                  </option>
                ))}
              </select>
            </label>
            <label className="field-inline">
              <span>must serve</span>
              <VariationSelect
                label={`Prerequisite ${i + 1}: required variation`}
                value={p.variation}
                variationNames={(flag?.variations ?? []).map((_, k) => variationName(flag!, k))}
                onChange={(v) => change(i, { key: p.key, variation: v ?? 0 })}
              />
            </label>
            <RemoveButton
              label={`Remove prerequisite ${i + 1}`}
              onClick={() => onChange(prerequisites.filter((_, j) => j !== i))}
            >
              Remove
            </RemoveButton>
          </div>
        );
      })}
      <button
        type="button"
        className="button button-small"
        disabled={candidates.length === 0}
        onClick={() => onChange([...prerequisites, { key: candidates[0]!.key, variation: 0 }])}
      >
        Add prerequisite
      </button>
    </div>
  );
}
