import type { Rule } from '../api/types.js';
import { newClause } from '../editor/clauses.js';
import { withServe } from '../editor/targeting-model.js';
import { ClauseEditor } from '../components/clause-editor.js';
import { ServeEditor } from './serve-editor.js';
import { RemoveButton } from '../components/remove-button.js';

interface Props {
  rule: Rule;
  index: number;
  count: number;
  variationNames: readonly string[];
  segmentKeys: readonly string[];
  onChange(rule: Rule): void;
  onMove(to: number): void;
  onRemove(): void;
}

/** A targeting rule: conditions that all must match, then what it serves. */
export function RuleEditor(props: Props) {
  const { rule, index, count, onChange } = props;
  const label = `Rule ${index + 1}`;
  return (
    <article className="card rule" aria-label={label}>
      <header className="rule-header">
        <h4>{label}</h4>
        <label className="grow field-inline">
          <span>Description</span>
          <input
            value={rule.description ?? ''}
            onChange={(e) => {
              const { description: _d, ...rest } = rule;
              onChange(e.target.value === '' ? rest : { ...rest, description: e.target.value });
            }}
          />
        </label>
        <div className="button-group">
          <button
            type="button"
            className="button button-small"
            disabled={index === 0}
            onClick={() => props.onMove(index - 1)}
            aria-label={`Move ${label.toLowerCase()} up`}
          >
            ↑
          </button>
          <button
            type="button"
            className="button button-small"
            disabled={index === count - 1}
            onClick={() => props.onMove(index + 1)}
            aria-label={`Move ${label.toLowerCase()} down`}
          >
            ↓
          </button>
          <RemoveButton label={`Delete ${label.toLowerCase()}`} onClick={props.onRemove}>
            Delete
          </RemoveButton>
        </div>
      </header>
      <p className="muted">If every condition matches:</p>
      {rule.clauses.map((clause, j) => (
        <ClauseEditor
          key={j}
          clause={clause}
          label={`${label}, condition ${j + 1}`}
          segmentKeys={props.segmentKeys}
          onChange={(c) =>
            onChange({ ...rule, clauses: rule.clauses.map((x, k) => (k === j ? c : x)) })
          }
          onRemove={() => onChange({ ...rule, clauses: rule.clauses.filter((_, k) => k !== j) })}
        />
      ))}
      <button
        type="button"
        className="button button-small"
        onClick={() => onChange({ ...rule, clauses: [...rule.clauses, newClause()] })}
      >
        Add condition
      </button>
      <ServeEditor
        serve={rule}
        variationNames={props.variationNames}
        label={label}
        onChange={(serve) => onChange(withServe(rule, serve))}
      />
    </article>
  );
}
