import { useEffect, useState } from 'react';
import { parseTags } from '../model/variation-input.js';

/** Tags typed as "a, b": kept as typed, saved as a list; reset when changed from outside. */
export function TagsInput({
  tags,
  onChange,
}: {
  tags: readonly string[];
  onChange(tags: string[]): void;
}) {
  const [text, setText] = useState(tags.join(', '));
  useEffect(() => {
    setText((current) => (parseTags(current).join() === tags.join() ? current : tags.join(', ')));
  }, [tags]);
  return (
    <label>
      Tags
      <input
        value={text}
        onChange={(e) => {
          setText(e.target.value);
          onChange(parseTags(e.target.value));
        }}
      />
    </label>
  );
}
