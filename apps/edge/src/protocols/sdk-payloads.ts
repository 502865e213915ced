import type { EnvironmentState, StoredItem } from '../state/environment-state.js';
import { viewSuffix, type FlagView } from './payload-filter.js';

// LaunchDarkly's server-side data payloads, serialized once per environment version (and
// payload filter) and shared by every stream and poll (docs/protocol.md section 4).

function itemsMap(items: Map<string, StoredItem>, view?: FlagView): string {
  const parts: string[] = [];
  for (const [key, item] of items)
    if (!item.deleted && (view === undefined || view.includes(key)))
      parts.push(`${JSON.stringify(key)}:${item.text}`);
  return `{${parts.join(',')}}`;
}

/** `{"flags":{...},"segments":{...}}` without tombstones; only the filter's flags with one. */
export function allDataText(state: EnvironmentState, view?: FlagView): string {
  return state.derived(
    `all-data${viewSuffix(view)}`,
    () => `{"flags":${itemsMap(state.flags, view)},"segments":${segmentsMapText(state)}}`,
  );
}

export function flagsMapText(state: EnvironmentState, view?: FlagView): string {
  return state.derived(`flags-map${viewSuffix(view)}`, () => itemsMap(state.flags, view));
}

export function segmentsMapText(state: EnvironmentState): string {
  return state.derived('segments-map', () => itemsMap(state.segments));
}

/** A strong validator for polling: the environment, its sequence number, the filter. */
export function dataEtag(state: EnvironmentState, what: string, view?: FlagView): string {
  return `"${state.id}-${state.seq}-${what}${view === undefined ? '' : `-${view.key}`}"`;
}
