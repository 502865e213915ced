import type { Clause } from '../api/types.js';
import {
  OPERATORS,
  changeOperator,
  changeScalarType,
  operatorInfo,
  scalarTypeOf,
  type ScalarType,
} from '../editor/clauses.js';
import { ValuesInput } from './values-input.js';
import { RemoveButton } from './remove-button.js';

interface Props {
  clause: Clause;
  /** "Rule 1, condition 2": prefixes every control's accessible name. */
  label: string;
  segmentKeys: readonly string[];
  onChange(clause: Clause): void;
  onRemove(): void;
}

const HINTS: Record<string, string> = {
  date: 'One per line: Unix milliseconds or RFC 3339 (2025-01-31T12:00:00Z).',
  semver: 'One per line, such as 1.2.3 or 2.0.0-beta.1.',
  regex: 'One regular expression per line.',
  number: 'One number per line.',
};

/** One condition: context kind, attribute, operator (negatable) and values. */
export function ClauseEditor({ clause, label, segmentKeys, onChange, onRemove }: Props) {
  const info = operatorInfo(clause.op);
  const isSegment = info.kind === 'segment';
  const scalar = scalarTypeOf(clause.values);
  return (
    <div className="clause" role="group" aria-label={label}>
      {!isSegment && (
        <>
          <label className="clause-kind">
            Context kind
            <input
              value={clause.contextKind ?? 'user'}
              list="context-kinds"
              spellCheck={false}
              onChange={(e) => onChange({ ...clause, contextKind: e.target.value })}
            />
          </label>
          <label className="clause-attribute">
            Attribute
            <input
              value={clause.attribute}
              list="attributes"
              spellCheck={false}
              onChange={(e) => onChange({ ...clause, attribute: e.target.value })}
            />
          </label>
        </>
      )}
      <label className="clause-negate checkbox">
        <input
          type="checkbox"
          checked={clause.negate === true}
          onChange={(e) => onChange({ ...clause, negate: e.target.checked })}
        />
        Not
      </label>
      <label className="clause-op">
        Operator
        <select
          value={clause.op}
          onChange={(e) => onChange(changeOperator(clause, e.target.value))}
        >
          {OPERATORS.map((o) => (
            <option key={o.op} value={o.op}>
              {o.label}
            </option>
          ))}
        </select>
      </label>
      {info.kind === 'any' && (
        <label className="clause-type">
          Values are
          <select
            value={scalar}
            onChange={(e) => onChange(changeScalarType(clause, e.target.value as ScalarType))}
          >
            <option value="string">text</option>
            <option value="number">numbers</option>
            <option value="boolean">true/false</option>
          </select>
        </label>
      )}
      <div className="clause-values">
        {isSegment ? (
          <SegmentChoice clause={clause} segmentKeys={segmentKeys} onChange={onChange} />
        ) : (
          <ValuesInput
            label="Values"
            kind={info.kind}
            scalar={scalar}
            values={clause.values}
            onChange={(values) => onChange({ ...clause, values })}
            {...(HINTS[info.kind] === undefined ? {} : { hint: HINTS[info.kind]! })}
          />
        )}
      </div>
      <RemoveButton label={`Remove ${label.toLowerCase()}`} onClick={onRemove}>
        Remove
      </RemoveButton>
    </div>
  );
}

function SegmentChoice({
  clause,
  segmentKeys,
  onChange,
}: {
  clause: Clause;
  segmentKeys: readonly string[];
  onChange(clause: Clause): void;
}) {
  const chosen = new Set(clause.values.filter((v): v is string => typeof v === 'string'));
  const keys = [...new Set([...segmentKeys, ...chosen])].sort();
  if (keys.length === 0) return <p className="hint">No segments in this environment yet.</p>;
  return (
    <fieldset className="segment-choice">
      <legend>Segments</legend>
      {keys.map((key) => (
        <label key={key} className="checkbox">
          <input
            type="checkbox"
            checked={chosen.has(key)}
            onChange={(e) => {
              const next = new Set(chosen);
              if (e.target.checked) next.add(key);
              else next.delete(key);
              onChange({ ...clause, values: keys.filter((k) => next.has(k)) });
            }}
          />
          {key}
          {!segmentKeys.includes(key) && <span className="field-error"> (missing)</span>}
        </label>
      ))}
    </fieldset>
  );
}

/** Suggestions for the context kind and attribute inputs; rendered once per editor. */
export function ClauseSuggestions() {
  return (
    <>
      <datalist id="context-kinds">
        {['user', 'organization', 'device', 'service'].map((k) => (
          <option key={k} value={k} />
        ))}
      </datalist>
      <datalist id="attributes">
        {['key', 'email', 'name', 'country', 'plan', 'version', 'ip', 'anonymous'].map((a) => (
          <option key={a} value={a} />
        ))}
      </datalist>
    </>
  );
}
