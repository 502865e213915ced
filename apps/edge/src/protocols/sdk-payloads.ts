import type { EnvironmentState, StoredItem } from '../state/environment-state.js';

// LaunchDarkly's server-side data payloads, serialized once per environment version and
// shared by every stream and poll (docs/protocol.md section 4).

function itemsMap(items: Map<string, StoredItem>): string {
  const parts: string[] = [];
  for (const [key, item] of items)
    if (!item.deleted) parts.push(`${JSON.stringify(key)}:${item.text}`);
  return `{${parts.join(',')}}`;
}

/** `{"flags":{...},"segments":{...}}` without tombstones. */
export function allDataText(state: EnvironmentState): string {
  return state.derived(
    'all-data',
    () => `{"flags":${itemsMap(state.flags)},"segments":${itemsMap(state.segments)}}`,
  );
}

export function flagsMapText(state: EnvironmentState): string {
  return state.derived('flags-map', () => itemsMap(state.flags));
}

export function segmentsMapText(state: EnvironmentState): string {
  return state.derived('segments-map', () => itemsMap(state.segments));
}

/** A strong validator for polling: the environment and its sequence number. */
export function dataEtag(state: EnvironmentState, variant: string): string {
  return `"${state.id}-${state.seq}-${variant}"`;
}
