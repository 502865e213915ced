import { useState } from 'react';
import type { SegmentRule } from '../api/types.js';
import { newClause } from '../editor/clauses.js';
import { percentToWeight, weightToPercent } from '../editor/rollout-weights.js';
import { ClauseEditor } from '../components/clause-editor.js';
import { RemoveButton } from '../components/remove-button.js';

interface Props {
  rules: readonly SegmentRule[];
  segmentKeys: readonly string[];
  newId(): string;
  onChange(rules: SegmentRule[]): void;
}

/** Segment rules: conditions, and optionally only a percentage of the matching contexts. */
export function SegmentRulesEditor({ rules, segmentKeys, newId, onChange }: Props) {
  const change = (i: number, rule: SegmentRule) =>
    onChange(rules.map((r, j) => (j === i ? rule : r)));
  return (
    <div className="rules">
      {rules.length === 0 && <p className="muted">No rules.</p>}
      {rules.map((rule, i) => (
        <article key={rule.id ?? i} className="card rule" aria-label={`Rule ${i + 1}`}>
          <header className="rule-header">
            <h3>Rule {i + 1}</h3>
            <RemoveButton
              label={`Delete rule ${i + 1}`}
              onClick={() => onChange(rules.filter((_, j) => j !== i))}
            >
              Delete
            </RemoveButton>
          </header>
          {rule.clauses.map((clause, j) => (
            <ClauseEditor
              key={j}
              clause={clause}
              label={`Rule ${i + 1}, condition ${j + 1}`}
              segmentKeys={segmentKeys}
              onChange={(c) =>
                change(i, { ...rule, clauses: rule.clauses.map((x, k) => (k === j ? c : x)) })
              }
              onRemove={() =>
                change(i, { ...rule, clauses: rule.clauses.filter((_, k) => k !== j) })
              }
            />
          ))}
          <button
            type="button"
            className="button button-small"
            onClick={() => change(i, { ...rule, clauses: [...rule.clauses, newClause()] })}
          >
            Add condition
          </button>
          <RuleWeight rule={rule} label={`Rule ${i + 1}`} onChange={(r) => change(i, r)} />
        </article>
      ))}
      <button
        type="button"
        className="button"
        onClick={() => onChange([...rules, { id: newId(), clauses: [newClause()] }])}
      >
        Add rule
      </button>
    </div>
  );
}

function RuleWeight({
  rule,
  label,
  onChange,
}: {
  rule: SegmentRule;
  label: string;
  onChange(rule: SegmentRule): void;
}) {
  const [text, setText] = useState<string | undefined>();
  const limited = rule.weight !== undefined;
  const { weight: _w, ...unlimited } = rule;
  return (
    <div className="row">
      <label className="checkbox">
        <input
          type="checkbox"
          checked={limited}
          onChange={(e) => onChange(e.target.checked ? { ...rule, weight: 100_000 } : unlimited)}
        />
        Only a percentage of matching contexts
      </label>
      {limited && (
        <label className="field-inline">
          <span>Percentage</span>
          <input
            inputMode="decimal"
            aria-label={`${label}: percentage of matching contexts`}
            value={text ?? weightToPercent(rule.weight!)}
            onChange={(e) => {
              setText(e.target.value);
              const weight = percentToWeight(e.target.value);
              if (weight !== undefined) onChange({ ...rule, weight });
            }}
            onBlur={() => setText(undefined)}
          />
          <span aria-hidden="true">%</span>
        </label>
      )}
    </div>
  );
}
