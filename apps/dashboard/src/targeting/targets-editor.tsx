import { useEffect, useState } from 'react';
import type { Targeting } from '../api/types.js';
import {
  individualTargets,
  withIndividualTargets,
  type IndividualTarget,
} from '../editor/targeting-model.js';
import { ValuesInput } from '../components/values-input.js';
import { VariationSelect } from './serve-editor.js';
import { RemoveButton } from '../components/remove-button.js';

interface Props {
  targeting: Targeting;
  variationNames: readonly string[];
  onChange(targeting: Targeting): void;
}

const filled = (rows: readonly IndividualTarget[]) => rows.filter((r) => r.values.length > 0);

/** Individual targets: these context keys always get this variation (checked before rules). */
export function TargetsEditor({ targeting, variationNames, onChange }: Props) {
  // Rows without keys yet are shown but not saved (LaunchDarkly has no empty targets).
  const [rows, setRows] = useState(() => individualTargets(targeting));
  useEffect(() => {
    const saved = individualTargets(targeting);
    const same = (current: IndividualTarget[]) =>
      JSON.stringify(filled(current)) === JSON.stringify(saved);
    setRows((current) => (same(current) ? current : saved));
  }, [targeting]);
  const update = (next: IndividualTarget[]) => {
    setRows(next);
    onChange(withIndividualTargets(targeting, next));
  };
  const change = (i: number, part: Partial<IndividualTarget>) =>
    update(rows.map((x, j) => (j === i ? { ...x, ...part } : x)));
  return (
    <div className="targets">
      {rows.length === 0 && <p className="muted">No individual targets.</p>}
      {rows.map((target, i) => (
        <div key={i} className="card target" role="group" aria-label={`Target ${i + 1}`}>
          <label className="field-inline">
            <span>Context kind</span>
            <input
              value={target.contextKind}
              list="context-kinds"
              onChange={(e) => change(i, { contextKind: e.target.value })}
            />
          </label>
          <label className="field-inline">
            <span>Serve</span>
            <VariationSelect
              label={`Target ${i + 1}: variation`}
              value={target.variation}
              variationNames={variationNames}
              onChange={(v) => change(i, { variation: v ?? 0 })}
            />
          </label>
          <ValuesInput
            label="Context keys"
            kind="string"
            values={target.values}
            onChange={(values) => change(i, { values: values.map(String) })}
          />
          <RemoveButton
            label={`Remove target ${i + 1}`}
            onClick={() => update(rows.filter((_, j) => j !== i))}
          >
            Remove
          </RemoveButton>
        </div>
      ))}
      <button
        type="button"
        className="button button-small"
        onClick={() => setRows([...rows, { contextKind: 'user', variation: 0, values: [] }])}
      >
        Add individual target
      </button>
    </div>
  );
}
