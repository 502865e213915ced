import { useId, useState } from 'react';
import type { Rollout } from '../api/types.js';
import {
  TOTAL_WEIGHT,
  evenWeights,
  percentToWeight,
  rolloutWeights,
  setWeight,
  sumWeights,
  weightToPercent,
  withWeights,
} from '../editor/rollout-weights.js';

interface Props {
  rollout: Rollout;
  variationNames: readonly string[];
  /** "Default rule" or "Rule 2": prefixes the inputs' accessible names. */
  label: string;
  onChange(rollout: Rollout): void;
}

/**
 * Percentage rollout: a percentage per variation. Changing one rebalances the others so the
 * total stays 100% (weights are stored in thousandths of a percent).
 */
export function RolloutEditor({ rollout, variationNames, label, onChange }: Props) {
  const id = useId();
  const weights = rolloutWeights(rollout, variationNames.length);
  const total = sumWeights(weights);
  // The input being typed in keeps its text ("12." is on the way to "12.5").
  const [typing, setTyping] = useState<{ index: number; text: string } | undefined>();
  const change = (index: number, text: string) => {
    setTyping({ index, text });
    const weight = percentToWeight(text);
    if (weight !== undefined) onChange(withWeights(rollout, setWeight(weights, index, weight)));
  };
  return (
    <fieldset className="rollout">
      <legend>Percentage rollout</legend>
      {variationNames.map((name, i) => (
        <div key={i} className="rollout-row">
          <label htmlFor={`${id}-${i}`} className="rollout-name">
            {name}
          </label>
          <div className="rollout-input">
            <input
              id={`${id}-${i}`}
              inputMode="decimal"
              aria-label={`${label}: percentage for ${name}`}
              value={typing?.index === i ? typing.text : weightToPercent(weights[i]!)}
              onChange={(e) => change(i, e.target.value)}
              onBlur={() => setTyping(undefined)}
              aria-invalid={typing?.index === i && percentToWeight(typing.text) === undefined}
            />
            <span aria-hidden="true">%</span>
          </div>
          <div className="rollout-bar" aria-hidden="true">
            <span style={{ width: `${(weights[i]! / TOTAL_WEIGHT) * 100}%` }} />
          </div>
        </div>
      ))}
      <div className="rollout-footer">
        <span role="status" className={total === TOTAL_WEIGHT ? 'muted' : 'field-error'}>
          Total {weightToPercent(total)}%
        </span>
        <button
          type="button"
          className="button button-small"
          onClick={() => onChange(withWeights(rollout, evenWeights(variationNames.length)))}
        >
          Split evenly
        </button>
        <label className="field-inline">
          <span>Bucket by</span>
          <input
            value={rollout.bucketBy ?? ''}
            placeholder="key"
            spellCheck={false}
            onChange={(e) => {
              const { bucketBy: _b, ...rest } = rollout;
              onChange(e.target.value === '' ? rest : { ...rest, bucketBy: e.target.value });
            }}
          />
        </label>
        <label className="field-inline">
          <span>Context kind</span>
          <input
            value={rollout.contextKind ?? ''}
            placeholder="user"
            spellCheck={false}
            onChange={(e) => {
              const { contextKind: _c, ...rest } = rollout;
              onChange(e.target.value === '' ? rest : { ...rest, contextKind: e.target.value });
            }}
          />
        </label>
      </div>
    </fieldset>
  );
}
