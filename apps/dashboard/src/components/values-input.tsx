import { useEffect, useId, useState } from 'react';
import type { JsonValue } from '../api/types.js';
import { formatValue, parseValues, type ScalarType, type ValueKind } from '../editor/clauses.js';
import { jsonEqual } from '../editor/json-patch.js';

interface Props {
  label: string;
  kind: ValueKind;
  scalar?: ScalarType;
  values: readonly JsonValue[];
  onChange(values: JsonValue[]): void;
  hint?: string;
}

/**
 * Clause values, one per line. The text is kept as typed; the values are what parses, and
 * what does not parse is named under the box. A change from outside (a reapply) resets the text.
 */
export function ValuesInput({ label, kind, scalar = 'string', values, onChange, hint }: Props) {
  const id = useId();
  const [text, setText] = useState(() => values.map(formatValue).join('\n'));
  const parsed = parseValues(kind, text.split('\n'), scalar);
  useEffect(() => {
    if (!jsonEqual(parsed.values, [...values])) setText(values.map(formatValue).join('\n'));
    // Only outside changes of `values` matter here; typing updates both together.
  }, [values]);
  return (
    <div className="values-input">
      <label htmlFor={id}>{label}</label>
      <textarea
        id={id}
        rows={Math.min(6, Math.max(1, text.split('\n').length))}
        value={text}
        spellCheck={false}
        aria-invalid={parsed.errors.length > 0}
        aria-describedby={`${id}-hint`}
        onChange={(e) => {
          setText(e.target.value);
          onChange(parseValues(kind, e.target.value.split('\n'), scalar).values);
        }}
      />
      <p id={`${id}-hint`} className={parsed.errors.length > 0 ? 'field-error' : 'hint'}>
        {parsed.errors.length > 0 ? parsed.errors.join('; ') : (hint ?? 'One value per line.')}
      </p>
    </div>
  );
}
