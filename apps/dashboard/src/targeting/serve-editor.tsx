import { useId } from 'react';
import type { VariationOrRollout } from '../api/types.js';
import { serveKind, toRollout, toVariation } from '../editor/targeting-model.js';
import { RolloutEditor } from './rollout-editor.js';

interface Props {
  serve: VariationOrRollout;
  variationNames: readonly string[];
  label: string;
  onChange(serve: VariationOrRollout): void;
}

/** What a rule or the default rule serves: one variation or a percentage rollout. */
export function ServeEditor({ serve, variationNames, label, onChange }: Props) {
  const id = useId();
  const kind = serveKind(serve);
  const n = variationNames.length;
  return (
    <div className="serve">
      <fieldset className="serve-kind">
        <legend>{label}: serve</legend>
        <label className="radio">
          <input
            type="radio"
            name={id}
            checked={kind === 'variation'}
            onChange={() => onChange(toVariation(serve, n))}
          />
          A variation
        </label>
        <label className="radio">
          <input
            type="radio"
            name={id}
            checked={kind === 'rollout'}
            onChange={() => onChange(toRollout(serve, n))}
          />
          A percentage rollout
        </label>
      </fieldset>
      {kind === 'variation' ? (
        <label className="field-inline">
          <span>Variation</span>
          <select
            aria-label={`${label}: variation`}
            value={serve.variation ?? ''}
            onChange={(e) => onChange({ variation: Number(e.target.value) })}
          >
            {serve.variation === undefined && <option value="">Choose…</option>}
            {variationNames.map((name, i) => (
              <option key={i} value={i}>
                {name}
              </option>
            ))}
          </select>
        </label>
      ) : (
        <RolloutEditor
          rollout={serve.rollout!}
          variationNames={variationNames}
          label={label}
          onChange={(rollout) => onChange({ rollout })}
        />
      )}
    </div>
  );
}

/** A <select> of variations; `none` adds an empty choice. */
export function VariationSelect({
  value,
  variationNames,
  label,
  onChange,
  none,
}: {
  value: number | undefined;
  variationNames: readonly string[];
  label: string;
  onChange(index: number | undefined): void;
  none?: string;
}) {
  return (
    <select
      aria-label={label}
      value={value ?? ''}
      onChange={(e) => onChange(e.target.value === '' ? undefined : Number(e.target.value))}
    >
      {(none !== undefined || value === undefined) && <option value="">{none ?? 'Choose…'}</option>}
      {variationNames.map((name, i) => (
        <option key={i} value={i}>
          {name}
        </option>
      ))}
    </select>
  );
}
