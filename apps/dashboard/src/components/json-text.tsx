import type { JsonValue } from '../api/types.js';

/** A JSON value as compact text: strings quoted, objects on one line when short. */
export function jsonText(value: JsonValue | undefined): string {
  if (value === undefined) return '—';
  const compact = JSON.stringify(value);
  return compact.length <= 60 ? compact : JSON.stringify(value, null, 2);
}

export function JsonText({ value }: { value: JsonValue | undefined }) {
  return <code className="json">{jsonText(value)}</code>;
}
